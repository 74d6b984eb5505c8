"""The annual decision catalog (决策事项目录, Art 3¶3): items, versions, consent, publication, links.

A catalog is kept per decision organ and year in versions. A version is a draft until the same-level
Party committee's consent is recorded, and only a consented version may be published. An adjustment
(调整) opens a new version that goes through the same trail (consent, then publication); an item is
visible in the versions [version_added, version_removed). Each decision is linked to its catalog item,
or, outside the catalog, rests on its Art 10 proposal; `compare()` sets the procedures the catalog
declared against the ones actually run. Everything writes an audit event on the system chain.
"""

from __future__ import annotations

import calendar as _stdcal
import csv
import re
from datetime import date
from pathlib import Path

from sqlalchemy import or_
from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts.models import Office
from decisions.accounts.permissions import DecisionScope, authorize
from decisions.accounts.service import actor_for, office_by_code
from decisions.catalog.models import CatalogClosure, CatalogItem, CatalogVersion
from decisions.errors import BadInput, Blocked, NotFound, NotPermitted, Unmet
from decisions.procedure import scope
from decisions.procedure.models import Decision, Evidence, StageStatus, live_evidence
from decisions.procedure.service import get_decision, profile_of, record_event, scope_of, subtree, touch
from decisions.records import audit
from decisions.storage.unit_of_work import UnitOfWork

COLUMNS = ("item_name", "undertaking_unit", "procedures", "hearing", "legal_basis", "planned_time")
YES = ("是", "需要", "需", "yes", "y", "true", "1", "听证")

# catalog wording → stage keys (the "决策事项程序" column of published catalogs)
KEYWORDS = (("公众参与", "public_participation"), ("征求意见", "public_participation"), ("听证", "public_participation"),
            ("专家论证", "expert_review"), ("专家咨询", "expert_review"), ("风险评估", "risk_assessment"),
            ("稳定风险", "risk_assessment"), ("公平竞争", "fair_competition_review"),
            ("合法性审查", "legality_review"), ("集体讨论", "collective_discussion"),
            ("集体决策", "collective_discussion"), ("集体审议", "collective_discussion"))
CONDITIONAL = ("public_participation", "expert_review", "risk_assessment", "fair_competition_review")
_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4}


