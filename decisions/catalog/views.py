"""Read models of the annual catalog for the workbench: the overview of an organ's items and their decisions."""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import col, func, select

from decisions.accounts.models import Office
from decisions.catalog.models import CatalogItem
from decisions.procedure import scope
from decisions.procedure.models import Decision
from decisions.storage.unit_of_work import UnitOfWork


# ----------------------------------------------------------------- catalog and public page
def catalog_overview(username: str | None, *, organ: str | None = None, year: int | None = None,
                     published_only: bool = False) -> dict:
    """Catalog items with the decisions linked to each. `username=None` is the public: published items, no
    decisions. A user sees the unpublished drafts only of the organs in their scope (decisions.procedure.scope), and
    of the linked decisions only those they may open."""
    with UnitOfWork() as uow:
        s = uow.session
        reader = scope.reader(s, username) if username is not None else None
        published_only = published_only or reader is None
        q = select(CatalogItem, Office.code, Office.name).join(Office, Office.id == CatalogItem.organ_id)
        if organ:
            q = q.where(Office.code == organ)
        if year:
            q = q.where(CatalogItem.year == year)
        drafts_of = scope.catalog_organs(reader) if reader is not None else frozenset()
        if published_only:
            q = q.where(CatalogItem.published_at != "")
        elif drafts_of is not None:
            q = q.where(or_(CatalogItem.published_at != "", col(CatalogItem.organ_id).in_(drafts_of)))
        rows = s.exec(q.order_by(col(Office.code), col(CatalogItem.year), col(CatalogItem.seq))).all()
        ids = [i.id for i, _, _ in rows]
        linked: dict[int, tuple[int, str]] = {}
        if ids and reader is not None:
            lq = select(Decision.catalog_item_id, func.count(), func.max(Decision.code)) \
                .where(col(Decision.catalog_item_id).in_(ids))
            visible = scope.visible_clause(reader)
            if visible is not None:
                lq = lq.where(visible)
            for iid, n, newest in s.exec(lq.group_by(Decision.catalog_item_id)):
                linked[iid] = (n, newest)
        groups = sorted({(oc, on, i.year) for i, oc, on in rows})
        items = []
        for i, oc, on in rows:
            n, newest = linked.get(i.id or 0, (0, ""))
            items.append({"id": i.id, "organ": oc, "organ_name": on, "year": i.year, "seq": i.seq,
                          "item_name": i.item_name, "undertaking_unit": i.undertaking_unit,
                          "planned_time": i.planned_time, "main_content": i.main_content,
                          "published_at": i.published_at, "source": i.source,
                          "decisions": n, "newest_decision": newest})
        return {"items": items, "groups": [{"organ": g[0], "organ_name": g[1], "year": g[2]} for g in groups],
                "covered": sum(1 for i in items if linked.get(i["id"])), "total": len(items)}
