"""退回 / Sending a decision back with a reason (procedure.md §8, `juece return`): the form the legality page
and the decision page show to a user who may send the decision back from its present stage. The earlier stages
are offered by name; the reason is required; nothing is sent before the user ticks the confirmation. The use
case (decisions.procedure.sending_back.return_decision) checks everything again."""

from __future__ import annotations

import streamlit as st

from decisions.procedure import sending_back
from ui import common
from ui.common import t


def render(did: int, username: str) -> None:
    """The 退回 form for decision `did`, or nothing when `username` may not send it back now."""
    ok, options = common.call(sending_back.return_targets, did, username, lang=common.lang())
    if not ok or not options["may"]:
        return
    targets = {x["key"]: x["name"] for x in options["targets"]}
    st.subheader(t("return_title"))
    st.caption(t("return_article", article=common.art(options["article"])))
    with st.form(f"return_form_{did}"):
        to = st.selectbox(t("return_to") + " *", list(targets), index=None, format_func=lambda k: targets[k],
                          key=f"return_to_{did}", placeholder=common.choose_one())
        reason = st.text_area(t("return_reason") + " *", key=f"return_reason_{did}")
        sure = st.checkbox(t("return_confirm"), key=f"return_sure_{did}")
        slot = st.empty()
        send = st.form_submit_button(t("return_send"))
    if not send:
        return
    if to is None or not reason.strip():
        slot.error(t("required"))
    elif not sure:
        slot.error(t("return_need_confirm"))
    else:
        ok, res = common.call(sending_back.return_decision, did, to=to, reason=reason, as_user=username, where=slot)
        if ok:
            common.flash(t("return_done", stage=targets.get(res["to"], res["to"]), round=res["round"]))
            # the decision has left this stage: a stage page (legality review) would show the next one of its
            # list; the decision page keeps the one just sent back in front of the user, with the confirmation
            common.open_decision(did)
