"""The annual decision catalog (决策事项目录, Art 3¶3): items imported from a published table."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlmodel import select

from decisions import audit
from decisions.directory import office_by_code
from decisions.errors import BadInput
from decisions.models import CatalogItem
from decisions.unit_of_work import UnitOfWork

COLUMNS = ("item_name", "undertaking_unit", "procedures", "hearing", "legal_basis", "planned_time")


def import_csv(organ: str, year: int, path: Path, *, source: str = "", published_at: str = "",
               party_consent_at: str = "") -> list[dict]:
    """Load one catalog table (the columns of shared/data/catalogs) as items of `organ` for `year`."""
    try:
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: 无法读取目录文件 / cannot read catalog: {exc}") from None
    if not rows or not set(COLUMNS) <= set(rows[0]):
        raise BadInput(f"{path}: 缺少列 / missing columns; expected {', '.join(COLUMNS)}")
    with UnitOfWork() as uow:
        s = uow.session
        office = office_by_code(s, organ)
        out = []
        for i, row in enumerate(rows, start=1):
            item = CatalogItem(organ_id=office.id or 0, year=year, seq=int(row.get("seq") or i),
                               item_name=row["item_name"].strip(), undertaking_unit=row["undertaking_unit"].strip(),
                               procedures=row["procedures"].strip(), hearing=row["hearing"].strip(),
                               legal_basis=row["legal_basis"].strip(), planned_time=row["planned_time"].strip(),
                               main_content=(row.get("main_content") or "").strip(), source=source,
                               published_at=published_at, party_consent_at=party_consent_at)
            s.add(item)
            s.flush()
            out.append({"id": item.id, "seq": item.seq, "item_name": item.item_name,
                        "undertaking_unit": item.undertaking_unit})
        audit.record(s, decision_id=None, actor="operator", role="admin", office=organ, action="catalog_import",
                     detail={"organ": organ, "year": year, "file": path.name, "items": len(out), "source": source})
        uow.commit()
        return out


def items(organ: str | None = None, year: int | None = None) -> list[dict]:
    with UnitOfWork() as uow:
        q = select(CatalogItem)
        if organ:
            q = q.where(CatalogItem.organ_id == office_by_code(uow.session, organ).id)
        if year:
            q = q.where(CatalogItem.year == year)
        return [i.model_dump() for i in uow.session.exec(q.order_by(CatalogItem.year, CatalogItem.seq))]
