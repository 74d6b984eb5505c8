"""Which point of the record a dossier file describes, and what happened to the record since.

A dossier is the record *up to one audit event* (its anchor). Online verify (`service.verify_dossier`) must tell
an authentic dossier whose record has since moved on — **superseded**: new events after the anchor, the
dossier's own content as the record was then — from an **altered** one (exit 6, naming what differs).

- A manifest of layout 4 or later names its anchor: ``chain = {"seq", "sha256"}``, the last event of the
  record it rendered and that event's chain value (which covers every earlier event). The record must still
  carry that value at that seq.
- An earlier manifest (layouts 1–3, made before the anchor existed and before the record format changed) is
  anchored by the ``dossier`` audit event that recorded the file's SHA-256 when it was made: the record it
  rendered is every event before that one. Its ``record_sha256`` digests a record format this version no
  longer builds, so it is not compared; the file is authenticated by the audit trail instead.

Pure functions over the manifest and the decision's audit events (``{"seq", "action", "detail", "hash",
"at"}``), so they are tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pdf import dossier


@dataclass
class Anchor:
    """The seq of the last event the dossier rendered (None: unknown), how it was found, what contradicts it."""

    seq: int | None
    how: str  # "manifest" | "recorded" | "unknown"
    problems: list[str] = field(default_factory=list)


def layout_of(manifest: dict) -> str:
    """The generated part's layout the manifest records ("1" before layouts were recorded)."""
    return str((manifest.get("renderer") or {}).get("layout") or "1")


def earlier_version(manifest: dict) -> bool:
    """Made by an earlier version of juece (another layout, another record format)?"""
    return layout_of(manifest) != dossier.LAYOUT


def recorded_for(events: list[dict], sha: str) -> list[dict]:
    """The ``dossier`` events that recorded a file with this SHA-256 (when it was made)."""
    return [e for e in events if e["action"] == "dossier" and (e.get("detail") or {}).get("sha256") == sha]


def anchor(manifest: dict, events: list[dict], sha: str) -> Anchor:
    """The dossier's anchor: from the manifest (layout 4+), else from the event that recorded the file."""
    by_seq = {e["seq"]: e for e in events}
    chain = manifest.get("chain")
    if isinstance(chain, dict) and isinstance(chain.get("seq"), int):
        seq = chain["seq"]
        ev = by_seq.get(seq)
        if ev is None:
            return Anchor(seq, "manifest", [f"审计记录中没有案卷所依据的第 {seq} 条事件 / the audit trail has no event "
                                            f"seq {seq}, the last one the dossier rendered"])
        if ev["hash"] != chain.get("sha256"):
            return Anchor(seq, "manifest", [f"第 {seq} 条审计事件的链值与案卷记载的不同：案卷生成之前的记录或案卷清单被改动 / "
                                            f"the chain value of event seq {seq} differs from the dossier's "
                                            f"({str(chain.get('sha256'))[:16]}… vs {ev['hash'][:16]}…)"])
        return Anchor(seq, "manifest")
    made = recorded_for(events, sha)
    if made:
        before = [e["seq"] for e in events if e["action"] != "dossier" and e["seq"] < made[0]["seq"]]
        return Anchor(max(before) if before else None, "recorded")
    return Anchor(None, "unknown")


def as_of_problems(manifest: dict, events: list[dict], seq: int | None, created_at: str) -> list[str]:
    """The manifest's "as of" against the record up to the anchor (layout 4+): the latest time of the events it
    rendered (`pdf.dossier.as_of`). An earlier layout computed it otherwise: not compared."""
    if seq is None or earlier_version(manifest) or not manifest.get("chain"):
        return []
    want = dossier.latest([created_at, *(e["at"] for e in events if e["action"] != "dossier" and e["seq"] <= seq)])
    got = (manifest.get("decision") or {}).get("as_of")
    if got and want and dossier.instant(got) != dossier.instant(want):
        return [f"案卷记载的记录截至时间（{got}）与记录到第 {seq} 条事件为止的（{want}）不同 / the dossier's as-of time "
                f"differs from the record's up to event seq {seq}"]
    return []


def later_events(events: list[dict], seq: int | None) -> list[dict]:
    """The record's events after the anchor (``dossier`` events excluded: they do not change the record)."""
    if seq is None:
        return []
    return [e for e in events if e["action"] != "dossier" and e["seq"] > seq]


def evidence_added_after(events: list[dict], seq: int | None) -> set[int]:
    """Evidence ids whose ``evidence`` event comes after the anchor: material the later record has, not the
    dossier — a sign of a superseded dossier, not of an altered one."""
    if seq is None:
        return set()
    out = set()
    for e in events:
        eid = (e.get("detail") or {}).get("evidence_id")
        if e["seq"] > seq and e["action"] == "evidence" and eid is not None:
            try:
                out.add(int(eid))
            except (TypeError, ValueError):
                continue
    return out


def summary(events: list[dict], seq: int | None) -> dict:
    """The superseded dossier's status for ``--json``: its anchor and the later record's last event."""
    later = later_events(events, seq)
    last = later[-1] if later else None
    return {"status": "superseded", "dossier_seq": seq, "record_seq": last["seq"] if last else seq,
            "later_events": len(later), "record_at": last["at"] if last else None}
