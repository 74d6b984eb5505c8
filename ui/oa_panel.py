"""The decision page's 流转记录 tab: who acts next, the head's 批示, 催办 and 批示 forms for those who may, the
routing record as a readable table (raw events only for auditors), and the printable 呈批件."""

from __future__ import annotations

import json

import streamlit as st

from decisions.oa import service as oa_service
from decisions.workbench import oa
from ui import common
from ui.common import t


def render(did: int, user: dict) -> None:
    """Everything of the tab for decision `did` as `user` sees it (the services check every action again)."""
    ok, acts = common.call(oa.oa_actions, did, user["username"], lang=common.lang())
    if not ok:
        return
    if acts["next_roles"]:
        st.info(t("next_actors", roles="、".join(acts["next_roles"]), users="、".join(acts["next_users"]) or "—"),
                icon=":material/assignment_ind:")
    else:
        st.caption(t("next_nobody"))
    ok, flow = common.call(oa.flow_record, did, user["username"], lang=common.lang())
    if not ok:
        return
    if flow["instructions"]:
        st.subheader(t("instructions"))
        for x in flow["instructions"]:
            st.text(f"{common.when(x['at'])} {x['who']}（{x['role']}，{x['office']}）：{x['comment']}")
    _forms(did, acts, user)
    st.subheader(t("flow"))
    common.table([{t("flow_time"): common.when(x["at"]), t("flow_who"): x["who"], t("flow_role"): x["role"],
                   t("flow_office"): x["office"], t("flow_action"): x["action_name"],
                   t("flow_comment"): common.plain(x["comment"]) if x["action"] not in ("urge", "instruction")
                   else x["comment"]} for x in reversed(flow["rows"])],
                 hide_index=True, width="stretch")
    if flow["raw"] is not None:
        with st.expander(t("flow_raw")):
            st.code("\n".join(json.dumps(e, ensure_ascii=False) for e in flow["raw"]), language=None)
    _sheet(did, user)


def _forms(did: int, acts: dict, user: dict) -> None:
    if acts["can_instruct"]:
        with st.form(f"instruct_{did}", clear_on_submit=True):
            text = st.text_area(t("instruct_text") + " *", key=f"instruct_text_{did}")
            slot = st.empty()
            if st.form_submit_button(t("instruct_button"), type="primary"):
                if not text.strip():
                    slot.error(t("required"))
                else:
                    ok, _ = common.call(oa_service.instruct, did, text=text, as_user=user["username"], where=slot)
                    if ok:
                        common.flash(t("instructed"))
                        st.rerun()
    if acts["can_urge"]:
        with st.form(f"urge_{did}", clear_on_submit=True):
            message = st.text_input(t("urge_text") + " *", key=f"urge_text_{did}")
            slot = st.empty()
            if st.form_submit_button(t("urge_button")):
                if not message.strip():
                    slot.error(t("required"))
                else:
                    ok, res = common.call(oa_service.urge, did, message=message, as_user=user["username"], where=slot)
                    if ok:
                        common.flash(t("urged", users=common.escape("、".join(res.get("to_names") or res["to"]))))
                        st.rerun()


def _sheet(did: int, user: dict) -> None:
    st.caption(t("sheet_caption"))
    key = f"sheet_{did}"
    if st.button(t("sheet_make"), key=f"sheet_make_{did}"):
        ok, out = common.call(oa.approval_sheet, did, user["username"])
        if ok:
            st.session_state[key] = (out["filename"], out["pdf"])
    made = st.session_state.get(key)
    if made:
        st.download_button(t("sheet_download"), made[1], file_name=made[0], mime="application/pdf",
                           key=f"sheet_dl_{did}")
