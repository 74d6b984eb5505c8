"""合法性审查 / Legality review (Art 25–28) for the reviewing office and legal advisers: the submission
package, adviser opinions, the three-part opinion (authority, procedure, content) with its conclusion,
and the working-day window as a countdown."""

from __future__ import annotations

import streamlit as st

from decisions.procedure import service
from decisions.workbench import views as workbench
from ui import common, forms, preview, return_form
from ui.common import escape, t

user = common.require_user(("legality_reviewer", "legal_adviser"))
common.show_flash()
st.title(t("legality_title"))

did = common.pick_stage_task(user["username"], "legality_review", "no_review_tasks", "legality_pick")
ok, pkg = common.call(workbench.legality_package, did, user["username"], lang=common.lang())
if not ok:
    st.stop()
page = pkg["decision"]
st.header(escape(page["title"]))
st.caption(f"{page['code']} · {escape(page['organ']['name'])} · "
           f"{t('labelled', label=t('undertaker'), value=escape(page['undertaker']['name']))}")

window = pkg["window"]
c1, c2, c3 = st.columns(3)
if window:
    c1.metric(t("workdays_left"), f"{window['workdays_left']} / {window['workdays_total']}")
    c2.metric(t("window_end"), common.when(window["due"]))
    c3.metric(t("article"), common.art(window["article"]))
    st.progress(1 - window["workdays_left"] / max(window["workdays_total"], 1))
else:
    st.warning(t("no_window"))


def evidence_table(items: list[dict]) -> None:
    if not items:
        st.caption(t("none"))
        return
    common.table([{t("kind"): e["kind_name"], t("filename"): e["filename"], t("uploader"): common.person(e.get("uploader_name"), e["uploader"]),
                   t("on_behalf_col"): forms.entry_text(e), t("time"): e["at"], "SHA-256": e["sha256"], t("detail"): common.meta_text(e["meta"])} for e in items],
                 hide_index=True, width="stretch")


st.subheader(t("package"))
evidence_table(pkg["package"])
with st.expander(t("procedure_record")):
    common.table([{t("stage"): p["stage"], t("state"): common.status_label(p["status"]), t("left"): p["left_at"],
                   t("note"): common.plain(p["note"])} for p in pkg["procedure"]], hide_index=True, width="stretch")
st.subheader(t("adviser_opinions"))
evidence_table(pkg["adviser_opinions"])
if pkg["opinions"]:
    st.subheader(t("opinion_form"))
    evidence_table(pkg["opinions"])
preview.evidence_viewer(did, pkg["package"] + pkg["adviser_opinions"] + pkg["opinions"], user["username"], "lr")
if page["blocked"]:
    st.warning(t("blocking_now") + "\n\n" + "\n".join(common.unmet_lines(page["blocked"])), icon=":material/block:")

kinds = {k["kind"] for k in page["actions"]["kinds"] if k["own"]}  # 代录 goes through the decision page
if "legality_opinion" in kinds:
    st.subheader(t("opinion_form"))
    parts = {}
    slots = {}
    with st.form(f"lo_form_{did}"):
        for key in ("authority", "procedure", "content"):
            parts[key] = st.text_area(t(f"opinion_{key}") + " *", key=f"lo_{did}_{key}")
            slots[key] = st.empty()
        conclusion = st.selectbox(t("conclusion") + " *", ["lawful", "lawful_with_amendments", "unlawful", "returned"],
                                  index=None, format_func=forms.enum_label, key=f"lo_{did}_conclusion",
                                  placeholder=common.choose_one())
        slots["conclusion"] = st.empty()
        uploaded = st.file_uploader(t("opinion_file") + common.upload_limit(), key=f"lo_{did}_file")
        file_slot = st.empty()
        save_opinion = st.form_submit_button(t("save_opinion"), type="primary")
    if save_opinion:
        errors = {k: t("opinion_empty") for k, v in parts.items() if not v.strip()}
        if conclusion is None:
            errors["conclusion"] = t("required")
        name, data, file_error = forms.check_file(uploaded, required=False)
        if file_error:
            file_slot.error(file_error)
        forms.show_errors(errors, slots)
        if not errors and not file_error:
            if not data:
                name = "合法性审查意见书.txt"
                data = "\n\n".join([f"合法性审查意见书 — {page['code']}",
                                    *(f"{t('opinion_' + k)}\n{v.strip()}" for k, v in parts.items()),
                                    f"{t('conclusion')}: {forms.enum_label(conclusion)}"]).encode("utf-8")
            ok, res = common.call(service.add_evidence, did, kind="legality_opinion", filename=name, data=data,
                                  meta={"conclusion": conclusion, **{k: v.strip() for k, v in parts.items()}},
                                  as_user=user["username"])
            if ok:
                common.flash(t("evidence_saved", sha=res["sha256"]))
                st.rerun()

if "legal_adviser_opinion" in kinds:
    st.subheader(t("adviser_form"))
    with st.form(f"la_form_{did}"):
        adviser = st.text_input(t("adviser_name"), value=user["name"], key=f"la_{did}_name")
        opinion = st.text_area(t("adviser_text") + " *", key=f"la_{did}_text")
        op_slot = st.empty()
        uploaded = st.file_uploader(t("opinion_file") + common.upload_limit(), key=f"la_{did}_file")
        file_slot = st.empty()
        save_adviser = st.form_submit_button(t("save_adviser"), type="primary")
    if save_adviser:
        name, data, file_error = forms.check_file(uploaded, required=False)
        if file_error:
            file_slot.error(file_error)
        if not opinion.strip():
            op_slot.error(t("opinion_empty"))
        elif not file_error:
            if not data:
                name, data = "法律意见书.txt", f"法律意见书 — {page['code']}\n\n{opinion.strip()}".encode()
            meta = {"adviser": adviser.strip()} if adviser.strip() else {}
            ok, res = common.call(service.add_evidence, did, kind="legal_adviser_opinion", filename=name, data=data,
                                  meta=meta, as_user=user["username"])
            if ok:
                common.flash(t("evidence_saved", sha=res["sha256"]))
                st.rerun()

if page["actions"]["can_advance"]:
    left, right = st.columns([1, 2])
    if left.button(t("advance"), key=f"lo_{did}_advance"):
        ok, res = common.call(service.advance, did, as_user=user["username"], where=right)
        if ok:
            common.flash(t("advanced", src=common.name(res["from"]), dst=common.name(res["to"])))
            st.rerun()

return_form.render(did, user["username"])  # 退回 with a reason (sending back, procedure.md §8)
