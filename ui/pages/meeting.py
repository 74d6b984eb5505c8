"""集体讨论 / The collective discussion (Art 29, 30) for the meeting secretary: quorum, positions in
speaking order with the head last, the majority computed live, the head's reason when the decision
differs, and the Art 29 package checklist."""

from __future__ import annotations

from datetime import date

import streamlit as st

from decisions.procedure.meeting import MeetingInput, record_meeting
from decisions.workbench import views as workbench
from ui import common, forms, i18n
from ui.common import escape, t

user = common.require_user(("secretary", "head"))
common.show_flash()
st.title(t("meeting_title"))

did = common.pick_stage_task(user["username"], "collective_discussion", "no_meeting_tasks", "meeting_pick")

POS = ["approve", "reject", "abstain"]
c1, c2 = st.columns(2)
meeting_day = c2.date_input(t("meeting_date"), value=date.fromisoformat(common.today_iso()), format="YYYY-MM-DD",
                            min_value=date(2000, 1, 1), key=f"mt_{did}_date")
ok, ctx = common.call(workbench.meeting_context, did, user["username"],
                      meeting_date=meeting_day.isoformat() if meeting_day else None, lang=common.lang())
if not ok:
    st.stop()
st.header(escape(ctx["title"]))
st.caption(f"{ctx['code']} · {escape(ctx['organ_name'])}")
mtype = c1.selectbox(t("meeting_type"), ctx["meeting_types"], key=f"mt_{did}_type",
                     format_func=lambda m: t(f"mtype_{m}") if f"mtype_{m}" in i18n.S else m)

st.subheader(t("checklist"))
for c in ctx["checklist"]:
    mark = ":material/check_circle:" if c["met"] else (":material/schedule:" if c["met"] is None
                                                       else ":material/cancel:")
    st.markdown(f"{mark} {escape(common.plain(c['item']))} \\[{escape(common.art(c['article']))}\\]")
    for m in c["messages"]:
        st.caption(escape(common.plain(m)))
if not ctx["package_complete"]:
    st.warning(t("package_incomplete"))

if not ctx["can_record"]:
    st.info(t("not_secretary"))
    st.stop()

names = {m["username"]: f"{m['name']} ({m['username']})" for m in ctx["members"]}
heads = ctx["heads"] or list(names)
head = st.selectbox(t("head"), heads, format_func=lambda u: names.get(u, u), key=f"mt_{did}_head")
others = [u for u in names if u != head]
total = st.number_input(t("members_total"), min_value=1, value=max(len(ctx["members"]), 1), step=1,
                        key=f"mt_{did}_total")
total_slot = st.empty()
present = st.multiselect(t("present"), others, format_func=lambda u: names.get(u, u), key=f"mt_{did}_present",
                         placeholder=common.choose_many())
present_slot = st.empty()
positions: list[tuple[str, str]] = []
for u in present:
    pos = st.radio(escape(names.get(u, u)), POS, horizontal=True, format_func=lambda p: t(f"pos_{p}"), key=f"mt_{did}_p_{u}")
    positions.append((u, pos))
head_pos = st.radio(f"{t('head')}: {escape(names.get(head, head))}", POS, horizontal=True,
                    format_func=lambda p: t(f"pos_{p}"), key=f"mt_{did}_p_head")
positions.append((head, head_pos))

n_present = len(positions)
maj = workbench.majority([p for u, p in positions if u != head])
q1, q2 = st.columns(2)
q1.metric(t("quorum", present=n_present, total=int(total)),
          t("quorum_ok") if n_present * 2 > total else t("quorum_no"))
q2.metric(t("majority"), t(f"pos_{maj}") if maj else t("no_majority"))

OUTCOMES = ["approve", "reject", "revise", "defer", "rediscuss"]
default_outcome = OUTCOMES.index(head_pos) if head_pos in ("approve", "reject") else 2
outcome = st.selectbox(t("outcome"), OUTCOMES, index=default_outcome, format_func=lambda o: t(f"out_{o}"),
                       key=f"mt_{did}_outcome")
differs = maj in ("approve", "reject") and (outcome if outcome in ("approve", "reject") else "other") != maj
rerun: list[str] = []
if outcome == "revise" and ctx.get("rerun_choices"):
    rerun = st.multiselect(t("rerun_stages"), ctx["rerun_choices"], format_func=common.name, key=f"mt_{did}_rerun",
                           placeholder=common.choose_many())
reason = st.text_area(t("head_reason") + (" *" if differs else ""), key=f"mt_{did}_reason")
reason_slot = st.empty()
if differs and not reason.strip():
    reason_slot.warning(t("head_reason_needed"))
minutes = st.file_uploader(t("minutes") + " *" + common.upload_limit(), key=f"mt_{did}_minutes")
minutes_slot = st.empty()
sure = common.confirmed(f"mt_{did}_sure")  # the outcome is applied at once and cannot be undone

if st.button(t("record_meeting"), type="primary", key=f"mt_{did}_save"):
    errors = False
    if not sure:
        minutes_slot.error(t("confirm_first"), icon=":material/warning:")
        errors = True
    if not present:
        present_slot.error(t("present_error"))
        errors = True
    if n_present > total:
        total_slot.error(t("too_many_present"))
        errors = True
    elif n_present * 2 <= total:
        present_slot.error(t("quorum_error"))
        errors = True
    if differs and not reason.strip():
        reason_slot.error(t("head_reason_needed"))
        errors = True
    name, data, file_error = forms.check_file(minutes)
    if file_error:
        minutes_slot.error(file_error)
        errors = True
    if not errors:
        m = MeetingInput(type=mtype, date=meeting_day.isoformat(), minutes_filename=name, minutes=data,
                         members=int(total), positions=positions, head=head, outcome=outcome, reason=reason.strip(),
                         rerun=tuple(rerun))
        ok, res = common.call(record_meeting, did, m, as_user=user["username"])
        if ok:
            common.flash(t("meeting_recorded", state=common.name(res["state"])))
            common.open_decision(did)
