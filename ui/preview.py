"""Read what you act on: an attached file opened in the page (PDF pages as images with a page selector, Word/WPS/ODF
converted to PDF on this machine, images directly, text as text; OFD for download) and its original for download.
The permission and fixity checks are the view's (decisions.procedure.views.evidence_preview)."""

from __future__ import annotations

import streamlit as st

from decisions.procedure import views
from ui import common
from ui.common import escape, t

TEXT_LIMIT = 20000


def _label(e: dict) -> str:
    return f"{e.get('kind_name') or ''} · {e['filename']}".strip(" ·")


def _step(key: str, delta: int, pages: int) -> None:
    st.session_state[key] = min(max(1, int(st.session_state.get(key, 1)) + delta), pages)


def evidence_viewer(did: int, items: list[dict], username: str, key: str) -> int | None:
    """A choice among `items` (evidence rows of a read model) and the chosen file shown below it; the file an
    address named (?file=) chosen first. Returns the file shown."""
    if not items:
        return None
    st.subheader(t("view_file"))
    ids = [e["id"] for e in items]
    labels = {e["id"]: _label(e) for e in items}
    pick = f"{key}_file_{did}"
    wanted = st.session_state.pop(common.FILE_KEY, None)
    if wanted in ids:
        st.session_state[pick] = wanted
    elif st.session_state.get(pick) not in ids:
        st.session_state[pick] = ids[-1]
    eid = st.selectbox(t("choose_file"), ids, format_func=lambda i: labels[i], key=pick)
    page_key = f"{key}_page_{did}_{eid}"
    ok, pv = common.call(views.evidence_preview, did, eid, as_user=username,
                         page=int(st.session_state.get(page_key, 1)))
    if not ok:
        return eid
    top = st.columns([3, 1])
    top[0].caption(t("file_checked", name=escape(pv["filename"]), size=common.file_size(pv["size"]),
                     sha=pv["sha256"][:16]))
    top[1].download_button(t("download_original"), data=pv["original"], file_name=pv["filename"],
                           mime=pv["content_type"] or "application/octet-stream", key=f"{key}_dl_{did}_{eid}",
                           icon=":material/download:")
    mode = pv["mode"]
    if mode in ("pdf", "office"):
        pages = pv["pages"]
        if mode == "office":
            st.caption(t("converted_note"))
        if pages > 1:
            st.session_state[page_key] = pv["page"]
            nav = st.columns([1, 2, 1])
            nav[0].button(t("prev_page"), key=f"{page_key}_prev", on_click=_step, args=(page_key, -1, pages),
                          disabled=pv["page"] <= 1, icon=":material/chevron_left:")
            nav[1].selectbox(t("page_select"), list(range(1, pages + 1)), key=page_key,
                             format_func=lambda n: t("page_n", page=n, pages=pages), label_visibility="collapsed")
            nav[2].button(t("next_page"), key=f"{page_key}_next", on_click=_step, args=(page_key, 1, pages),
                          disabled=pv["page"] >= pages, icon=":material/chevron_right:")
        else:
            st.caption(t("page_n", page=1, pages=1))
        st.image(pv["png"], width="stretch")
    elif mode == "image":
        st.image(pv["data"], width="stretch")
    elif mode == "text":
        text_ = pv["text"] or ""
        with st.container(height=480):
            st.text(text_[:TEXT_LIMIT])
        if len(text_) > TEXT_LIMIT:
            st.caption(t("text_truncated"))
    elif mode == "ofd":
        st.info(t("ofd_note"), icon=":material/info:")
    else:
        if pv["note"]:
            st.warning(t("preview_failed", reason=common.in_language(pv["note"])), icon=":material/warning:")
        else:
            st.info(t("no_preview"), icon=":material/info:")
    return eid
