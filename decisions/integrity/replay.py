"""The rows an audit event describes, recomputed from the trail and compared with the database (`juece verify`).

An intruder with database access can change a row and leave the chains intact; every row whose values the trail
carries is therefore replayed from its events and compared, field by field, naming the row, the field, the value
the trail gives and the value found:

* a decision's organ, lead and co-undertakers, profile (``create``), catalog item (``create``, ``catalog_link``),
  executing unit (the last ``execution_assignment`` evidence), parent (``adjustment_of``);
* its stage rows' status and note: every transition event records them (``stages``, since this release);
* a user's name, office and roles (``user_add`` on the system chain; roles never change after it);
* an opinion's receipt, channel, text (SHA-256 and length), consultation (``opinion``), disposition, reason, group
  and draft (``opinion_disposition``), hidden and its reason (``opinion_hidden``);
* a consultation's dates, shortening reason, draft and notice, contact requirement (``consultation_open``; title
  and explanation since this release);
* public feedback's channel (``feedback``; its text, SHA-256 and length, and received time since this release);
* the participation feedback (意见采纳情况说明): its file's SHA-256 and size, whether published, the figures
  (``participation_feedback``);
* an office's name, level, parent and procedure profile (``office_add``; offices never change after it);
* a void record (作废, ``evidence_void``): one row per ``evidence_void`` event and one event per row, the same
  evidence of the same decision, its reason, who voided it (the event's actor) and when (``at``, since this
  release): a void slipped into the database would silently take a file out of every gate, a deleted one put it
  back.

What older trails do not carry cannot be checked, and the result says so (``unchecked``): the stage rows of a
decision created before transitions recorded them, the title and explanation of a consultation opened before,
the text of public feedback recorded before.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, inspect, select

from decisions.accounts.models import Office, User, UserRole
from decisions.aftercare.models import PublicFeedback
from decisions.participation.models import Consultation, Opinion, ParticipationFeedback
from decisions.procedure.models import CoUndertaker, Decision, EvidenceVoid, StageStatus

_D = Decision.__table__  # type: ignore[attr-defined]
_O = Office.__table__  # type: ignore[attr-defined]
_U = User.__table__  # type: ignore[attr-defined]
_UR = UserRole.__table__  # type: ignore[attr-defined]
_CO = CoUndertaker.__table__  # type: ignore[attr-defined]
_SS = StageStatus.__table__  # type: ignore[attr-defined]
_OP = Opinion.__table__  # type: ignore[attr-defined]
_C = Consultation.__table__  # type: ignore[attr-defined]
_PF = PublicFeedback.__table__  # type: ignore[attr-defined]
_LF = ParticipationFeedback.__table__  # type: ignore[attr-defined]
_EVV = EvidenceVoid.__table__  # type: ignore[attr-defined]

RETURNED = "returned"  # decisions.procedure.sending_back.ACTION (a higher module's constant, spelt here)


def _detail(ev: dict[str, Any]) -> dict[str, Any]:
    return ev["detail"] if isinstance(ev["detail"], dict) else {}


def _is_move(ev: dict[str, Any]) -> bool:
    det = _detail(ev)
    return "from" in det and "to" in det and bool(det["to"])


def _sha(text: str | None) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()


def _differs(what: str, field: str, ev: dict[str, Any] | None, want: Any, found: Any) -> str:
    where = f"audit event seq {ev['seq']} ({ev['action']})" if ev else "the trail"
    return f"{what}: {field} differs from {where} — expected {want!r} (audit), found {found!r} (row)"


def check_rows(conn: Connection, by_chain: dict[int, list[dict[str, Any]]], decision_ids: set[int],
               system: bool) -> tuple[list[str], list[str]]:
    """(problems, unchecked) for the decisions ``decision_ids`` (their chains in ``by_chain``) and, with
    ``system``, the users of the system chain."""
    problems: list[str] = []
    unchecked: list[str] = []
    codes = dict(conn.execute(select(_O.c.id, _O.c.code)).all())
    ids = sorted(decision_ids)
    if ids:
        _decisions(conn, by_chain, ids, codes, problems, unchecked)
        _stages(conn, by_chain, ids, problems, unchecked)
        _opinions(conn, by_chain, ids, problems)
        _consultations(conn, by_chain, ids, problems, unchecked)
        _public_feedback(conn, by_chain, ids, problems, unchecked)
        _ledger_feedback(conn, by_chain, ids, problems)
        _voids(conn, by_chain, ids, problems, unchecked)
    if system:
        _users(conn, by_chain.get(0, []), codes, problems)
        _offices(conn, by_chain.get(0, []), codes, problems)
    return problems, unchecked


def _decisions(conn: Connection, by_chain: dict[int, list[dict[str, Any]]], ids: list[int], codes: dict[int, str],
               problems: list[str], unchecked: list[str]) -> None:
    dcodes = dict(conn.execute(select(_D.c.id, _D.c.code)).all())
    cos: dict[int, set[str]] = defaultdict(set)
    for did, office in conn.execute(select(_CO.c.decision_id, _CO.c.office_id).where(_CO.c.decision_id.in_(ids))):
        cos[did].add(codes.get(office, f"#{office}"))
    rows = conn.execute(select(_D.c.id, _D.c.code, _D.c.organ_id, _D.c.undertaker_id, _D.c.executing_unit_id,
                               _D.c.catalog_item_id, _D.c.parent_id, _D.c.profile_name, _D.c.profile_version)
                        .where(_D.c.id.in_(ids))).all()
    for d in rows:
        evs = by_chain.get(d.id, [])
        if not evs or evs[0]["action"] != "create":
            continue  # reported by the links check
        what = f"decision #{d.id} ({d.code})"
        create = evs[0]
        det = _detail(create)
        want: dict[str, tuple[dict[str, Any] | None, Any]] = {}
        for field, key in (("organ", "organ"), ("undertaker", "undertaker"), ("profile", "profile"),
                           ("profile_version", "profile_version")):
            if key in det:
                want[field] = (create, det[key])
        if "co_undertakers" in det:
            want["co_undertakers"] = (create, sorted(det["co_undertakers"] or []))
        if "catalog" in det:
            want["catalog_item"] = (create, det["catalog"])
        want["executing_unit"] = (None, None)
        want["parent"] = (None, None)
        for ev in evs[1:]:
            e = _detail(ev)
            if ev["action"] == "catalog_link" and "catalog_item" in e:
                want["catalog_item"] = (ev, e["catalog_item"])
            elif ev["action"] == "evidence" and e.get("kind") == "execution_assignment" \
                    and isinstance(e.get("meta"), dict) and "executing_unit" in e["meta"]:
                want["executing_unit"] = (ev, e["meta"]["executing_unit"])
            elif ev["action"] == "adjustment_of" and "parent" in e:
                want["parent"] = (ev, e["parent"])
        found = {"organ": codes.get(d.organ_id), "undertaker": codes.get(d.undertaker_id),
                 "profile": d.profile_name, "profile_version": d.profile_version,
                 "co_undertakers": sorted(cos.get(d.id, set())), "catalog_item": d.catalog_item_id,
                 "executing_unit": codes.get(d.executing_unit_id) if d.executing_unit_id is not None else None,
                 "parent": dcodes.get(d.parent_id) if d.parent_id is not None else None}
        for field, (ev, value) in want.items():
            if found[field] != value:
                problems.append(_differs(what, field, ev, value, found[field]))


def _stages(conn: Connection, by_chain: dict[int, list[dict[str, Any]]], ids: list[int], problems: list[str],
            unchecked: list[str]) -> None:
    rows: dict[int, dict[str, tuple[str, str]]] = defaultdict(dict)
    for did, stage, status, note in conn.execute(select(_SS.c.decision_id, _SS.c.stage, _SS.c.status, _SS.c.note)
                                                 .where(_SS.c.decision_id.in_(ids))):
        rows[did][stage] = (status, note or "")
    for did in ids:
        evs = by_chain.get(did, [])
        last: dict[str, Any] | None = None
        blind = False  # a transition after the last recorded stage rows that did not record them
        for ev in evs:
            if "stages" in _detail(ev):
                last, blind = ev, False
            elif _is_move(ev):
                blind = True
        if last is None or blind:
            if evs:
                unchecked.append(f"decision #{did}: stage rows (status, note) — its trail predates transitions "
                                 "recording them")
            continue
        want = {s: (st, note) for s, st, note in _detail(last)["stages"]}
        for stage in sorted(set(want) | set(rows.get(did, {}))):
            w, f = want.get(stage), rows.get(did, {}).get(stage)
            what = f"stage {stage} of decision #{did}"
            if w is None or f is None:
                problems.append(f"{what}: expected {'no row' if w is None else 'a row'} (audit event seq "
                                f"{last['seq']}), found {'none' if f is None else 'one'}")
                continue
            if w[0] != f[0]:
                problems.append(_differs(what, "status", last, w[0], f[0]))
            if w[1] != f[1]:
                problems.append(_differs(what, "note", last, w[1], f[1]))


def _opinions(conn: Connection, by_chain: dict[int, list[dict[str, Any]]], ids: list[int],
              problems: list[str]) -> None:
    want: dict[int, dict[str, tuple[dict[str, Any], Any]]] = defaultdict(dict)
    for did in ids:
        for ev in by_chain.get(did, []):
            det = _detail(ev)
            if ev["action"] == "opinion" and "opinion_id" in det:
                w = want[int(det["opinion_id"])]
                w["decision"] = (ev, did)
                for field, key in (("receipt", "receipt"), ("channel", "channel"), ("text sha256", "sha256"),
                                   ("text length", "chars"), ("consultation", "consultation_id")):
                    if key in det:
                        w[field] = (ev, det[key])
            elif ev["action"] == "opinion_disposition":
                for oid in det.get("opinions") or []:
                    w = want[int(oid)]
                    w["disposition"] = (ev, det.get("disposition"))
                    w["reason"] = (ev, det.get("reason", ""))
                    w["group"] = (ev, det.get("group", ""))
                    w["draft"] = (ev, det.get("draft_evidence_id"))
            elif ev["action"] == "opinion_hidden" and "opinion_id" in det:
                w = want[int(det["opinion_id"])]
                w["hidden"] = (ev, True)
                w["hidden_reason"] = (ev, det.get("reason", ""))
    rows = conn.execute(select(_OP.c.id, _OP.c.decision_id, _OP.c.receipt, _OP.c.channel, _OP.c.content,
                               _OP.c.consultation_id, _OP.c.disposition, _OP.c.reason, _OP.c.group_label,
                               _OP.c.draft_evidence_id, _OP.c.hidden, _OP.c.hidden_reason)
                        .where(_OP.c.decision_id.in_(ids))).all()
    seen = set()
    for o in rows:
        seen.add(o.id)
        what = f"opinion #{o.id} ({o.receipt}, decision {o.decision_id})"
        w = want.get(o.id)
        if w is None or "decision" not in w:
            problems.append(f"{what}: expected an 'opinion' audit event naming it, found none")
            continue
        found = {"decision": o.decision_id, "receipt": o.receipt, "channel": o.channel,
                 "text sha256": _sha(o.content), "text length": len(o.content or ""),
                 "consultation": o.consultation_id, "disposition": o.disposition or "", "reason": o.reason or "",
                 "group": o.group_label or "", "draft": o.draft_evidence_id, "hidden": bool(o.hidden),
                 "hidden_reason": o.hidden_reason or ""}
        defaults = {"disposition": "", "reason": "", "group": "", "draft": None, "hidden": False, "hidden_reason": ""}
        for field, value in found.items():
            ev, expected = w.get(field, (None, defaults.get(field, value)))
            if value != expected:
                problems.append(_differs(what, field, ev, expected, value))
    for oid, w in want.items():
        if oid not in seen and "decision" in w:
            ev = w["decision"][0]
            problems.append(f"audit chain {ev['chain']}: event seq {ev['seq']} names opinion #{oid} — expected the "
                            "row, found none")


def _consultations(conn: Connection, by_chain: dict[int, list[dict[str, Any]]], ids: list[int],
                   problems: list[str], unchecked: list[str]) -> None:
    opened: dict[int, dict[str, Any]] = {}
    for did in ids:
        for ev in by_chain.get(did, []):
            det = _detail(ev)
            if ev["action"] == "consultation_open" and "consultation_id" in det:
                opened[int(det["consultation_id"])] = {**det, "_ev": ev, "_chain": did}
    rows = conn.execute(select(_C).where(_C.c.decision_id.in_(ids))).all()
    for c in rows:
        what = f"consultation #{c.id} (decision {c.decision_id})"
        det = opened.get(c.id)
        if det is None:
            problems.append(f"{what}: expected a 'consultation_open' audit event naming it, found none")
            continue
        ev = det["_ev"]
        found = {"decision": c.decision_id, "start": c.start, "end": c.end, "shortened_reason": c.shortened_reason,
                 "draft_evidence_id": c.draft_evidence_id, "notice_evidence_id": c.notice_evidence_id,
                 "contact_required": bool(c.contact_required), "title": c.title, "explanation": c.explanation}
        want = {"decision": det["_chain"], **{k: det[k] for k in found if k in det}}
        if "title" not in det:
            unchecked.append(f"{what}: title and explanation — opened before the trail recorded them")
        for field, value in want.items():
            if found[field] != value:
                problems.append(_differs(what, field, ev, value, found[field]))
    for cid, det in opened.items():
        if cid not in {c.id for c in rows}:
            problems.append(f"audit chain {det['_chain']}: event seq {det['_ev']['seq']} names consultation "
                            f"#{cid} — expected the row, found none")


def _public_feedback(conn: Connection, by_chain: dict[int, list[dict[str, Any]]], ids: list[int],
                     problems: list[str], unchecked: list[str]) -> None:
    recorded: dict[int, dict[str, Any]] = {}
    for did in ids:
        for ev in by_chain.get(did, []):
            det = _detail(ev)
            if ev["action"] == "feedback" and "feedback_id" in det:
                recorded[int(det["feedback_id"])] = {**det, "_ev": ev, "_chain": did}
    rows = conn.execute(select(_PF).where(_PF.c.decision_id.in_(ids))).all()
    for f in rows:
        what = f"public feedback #{f.id} (decision {f.decision_id})"
        det = recorded.get(f.id)
        if det is None:
            problems.append(f"{what}: expected a 'feedback' audit event naming it, found none")
            continue
        ev = det["_ev"]
        found = {"decision": f.decision_id, "channel": f.channel, "recorded_by": f.recorded_by,
                 "text sha256": _sha(f.content), "text length": len(f.content or ""), "received_at": f.received_at}
        want = {"decision": det["_chain"], "channel": det.get("channel"), "recorded_by": ev["actor"]}
        if "sha256" in det:
            want.update({"text sha256": det["sha256"], "text length": det.get("chars"),
                         "received_at": det.get("received_at")})
        else:
            unchecked.append(f"{what}: text and received time — recorded before the trail carried them")
        for field, value in want.items():
            if found[field] != value:
                problems.append(_differs(what, field, ev, value, found[field]))
    for fid, det in recorded.items():
        if fid not in {f.id for f in rows}:
            problems.append(f"audit chain {det['_chain']}: event seq {det['_ev']['seq']} names public feedback "
                            f"#{fid} — expected the row, found none")


def _users(conn: Connection, events: list[dict[str, Any]], codes: dict[int, str], problems: list[str]) -> None:
    added: dict[str, dict[str, Any]] = {}
    for ev in events:
        det = _detail(ev)
        if ev["action"] == "user_add" and "username" in det:
            added[det["username"]] = {**det, "_ev": ev}
    roles: dict[int, list[str]] = defaultdict(list)
    for uid, role in conn.execute(select(_UR.c.user_id, _UR.c.role).order_by(_UR.c.role)):
        roles[uid].append(role)
    users = conn.execute(select(_U.c.id, _U.c.username, _U.c.name, _U.c.office_id)).all()
    for u in users:
        what = f"user #{u.id} ({u.username})"
        det = added.get(u.username)
        if det is None:
            problems.append(f"{what}: expected a 'user_add' audit event naming it, found none")
            continue
        found = {"name": u.name, "office": codes.get(u.office_id), "roles": sorted(roles.get(u.id, []))}
        want = {"name": det.get("name"), "office": det.get("office"), "roles": sorted(det.get("roles") or [])}
        for field, value in want.items():
            if found[field] != value:
                problems.append(_differs(what, field, det["_ev"], value, found[field]))
    known = {u.id for u in users}
    for uid in sorted(set(roles) - known):
        problems.append(f"role rows of user #{uid}: {roles[uid]} — expected the user, found none")


def _ledger_feedback(conn: Connection, by_chain: dict[int, list[dict[str, Any]]], ids: list[int],
                     problems: list[str]) -> None:
    recorded: dict[int, dict[str, Any]] = {}
    for did in ids:
        for ev in by_chain.get(did, []):
            det = _detail(ev)
            if ev["action"] == "participation_feedback" and "feedback_id" in det:
                recorded[int(det["feedback_id"])] = {**det, "_ev": ev, "_chain": did}
    rows = conn.execute(select(_LF).where(_LF.c.decision_id.in_(ids))).all()
    for f in rows:
        what = f"participation feedback #{f.id} (decision {f.decision_id})"
        det = recorded.get(f.id)
        if det is None:
            problems.append(f"{what}: expected a 'participation_feedback' audit event naming it, found none")
            continue
        try:
            counts = json.loads(f.counts) if f.counts else {}
        except ValueError:
            counts = f.counts
        found = {"decision": f.decision_id, "sha256": f.sha256, "size": f.size, "published": bool(f.published),
                 "counts": counts}
        want = {"decision": det["_chain"], **{k: det[k] for k in ("sha256", "size", "published", "counts") if k in det}}
        for field, value in want.items():
            if found[field] != value:
                problems.append(_differs(what, field, det["_ev"], value, found[field]))


def _offices(conn: Connection, events: list[dict[str, Any]], codes: dict[int, str], problems: list[str]) -> None:
    added: dict[str, dict[str, Any]] = {}
    for ev in events:
        det = _detail(ev)
        if ev["action"] == "office_add" and "code" in det:
            added[det["code"]] = {**det, "_ev": ev}
    if not added:
        return  # a deployment whose offices came with the schema or an import, not through add_office
    for o in conn.execute(select(_O.c.id, _O.c.code, _O.c.name, _O.c.level, _O.c.parent_id, _O.c.profile)):
        what = f"office #{o.id} ({o.code})"
        det = added.get(o.code)
        if det is None:
            problems.append(f"{what}: expected an 'office_add' audit event naming it, found none")
            continue
        found = {"name": o.name, "level": o.level, "parent": codes.get(o.parent_id) if o.parent_id else None,
                 "profile": o.profile}
        for field in found:
            if field in det and (det[field] or None) != (found[field] or None):
                problems.append(_differs(what, field, det["_ev"], det[field], found[field]))


VOID = "evidence_void"  # decisions.procedure.voiding's action (a higher module's constant, spelt here)


def _voids(conn: Connection, by_chain: dict[int, list[dict[str, Any]]], ids: list[int], problems: list[str],
           unchecked: list[str]) -> None:
    """Each void row against the ``evidence_void`` event naming its evidence, and each such event against a row."""
    if not inspect(conn).has_table(_EVV.name):  # a deployment older than voiding (migration 0014): none to check
        return
    voided: dict[int, dict[str, Any]] = {}
    for did in ids:
        for ev in by_chain.get(did, []):
            det = _detail(ev)
            if ev["action"] == VOID and "evidence_id" in det:
                voided[int(det["evidence_id"])] = {**det, "_ev": ev, "_chain": did}
    rows = conn.execute(select(_EVV.c.id, _EVV.c.evidence_id, _EVV.c.decision_id, _EVV.c.reason, _EVV.c.at,
                               _U.c.username).join_from(_EVV, _U, _U.c.id == _EVV.c.user_id, isouter=True)
                        .where(_EVV.c.decision_id.in_(ids))).all()
    for v in rows:
        what = f"evidence_void #{v.id} (evidence #{v.evidence_id}, decision {v.decision_id})"
        det = voided.get(v.evidence_id)
        if det is None:
            problems.append(f"{what}: expected an '{VOID}' audit event naming evidence #{v.evidence_id}, found none "
                            "(a void not made through juece)")
            continue
        ev = det["_ev"]
        want = {"decision": det["_chain"], "reason": det.get("reason"), "voided by": ev["actor"]}
        found = {"decision": v.decision_id, "reason": v.reason, "voided by": v.username}
        if "at" in det:
            want["at"], found["at"] = det["at"], v.at
        else:
            unchecked.append(f"{what}: time — voided before the trail carried it")
        for field, value in want.items():
            if found[field] != value:
                problems.append(_differs(what, field, ev, value, found[field]))
    have = {v.evidence_id for v in rows}
    for eid, det in voided.items():
        if eid not in have:
            problems.append(f"audit chain {det['_chain']}: event seq {det['_ev']['seq']} voids evidence #{eid} "
                            f"({det.get('filename')}) — expected its evidence_void row, found none (the void "
                            "removed: the file counts again)")
