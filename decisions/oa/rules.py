"""Who acts next (下一步由谁办理) on a decision: the one rule the inbox's 待办, the urging and the approval sheet
read. Pure functions over the profile and what the gates report; no database here.

The rule, per state:

* a main-line stage with unmet requirements: the roles that can meet them (the evidence kind's roles; the
  secretary for the meeting's requirements; the drafter for the determinations), else the stage's
  ``advance_roles``;
* ``collective_discussion``: the meeting secretary (the meeting record moves the decision, Art 30);
* ``expert_review`` with no expert assigned yet: the undertaking unit assigns them first (Art 20);
* ``execution``: the executing unit while a report is missing or overdue (Art 34), else the organ (it may
  close the execution or start an evaluation);
* ``deferred``, ``suspended``: the head and the organ (resume or terminate, Art 37);
* ``closed`` and not yet archived: the archivist (Art 33); archived, excluded, rejected, withdrawn: nobody.
"""

from __future__ import annotations

from collections.abc import Iterable

from workflow.profiles import Profile

FINISHED = ("excluded", "rejected", "withdrawn")
MEETING_PARTS = ("meeting", "meeting_type", "head", "members", "head_last", "quorum", "head_reason", "register_head")


def fixers(profile: Profile, requirement: str) -> list[str]:
    """The roles that can meet one unmet requirement ('stage.kind', 'stage.trigger.x', 'stage.meeting', ...)."""
    parts = requirement.split(".")
    if len(parts) < 2:
        return []
    stage, what = parts[0], parts[1]
    if what == "trigger":
        return ["drafter"]
    if what in MEETING_PARTS:
        return ["secretary"]
    if what == "state":
        return []
    if what in profile.kinds:
        return list(profile.kinds[what].roles)
    st = profile.stages.get(stage)
    return list(st.advance_roles) if st else []


def next_roles(profile: Profile, state: str, unmet: Iterable[str], *, overdue: bool = False,
               archived: bool = False, experts_assigned: bool = True) -> list[str]:
    """The roles that act next on a decision in `state` with these unmet requirements (their ``requirement``
    keys). `overdue`: a due date of the decision has passed (an execution report late); `archived`: filed."""
    if archived or state in FINISHED:
        return []
    if state == "closed":
        return ["archivist"]
    if state in ("deferred", "suspended"):
        return ["head", "decision_organ"]
    if state == "collective_discussion":
        return ["secretary"]
    st = profile.stages.get(state)
    if st is None:
        return []
    unmet = list(unmet)
    if state == "execution":
        return ["executor"] if (overdue or unmet) else ["decision_organ"]
    roles: list[str] = []
    for requirement in unmet:
        for role in fixers(profile, requirement):
            if role == "expert" and not experts_assigned:
                role = "drafter"
            if role not in roles:
                roles.append(role)
    return roles or list(st.advance_roles)


def task_label(state: str, roles: list[str], unmet: Iterable[str]) -> str:
    """What the next actor is to do, as a key the screens translate (``todo_*`` in ui/i18n.py)."""
    if state == "closed":
        return "archive"
    if state in ("deferred", "suspended"):
        return "resume"
    if state == "collective_discussion":
        return "meeting"
    if state == "execution":
        return "report" if "executor" in roles else "close"
    return "provide" if list(unmet) else "advance"
