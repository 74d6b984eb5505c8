"""The `transitions` state machine, built from a profile's stage order.

One Machine per profile (auto_transitions off: nobody may jump to a state); each request fires the
trigger's event on a small adapter around the decision row (a SQLModel row cannot be bound directly,
stack-notes §1). Guards only admit the destination the gates have planned, so the
machine itself refuses any move the service layer has not cleared.
"""

from __future__ import annotations

from typing import Any

from transitions import Machine, MachineError

from workflow.profiles import SIDE_STATES, Profile

# Structural side transitions of procedure.md §2 (Art 3¶2, 30, 37): trigger -> (sources, dest).
# "pre_decision" expands to every main stage up to and including collective discussion.
SIDE_TRANSITIONS: dict[str, list[tuple[str | list[str], str]]] = {
    "exclude": [(["proposed"], "excluded")],
    "withdraw": [("pre_decision", "withdrawn"), (["deferred"], "withdrawn")],
    "reject": [(["collective_discussion"], "rejected")],
    "revise": [(["collective_discussion"], "drafting")],
    "defer": [(["collective_discussion"], "deferred")],
    "resume": [(["deferred"], "collective_discussion"), (["suspended"], "execution")],
    "suspend": [(["execution"], "suspended")],
    "terminate": [(["suspended"], "closed")],
}


class DecisionFlow:
    """Adapter bound to the machine: proxies ``state`` to the row; the guard admits only `planned`."""

    def __init__(self, row: Any, planned: str | None = None):
        self.row = row
        self.planned = planned

    @property
    def state(self) -> str:
        return self.row.state

    @state.setter
    def state(self, value: str) -> None:
        self.row.state = value

    def is_planned(self, event: Any) -> bool:
        return event.transition.dest == self.planned


_MACHINES: dict[tuple[str, str], Machine] = {}


def build(profile: Profile) -> Machine:
    key = (profile.name, profile.version)
    if key not in _MACHINES:
        _MACHINES[key] = _build(profile)
    return _MACHINES[key]


def _build(profile: Profile) -> Machine:
    order = profile.stage_order
    pre_decision = order[: order.index("collective_discussion") + 1]
    transitions: list[dict[str, Any]] = []
    for i, src in enumerate(order):
        for dest in [*order[i + 1:], "closed"]:
            transitions.append({"trigger": "advance", "source": src, "dest": dest, "conditions": "is_planned"})
    for trigger, moves in SIDE_TRANSITIONS.items():
        for sources, dest in moves:
            srcs = pre_decision if sources == "pre_decision" else sources
            transitions.append({"trigger": trigger, "source": list(srcs), "dest": dest, "conditions": "is_planned"})
    for i, src in enumerate(pre_decision):  # sending back (退回, procedure.md §8): to any earlier main stage
        for dest in order[:i]:
            transitions.append({"trigger": "send_back", "source": src, "dest": dest, "conditions": "is_planned"})
    transitions.append({"trigger": "rediscuss", "source": "collective_discussion", "dest": None})
    return Machine(model=None, states=[*order, *SIDE_STATES], transitions=transitions, initial=order[0],
                   model_attribute="state", auto_transitions=False, send_event=True)


def fire(profile: Profile, row: Any, trigger: str, dest: str | None) -> None:
    """Move `row` by `trigger` to `dest`; raises MachineError if the machine does not allow it."""
    machine = build(profile)
    event = machine.events.get(trigger)
    if event is None:
        raise MachineError(f"unknown trigger {trigger}")
    # the event runs on the adapter without binding it (add_model would attach an is_<state> method per
    # state and a method per trigger to it, only to have remove_model take them off again): the state is
    # read from and written to the adapter's `state`, the guard is looked up on it by name
    if not event.trigger(DecisionFlow(row, planned=dest)):
        raise MachineError(f"transition {trigger} from {row.state} to {dest} refused by the machine")


def allowed_triggers(profile: Profile, state: str) -> list[str]:
    return build(profile).get_triggers(state)