# ----------------------------------------------------------------- parsing helpers
def parse_target(planned: str, year: int) -> str:
    """An ISO target date from the catalog's 决策时间 column ('2022-06-30', '10月30日', '2022年6月', '三季度')."""
    text = (planned or "").strip()
    if not text:
        return ""
    m = re.search(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return ""
    m = re.search(r"(?:(\d{4})\s*年)?\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?", text)
    if m:
        y, mo = int(m[1] or year), int(m[2])
        if not 1 <= mo <= 12:
            return ""
        last = _stdcal.monthrange(y, mo)[1]
        day = min(int(m[3]), last) if m[3] else last
        return date(y, mo, day).isoformat()
    m = re.search(r"第?([一二三四1-4])季度", text)
    if m:
        q = _CN_NUM.get(m[1]) or int(m[1])
        mo = q * 3
        return date(year, mo, _stdcal.monthrange(year, mo)[1]).isoformat()
    if "上半年" in text:
        return date(year, 6, 30).isoformat()
    if any(w in text for w in ("下半年", "年底", "年内", "年末", "全年")):
        return date(year, 12, 31).isoformat()
    return ""


def declared_stages(procedures: str) -> list[str]:
    """Stage keys named in the catalog's 决策事项程序 column (Chinese wording or stage keys)."""
    found: list[str] = []
    text = procedures or ""
    for word, stage in KEYWORDS:
        if word in text and stage not in found:
            found.append(stage)
    for token in re.split(r"[\s,，、;；/]+", text):
        if token in (*CONDITIONAL, "legality_review", "collective_discussion") and token not in found:
            found.append(token)
    return found


def hearing_declared(hearing: str) -> bool:
    return (hearing or "").strip().lower() in YES


def _match_undertaker(s: Session, organ: Office, unit: str) -> int | None:
    unit = (unit or "").strip()
    if not unit:
        return None
    offices = s.exec(select(Office).where(col(Office.id).in_(subtree(s, organ.id or 0)))).all()
    for o in offices:
        if unit in (o.code, o.name):
            return o.id
    hits = [o for o in offices if o.name.endswith(unit) or unit.endswith(o.name)]
    return max(hits, key=lambda o: len(o.name)).id if hits else None


# ----------------------------------------------------------------- permissions and state
def _actor(s: Session, as_user: str | None, organ: Office, action: str) -> tuple[str, str, str]:
    """The server operator (no --as), an admin, or the organ's decision_organ / head."""
    if as_user is None:
        return "operator", "admin", ""
    actor = actor_for(s, as_user)
    if "admin" in actor.roles:
        return actor.username, "admin", actor.office_code
    scope = DecisionScope(organ.id or 0, frozenset(), frozenset(subtree(s, organ.id or 0)), None)
    role = authorize(actor, scope, ["decision_organ", "head"], action)
    return actor.username, role, actor.office_code


def _versions(s: Session, organ_id: int, year: int) -> list[CatalogVersion]:
    return list(s.exec(select(CatalogVersion).where(CatalogVersion.organ_id == organ_id, CatalogVersion.year == year)
                       .order_by(col(CatalogVersion.version))))


def _latest(s: Session, organ_id: int, year: int) -> CatalogVersion | None:
    vs = _versions(s, organ_id, year)
    return vs[-1] if vs else None


def _check_year_open(s: Session, organ: Office, year: int, *, allow_past: bool = False) -> None:
    closed = s.get(CatalogClosure, (organ.id, year))
    if closed is not None:
        raise Blocked([Unmet("catalog.year_closed", "Art 3¶3",
                             f"{organ.name}{year}年度决策事项目录已于 {closed.closed_at[:10]} 办结（年终公开），"
                             "不得再增加或调整事项", f"the {year} catalog was closed on {closed.closed_at[:10]}")])
    if not allow_past and year < clock.today().year:
        raise Blocked([Unmet("catalog.year_closed", "Art 3¶3",
                             f"{year}年度已经结束，不得再向该年度目录增加或调整事项（当前为{clock.today().year}年）",
                             f"the year {year} is over: its catalog can no longer change")])


def _editable(s: Session, organ: Office, year: int, who: str) -> CatalogVersion:
    """The draft version items are added to: a new v1, or the open draft of an adjustment."""
    latest = _latest(s, organ.id or 0, year)
    if latest is None:
        v = CatalogVersion(organ_id=organ.id or 0, year=year, version=1, status="draft", reason="年度目录 / annual catalog",
                           created_at=clock.now().isoformat(timespec="seconds"), created_by=who)
        s.add(v)
        s.flush()
        return v
    if latest.status == "draft":
        return latest
    if latest.status == "consented":
        raise Blocked([Unmet("catalog.consented", "Art 3¶3",
                             f"第{latest.version}版目录已经同级党委同意，内容不得再改动；请先公布，再以调整程序形成新版本",
                             "this version already has the Party committee's consent: publish it, then adjust")])
    raise Blocked([Unmet("catalog.published", "Art 3¶3",
                         f"第{latest.version}版目录已公布；调整须形成新版本（juece catalog adjust），并重新报经党委同意后公布",
                         "the catalog is published: open an adjustment (a new version) first")])


def _visible(item: CatalogItem, version: int) -> bool:
    return item.version_added <= version and (item.version_removed is None or item.version_removed > version)


def _item_view(item: CatalogItem) -> dict:
    return item.model_dump()


def _sys(s: Session, who: tuple[str, str, str], action: str, detail: dict) -> None:
    audit.record(s, decision_id=None, actor=who[0], role=who[1], office=who[2], action=action, detail=detail)


# ----------------------------------------------------------------- use cases
def import_csv(organ: str, year: int, path: Path, *, source: str = "", published_at: str = "",
               party_consent_at: str = "", as_user: str | None = None) -> list[dict]:
    """Load one catalog table (the columns of shared/data/catalogs) as items of `organ` for `year`.

    With `published_at` the table is recorded as published, which needs `party_consent_at` (Art 3¶3).
    """
    try:
        with path.open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: 无法读取目录文件 / cannot read catalog: {exc}") from None
    if not rows or not set(COLUMNS) <= set(rows[0]):
        raise BadInput(f"{path}: 缺少列 / missing columns; expected {', '.join(COLUMNS)}")
    consent_day = clock.parse_date(party_consent_at, "party_consent_at") if party_consent_at else None
    publish_day = clock.parse_date(published_at, "published_at") if published_at else None
    if publish_day and consent_day is None:
        raise Blocked([Unmet("catalog.party_consent", "Art 3¶3", "决策事项目录须经同级党委同意后向社会公布（缺少党委同意日期）",
                             "the catalog is published only after the Party committee's consent")])
    if publish_day and consent_day and publish_day < consent_day:
        raise BadInput(f"公布日期 {publish_day} 早于党委同意日期 {consent_day} / published before consent")
    with UnitOfWork() as uow:
        s = uow.session
        office = office_by_code(s, organ)
        who = _actor(s, as_user, office, "导入决策事项目录 / import a catalog")
        _check_year_open(s, office, year, allow_past=True)
        try:
            v = _editable(s, office, year, who[0])
        except Blocked as exc:
            raise BadInput(f"{organ} {year}: {exc.message}") from None
        out = []
        for i, row in enumerate(rows, start=1):
            planned = row["planned_time"].strip()
            item = CatalogItem(organ_id=office.id or 0, year=year, seq=int(row.get("seq") or i),
                               item_name=row["item_name"].strip(), undertaking_unit=row["undertaking_unit"].strip(),
                               procedures=row["procedures"].strip(), hearing=row["hearing"].strip(),
                               legal_basis=row["legal_basis"].strip(), planned_time=planned,
                               main_content=(row.get("main_content") or "").strip(), source=source,
                               published_at=published_at, party_consent_at=party_consent_at, version_added=v.version,
                               target_date=parse_target(planned, year),
                               undertaker_id=_match_undertaker(s, office, row["undertaking_unit"]))
            if not item.item_name:
                raise BadInput(f"{path}: 第{i}行事项名称为空 / row {i}: item_name is empty")
            s.add(item)
            s.flush()
            out.append({"id": item.id, "seq": item.seq, "item_name": item.item_name,
                        "undertaking_unit": item.undertaking_unit})
        _sys(s, who, "catalog_import", {"organ": organ, "year": year, "version": v.version, "file": path.name,
                                        "items": len(out), "source": source})
        if consent_day:
            v.status, v.party_consent_at = "consented", consent_day.isoformat()
            v.party_consent_ref = source
            _sys(s, who, "catalog_consent", {"organ": organ, "year": year, "version": v.version,
                                             "date": v.party_consent_at, "ref": source})
        if publish_day:
            v.status, v.published_at, v.publication_ref = "published", publish_day.isoformat(), source
            _sys(s, who, "catalog_publish", {"organ": organ, "year": year, "version": v.version,
                                             "date": v.published_at, "ref": source})
        uow.commit()
        return out


def add_item(organ: str, year: int, *, item_name: str, as_user: str | None, undertaking_unit: str = "",
             procedures: str = "", hearing: str = "", legal_basis: str = "", planned_time: str = "",
             main_content: str = "", target_date: str = "") -> dict:
    """Add an item to the year's draft catalog (a new catalog, or the open draft of an adjustment)."""
    item_name = item_name.strip()
    if not item_name:
        raise BadInput("--name 事项名称不能为空 / item name must not be empty")
    if target_date:
        target_date = clock.parse_date(target_date, "--target").isoformat()
    with UnitOfWork() as uow:
        s = uow.session
        office = office_by_code(s, organ)
        who = _actor(s, as_user, office, "编制决策事项目录 / edit the catalog")
        _check_year_open(s, office, year)
        target = target_date or parse_target(planned_time, year)
        if target and int(target[:4]) != year:
            raise BadInput(f"--target {target} 不在 {year} 年度内 / not within the catalog year")
        v = _editable(s, office, year, who[0])
        seq = max((i.seq for i in s.exec(select(CatalogItem).where(CatalogItem.organ_id == office.id,
                                                                   CatalogItem.year == year))), default=0) + 1
        item = CatalogItem(organ_id=office.id or 0, year=year, seq=seq, item_name=item_name,
                           undertaking_unit=undertaking_unit.strip(), procedures=procedures.strip(),
                           hearing=hearing.strip(), legal_basis=legal_basis.strip(), planned_time=planned_time.strip(),
                           main_content=main_content.strip(), version_added=v.version, target_date=target,
                           undertaker_id=_match_undertaker(s, office, undertaking_unit))
        s.add(item)
        s.flush()
        _sys(s, who, "catalog_item_add", {"organ": organ, "year": year, "version": v.version, "item_id": item.id,
                                          "seq": seq, "item_name": item_name, "procedures": item.procedures,
                                          "hearing": item.hearing, "undertaking_unit": item.undertaking_unit,
                                          "legal_basis": item.legal_basis, "target_date": target})
        uow.commit()
        return _item_view(item)


def remove_item(item_id: int, *, reason: str, as_user: str | None) -> dict:
    """Remove an item in the open draft of an adjustment (the item stays in the earlier versions)."""
    if not reason.strip():
        raise BadInput("--reason 须说明调整理由 / a reason is required")
    with UnitOfWork() as uow:
        s = uow.session
        item = s.get(CatalogItem, item_id)
        if item is None:
            raise NotFound(f"未知目录事项 / unknown catalog item: {item_id}")
        office = s.get(Office, item.organ_id)
        assert office is not None
        who = _actor(s, as_user, office, "调整决策事项目录 / adjust the catalog")
        _check_year_open(s, office, item.year)
        v = _editable(s, office, item.year, who[0])
        if not _visible(item, v.version):
            raise BadInput(f"目录事项 {item_id} 已不在第{v.version}版中 / not in version {v.version}")
        item.version_removed = v.version
        _sys(s, who, "catalog_item_remove", {"organ": office.code, "year": item.year, "version": v.version,
                                             "item_id": item.id, "item_name": item.item_name, "reason": reason.strip()})
        uow.commit()
        return _item_view(item)


def consent(organ: str, year: int, *, day: str, ref: str, as_user: str | None) -> dict:
    """Record the same-level Party committee's consent to the draft version (Art 3¶3)."""
    when = clock.parse_date(day, "--date")
    if not ref.strip():
        raise BadInput("--ref 须注明党委同意的文件或会议 / the consent document or meeting is required")
    with UnitOfWork() as uow:
        s = uow.session
        office = office_by_code(s, organ)
        who = _actor(s, as_user, office, "记录党委同意 / record the Party committee's consent")
        v = _latest(s, office.id or 0, year)
        if v is None or v.status != "draft":
            raise Blocked([Unmet("catalog.consent", "Art 3¶3",
                                 f"{year}年度目录没有待报党委同意的草稿版本" + (f"（第{v.version}版状态为 {v.status}）" if v else ""),
                                 "no draft version awaiting consent")])
        items = [i for i in s.exec(select(CatalogItem).where(CatalogItem.organ_id == office.id,
                                                             CatalogItem.year == year)) if _visible(i, v.version)]
        if not items:
            raise Blocked([Unmet("catalog.empty", "Art 3¶3", "目录没有事项 / the catalog has no items",
                                 "the catalog has no items")])
        v.status, v.party_consent_at, v.party_consent_ref = "consented", when.isoformat(), ref.strip()
        _sys(s, who, "catalog_consent", {"organ": organ, "year": year, "version": v.version, "date": when.isoformat(),
                                         "ref": ref.strip(), "items": len(items)})
        uow.commit()
        return version_view(v, len(items))


def publish(organ: str, year: int, *, day: str, ref: str = "", as_user: str | None) -> dict:
    """Publish the consented version; refused without the Party committee's consent (Art 3¶3)."""
    when = clock.parse_date(day, "--date")
    with UnitOfWork() as uow:
        s = uow.session
        office = office_by_code(s, organ)
        who = _actor(s, as_user, office, "公布决策事项目录 / publish the catalog")
        v = _latest(s, office.id or 0, year)
        if v is None:
            raise NotFound(f"{organ} 没有 {year} 年度目录 / no catalog for {year}")
        if v.status == "published":
            raise Blocked([Unmet("catalog.published", "Art 3¶3", f"第{v.version}版目录已于 {v.published_at} 公布",
                                 "already published")])
        if v.status != "consented":
            raise Blocked([Unmet("catalog.party_consent", "Art 3¶3",
                                 f"第{v.version}版目录尚未经同级党委同意，不得向社会公布（先执行 juece catalog consent）",
                                 "the Party committee's consent must be recorded before publication")])
        if when.isoformat() < v.party_consent_at:
            raise BadInput(f"--date {when} 早于党委同意日期 {v.party_consent_at} / before the consent")
        v.status, v.published_at, v.publication_ref = "published", when.isoformat(), ref.strip()
        visible = [i for i in s.exec(select(CatalogItem).where(CatalogItem.organ_id == office.id,
                                                               CatalogItem.year == year)) if _visible(i, v.version)]
        for i in visible:
            if not i.published_at:
                i.published_at, i.party_consent_at = v.published_at, v.party_consent_at
        _sys(s, who, "catalog_publish", {"organ": organ, "year": year, "version": v.version,
                                         "date": when.isoformat(), "ref": ref.strip(), "items": len(visible)})
        uow.commit()
        return version_view(v, len(visible))


def adjust(organ: str, year: int, *, reason: str, as_user: str | None) -> dict:
    """Open an adjustment: a new draft version, to be consented and published like the first (Art 3¶3)."""
    if not reason.strip():
        raise BadInput("--reason 须说明调整理由 / a reason is required")
    with UnitOfWork() as uow:
        s = uow.session
        office = office_by_code(s, organ)
        who = _actor(s, as_user, office, "调整决策事项目录 / adjust the catalog")
        _check_year_open(s, office, year)
        v = _latest(s, office.id or 0, year)
        if v is None:
            raise NotFound(f"{organ} 没有 {year} 年度目录 / no catalog for {year}")
        if v.status != "published":
            raise Blocked([Unmet("catalog.adjust", "Art 3¶3",
                                 f"第{v.version}版目录尚未公布（{v.status}），可直接修改草稿，无需调整",
                                 "the latest version is not published yet")])
        new = CatalogVersion(organ_id=office.id or 0, year=year, version=v.version + 1, status="draft",
                             reason=reason.strip(), created_at=clock.now().isoformat(timespec="seconds"),
                             created_by=who[0])
        s.add(new)
        s.flush()
        _sys(s, who, "catalog_adjust", {"organ": organ, "year": year, "version": new.version, "reason": reason.strip()})
        uow.commit()
        return version_view(new, None)


def close_year(organ: str, year: int, *, summary: str = "", as_user: str | None) -> dict:
    """Year-end closing (年终总公开): afterwards no item or adjustment for that year."""
    with UnitOfWork() as uow:
        s = uow.session
        office = office_by_code(s, organ)
        who = _actor(s, as_user, office, "办结年度目录 / close the catalog year")
        if s.get(CatalogClosure, (office.id, year)) is not None:
            raise BadInput(f"{year} 年度目录已办结 / already closed")
        v = _latest(s, office.id or 0, year)
        if v is not None and v.status != "published":
            raise Blocked([Unmet("catalog.pending_version", "Art 3¶3",
                                 f"第{v.version}版目录尚未公布（{v.status}），办结前须完成同意和公布",
                                 "a version is still pending consent or publication")])
        stamp = clock.now().isoformat(timespec="seconds")
        s.add(CatalogClosure(organ_id=office.id or 0, year=year, closed_at=stamp, closed_by=who[0],
                             summary=summary.strip()))
        _sys(s, who, "catalog_close", {"organ": organ, "year": year, "summary": summary.strip()})
        uow.commit()
        return {"organ": organ, "year": year, "closed_at": stamp}


def version_view(v: CatalogVersion, items: int | None) -> dict:
    return {"version": v.version, "year": v.year, "status": v.status, "reason": v.reason, "created_at": v.created_at,
            "party_consent_at": v.party_consent_at, "party_consent_ref": v.party_consent_ref,
            "published_at": v.published_at, "publication_ref": v.publication_ref, "items": items}


def versions(organ: str, year: int, *, as_user: str | None = None) -> list[dict]:
    """The versions of a catalog year; `as_user` outside the organ's scope sees the published ones only."""
    with UnitOfWork() as uow:
        s = uow.session
        office = office_by_code(s, organ)
        all_items = list(s.exec(select(CatalogItem).where(CatalogItem.organ_id == office.id, CatalogItem.year == year)))
        drafts = _drafts_readable(s, as_user)
        public = drafts is not None and (office.id or 0) not in drafts
        return [version_view(v, sum(_visible(i, v.version) for i in all_items))
                for v in _versions(s, office.id or 0, year) if not public or v.status == "published"]


def _drafts_readable(s: Session, as_user: str | None) -> frozenset[int] | None:
    """Organs whose unpublished catalog the user may read (decisions.procedure.scope); None: all (the operator)."""
    return scope.catalog_organs(scope.reader(s, as_user))


def items(organ: str | None = None, year: int | None = None, *, version: int | None = None,
          include_removed: bool = False, as_user: str | None = None) -> list[dict]:
    """Catalog items (current ones by default; `version` = as in that version). `as_user`: unpublished items
    only of the organs in that user's scope (decisions.procedure.scope), published ones of every organ."""
    with UnitOfWork() as uow:
        q = select(CatalogItem)
        if organ:
            q = q.where(CatalogItem.organ_id == office_by_code(uow.session, organ).id)
        if year:
            q = q.where(CatalogItem.year == year)
        drafts = _drafts_readable(uow.session, as_user)
        if drafts is not None:
            q = q.where(or_(CatalogItem.published_at != "", col(CatalogItem.organ_id).in_(drafts)))
        rows = uow.session.exec(q.order_by(CatalogItem.year, CatalogItem.seq, col(CatalogItem.id))).all()
        if version is not None:
            rows = [i for i in rows if _visible(i, version)]
        elif not include_removed:
            rows = [i for i in rows if i.version_removed is None]
        return [_item_view(i) for i in rows]


def link(ident: str | int, item_id: int, *, as_user: str) -> dict:
    """Link a decision to a published catalog item of its organ."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        actor = actor_for(s, as_user)
        role = authorize(actor, scope_of(s, d, actor), ["decision_organ"], "关联目录事项 / link a catalog item")
        item = s.get(CatalogItem, item_id)
        if item is None:
            raise NotFound(f"未知目录事项 / unknown catalog item: {item_id}")
        if item.organ_id != d.organ_id:
            raise BadInput(f"目录事项 {item_id} 不属于本决策机关 / belongs to another organ")
        if item.version_removed is not None:
            raise BadInput(f"目录事项 {item_id} 已在第{item.version_removed}版调整中移出 / removed from the catalog")
        published = s.exec(select(CatalogVersion).where(CatalogVersion.organ_id == item.organ_id,
                                                        CatalogVersion.year == item.year,
                                                        CatalogVersion.status == "published",
                                                        CatalogVersion.version >= item.version_added)).first()
        if published is None:
            raise Blocked([Unmet("catalog.not_published", "Art 3¶3", f"目录事项 {item_id} 所在版本尚未公布",
                                 "the item's catalog version is not published yet")])
        before = d.catalog_item_id
        d.catalog_item_id = item.id
        touch(d)
        record_event(s, d, actor, role, "catalog_link", {"catalog_item": item.id, "previous": before,
                                                    "item_name": item.item_name, "year": item.year})
        uow.commit()
        return {"id": d.id, "catalog_item_id": item.id, "item_name": item.item_name}


def compare(ident: str | int, *, as_user: str | None = None) -> dict:
    """The procedures the catalog declared for the decision's item against the ones actually run.

    `as_user`: read as that user (None: the server operator). NotPermitted (exit 4) naming the user and the
    decision when the decision is outside their scope (decisions.procedure.scope), or naming the user and the catalog
    item when the decision is linked to an unpublished item of an organ whose drafts that user may not read
    (the rule of `items()`: published items of every organ, drafts only within the user's scope)."""
    with UnitOfWork() as uow:
        s = uow.session
        d = get_decision(s, ident)
        if as_user is not None:
            r = scope.reader(s, as_user)
            scope.require_read(s, r, d, "比对目录与程序 / compare the catalog with the procedures of")
            item = s.get(CatalogItem, d.catalog_item_id) if d.catalog_item_id else None
            drafts = scope.catalog_organs(r)
            if item is not None and drafts is not None and not item.published_at and item.organ_id not in drafts:
                organ = s.get(Office, item.organ_id)
                code = organ.code if organ else item.organ_id
                raise NotPermitted(f"用户 {r.username} 无权查看目录事项 #{item.id}：{code} 的目录草稿尚未公布，"
                                   f"不在其单位的查看范围内 / user {r.username} may not read catalog item #{item.id}: "
                                   f"an unpublished catalog draft of {code}, outside the offices this user may see")
        return compare_in(s, d)


def compare_in(s: Session, d: Decision) -> dict:
    profile = profile_of(d)
    status = {r.stage: r for r in s.exec(select(StageStatus).where(StageStatus.decision_id == d.id))}
    item = s.get(CatalogItem, d.catalog_item_id) if d.catalog_item_id else None
    proposal = s.exec(select(Evidence.id).where(Evidence.decision_id == d.id, Evidence.kind == "proposal",
                                                live_evidence())).first()
    out: dict = {"id": d.id, "code": d.code, "title": d.title, "state": d.state, "in_catalog": item is not None,
                 "catalog_item": None, "proposal_evidence": proposal,
                 "catalog_required": bool(profile.params.get("catalog_required", False)), "stages": [],
                 "findings": []}
    findings: list[dict] = out["findings"]
    if item is None:
        if out["catalog_required"]:
            findings.append({"finding": "outside_catalog", "article": "Art 3¶3",
                             "message": "本程序配置要求年度目录，该决策未关联目录事项"
                                        + ("，依第10条决策建议启动" if proposal else "，且无第10条决策建议"),
                             "message_en": "the profile requires a catalog and the decision is not in it"})
        if proposal is None:
            findings.append({"finding": "no_basis", "article": "Art 10",
                             "message": "既不在目录中，也没有决策建议（proposal）", "message_en": "neither catalog nor proposal"})
        return out
    declared = declared_stages(item.procedures)
    out["catalog_item"] = {"id": item.id, "year": item.year, "seq": item.seq, "item_name": item.item_name,
                           "procedures": item.procedures, "hearing": item.hearing, "target_date": item.target_date,
                           "declared_stages": declared, "hearing_declared": hearing_declared(item.hearing)}
    for stage in profile.stage_order:
        row = status.get(stage)
        st = row.status if row else "pending"
        is_declared = stage in declared if declared else None
        finding = "ok"
        if declared:
            if is_declared and st == "skipped":
                finding = "declared_not_run"
            elif not is_declared and stage in CONDITIONAL and st == "done":
                finding = "run_not_declared"
        out["stages"].append({"stage": stage, "name": profile.stages[stage].name_zh, "declared": is_declared,
                              "status": st, "note": row.note if row else "", "finding": finding})
        if finding == "declared_not_run":
            findings.append({"finding": finding, "stage": stage, "article": "Art 3¶3",
                             "message": f"目录列明须履行「{profile.stages[stage].name_zh}」，实际被跳过：{row.note if row else ''}",
                             "message_en": f"the catalog declared {stage}, the decision skipped it"})
        elif finding == "run_not_declared":
            findings.append({"finding": finding, "stage": stage, "article": "Art 3¶3",
                             "message": f"实际履行了「{profile.stages[stage].name_zh}」，目录未列明（目录可能需要调整）",
                             "message_en": f"{stage} was run but the catalog did not declare it"})
    if not declared:
        findings.append({"finding": "undeclared", "article": "Art 3¶3",
                         "message": "目录未列明该事项的决策程序，无法比对", "message_en": "the catalog lists no procedures"})
    if hearing_declared(item.hearing):
        held = any(e.meta.get("form") == "hearing" for e in s.exec(
            select(Evidence).where(Evidence.decision_id == d.id, Evidence.kind == "participation_activity",
                                 live_evidence())))
        past = d.state not in profile.stages or profile.stage_index(d.state) > profile.stage_index(
            "public_participation")
        if not held and past:
            findings.append({"finding": "hearing_not_held", "stage": "public_participation", "article": "Art 16",
                             "message": "目录列明须举行听证，公众参与阶段没有听证会记录",
                             "message_en": "the catalog declared a hearing; none was recorded"})
    return out
