"""归档 / Archive: generate a decision's dossier (decisions.archive, when installed) with a progress bar,
and download it."""

from __future__ import annotations

import inspect

import streamlit as st

from decisions.archive import filing
from decisions.archive import service as archive
from decisions.workbench import views as workbench
from ui import common
from ui.common import escape, t

user = common.require_user(("archivist", "auditor", "decision_organ", "admin"))
common.show_flash()
st.title(t("archive_title"))


rows = workbench.decisions(user["username"], state=["closed", "execution", "rejected", "withdrawn", "excluded"],
                          limit=100)["rows"]
if not rows:
    st.info(t("no_data"))
    st.stop()
did = common.pick_decision(rows, key="archive_pick")
chosen = next(r for r in rows if r["id"] == did)
st.text(f"{chosen['code']} · {common.name(chosen['state'])} · {chosen['title']}")
ok, choices = common.call(filing.filing_choices, did, user["username"])
if ok and choices["filed"]:
    st.success(t("filed_as", code=escape(choices["filed"])), icon=":material/inventory_2:")
elif ok and choices["may"]:
    st.subheader(t("file_title"))
    st.caption(t("file_caption", article=common.art(choices["article"])))
    people = {c["username"]: c["name"] for c in choices["checkers"]}
    checker = st.selectbox(t("file_checker") + " *", list(people), index=None, key=f"file_checker_{did}",
                           format_func=lambda u: f"{people[u]}（{u}）", placeholder=common.choose_one())
    sure = common.confirmed(f"file_sure_{did}")
    slot = st.empty()
    if st.button(t("file_button"), type="primary", key=f"file_{did}"):
        if checker is None:
            slot.error(t("required"))
        elif not sure:
            slot.error(t("confirm_first"), icon=":material/warning:")
        else:
            ok, res = common.call(archive.file_decision, did, as_user=user["username"], checker=checker, where=slot)
            if ok:
                common.flash(t("file_done", code=escape(res["code"]), filer=escape(user["name"]),
                                   checker=escape(people[checker])))
                st.rerun()

generate = archive.generate_dossier
if generate is None:
    st.info(t("dossier_missing"))
    st.stop()

if st.button(t("generate"), type="primary", key=f"dossier_{did}"):
    bar = st.progress(0.0, text=t("generating"))
    kwargs = {"as_user": user["username"]}
    if "progress" in inspect.signature(generate).parameters:
        kwargs["progress"] = lambda done, total=1.0, *_: bar.progress(min(float(done) / float(total or 1), 1.0),
                                                                       text=t("generating"))
    ok, res = common.call(generate, did, **kwargs)
    bar.progress(1.0)
    if ok:
        st.session_state[f"dossier_{did}_result"] = res
result = st.session_state.get(f"dossier_{did}_result")
if result:
    st.success(t("dossier_done", name=escape(result["filename"]), pages=result.get("pages", "?"),
                 sha=result.get("sha256", "")))
    st.download_button(t("download"), data=result["data"], file_name=result["filename"], mime="application/pdf",
                       key=f"dossier_{did}_download", type="primary")
