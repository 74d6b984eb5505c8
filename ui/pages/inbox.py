"""我的待办 / My work, as an OA system has it: 待办 (where this user acts next, with 督办/催办/批示 notices),
已办 (what this user did, newest first), 我发起的 (what this user started), and the notifications (each opens its
decision and can be marked read). Filters by stage, organ and overdue; sorting by due date or last change.

Only the open tab runs (``st.tabs(on_change="rerun")``: each tab is a list the server builds) and a list shows
``PAGE_SIZE`` rows at a time with 上一页 / 下一页, so a run renders one page of one list."""

from __future__ import annotations

import streamlit as st

from decisions.deadlines import service as inbox_service
from decisions.deadlines import views as deadline_views
from decisions.workbench import oa
from ui import common, links
from ui.common import escape, t

user = common.require_user()
common.show_flash()
st.title(t("inbox_title"))

PAGE_SIZE = 20
TABS_KEY = "inbox_tabs"

notes = deadline_views.inbox(user["username"], unread_only=True, limit=50)
chosen_tab = st.session_state.get(TABS_KEY)
if isinstance(chosen_tab, str) and chosen_tab.startswith(f"{t('tab_notes')} ("):
    st.session_state[TABS_KEY] = f"{t('tab_notes')} ({len(notes)})"  # the count changed (one marked read): stay
tab_todo, tab_done, tab_mine, tab_notes = st.tabs(
    [t("tab_todo"), t("tab_done"), t("tab_mine"), f"{t('tab_notes')} ({len(notes)})"], key=TABS_KEY, on_change="rerun")


def filters(tab: str, data_states: list[dict], data_organs: list[dict]) -> dict:
    """The filter row of one tab (its own widget keys)."""
    c1, c2, c3, c4 = st.columns([2, 2, 1, 2])
    # labels computed now (a format function runs again outside the script, where the language is unknown)
    names = {"": t("filter_all"), **{x["key"]: x["name"] for x in data_states}}
    state = c1.selectbox(t("filter_stage"), list(names), key=f"{tab}_stage", format_func=names.__getitem__)
    onames = {"": t("filter_all"), **{x["code"]: x["name"] for x in data_organs}}
    organ = c2.selectbox(t("filter_organ"), list(onames), key=f"{tab}_organ", format_func=onames.__getitem__)
    overdue = c3.checkbox(t("filter_overdue"), key=f"{tab}_overdue")
    sorts = {"due": t("sort_due"), "updated": t("sort_updated")}
    sort = c4.radio(t("sort_by"), list(sorts), horizontal=True, key=f"{tab}_sort",
                    index=1 if tab != "todo" else 0, format_func=sorts.__getitem__)
    return {"state": state or None, "organ": organ or None, "overdue_only": overdue, "sort": sort}


def rows_of(tab: str) -> dict:
    """The tab's rows with the filters as last chosen (session state), then the filter row with the choices the
    unfiltered rows offer (one read of the list per tab)."""
    ss = st.session_state
    chosen = {"state": ss.get(f"{tab}_stage") or None, "organ": ss.get(f"{tab}_organ") or None,
              "overdue_only": bool(ss.get(f"{tab}_overdue")),
              "sort": ss.get(f"{tab}_sort") or ("due" if tab == "todo" else "updated")}
    page = max(1, int(ss.get(f"{tab}_pg", 1)))
    data = oa.worklist(user["username"], tab=tab, lang=common.lang(), offset=(page - 1) * PAGE_SIZE,
                       limit=PAGE_SIZE, **chosen)
    pages = max(1, -(-data["total"] // PAGE_SIZE))
    if page > pages:  # the list shrank (a filter, a task done): its last page
        ss[f"{tab}_pg"] = page = pages
        data = oa.worklist(user["username"], tab=tab, lang=common.lang(), offset=(page - 1) * PAGE_SIZE,
                           limit=PAGE_SIZE, **chosen)
    data["page"], data["pages"] = page, pages
    filters(tab, data["states"], data["organs"])
    return data


def _step(key: str, by: int) -> None:
    st.session_state[key] = max(1, int(st.session_state.get(key, 1)) + by)


def pager(tab: str, data: dict) -> None:
    """上一页 / 第 n 页，共 m 页 / 下一页 under a list longer than one page."""
    if data["pages"] <= 1:
        return
    nav = st.columns([1, 2, 1])
    nav[0].button(t("prev_page"), key=f"{tab}_prev", on_click=_step, args=(f"{tab}_pg", -1),
                  disabled=data["page"] <= 1, icon=":material/chevron_left:")
    nav[1].caption(t("page_n", page=data["page"], pages=data["pages"]))
    nav[2].button(t("next_page"), key=f"{tab}_next", on_click=_step, args=(f"{tab}_pg", 1),
                  disabled=data["page"] >= data["pages"], icon=":material/chevron_right:")


def due_lines(row: dict, alert: bool) -> None:
    """The decision's due dates; an overdue one as an alert only where it is this user's to do."""
    for d in row.get("deadlines", []):
        line = (f"{t('labelled', label=t('due'), value=common.when(d['due']))} — {escape(common.plain(d['what']))} "
                f"[{escape(common.art(d['article']))}]")
        if d["overdue"] and alert:
            st.error(f"{t('overdue')} · {line}", icon=":material/alarm:")
        else:
            st.text(f"{t('overdue')} · {line}" if d["overdue"] else line)


def show(tab: str) -> None:
    data = rows_of(tab)
    if not data["rows"]:
        st.info(t("inbox_empty") if tab == "todo" else t("list_empty"))
        return
    st.caption(t("list_count", total=data["total"], overdue=data["overdue"])
               + (t("list_capped_todo" if tab == "todo" else "list_capped_done", n=data["candidates"])
                  if data["capped"] else ""))
    for row in data["rows"]:
        with st.container(border=True):
            head, side = st.columns([4, 1])
            with head:
                st.text(f"#{row['id']} {row['code']}")
                st.subheader(escape(row["title"]))
                parts = [row["state_name"], row["organ_name"]]
                if tab == "todo":
                    parts += [t("days_in_stage", days=row["days_in_stage"]), t(f"todo_{row['task']}")]
                    parts += [t(f"flag_{f}") for f in row["flags"]]
                else:
                    parts += [f"{t('acted')}：{row['acted_name']} {common.when(row['acted_at'])}",
                              f"{t('last_change')}：{common.when(row['updated_at'])}"]
                st.caption(escape(" · ".join(p for p in parts if p)))
                due_lines(row, alert=tab == "todo" and bool(row["roles"]))
                if tab == "todo" and row.get("yours"):
                    st.markdown(f"**{t('yours')}**\n\n" + "\n".join(common.unmet_lines(row["yours"])))
                others = [u for u in row.get("blocking", []) if u not in row.get("yours", [])]
                if others:
                    with st.expander(f"{t('blocking')} ({len(others)})"):
                        st.markdown("\n".join(common.unmet_lines(others)))
            with side:
                if st.button(t("open"), key=f"open_{tab}_{row['id']}",
                             type="primary" if tab == "todo" else "secondary"):
                    links.open_decision(row["id"])
    pager(tab, data)


def show_notes() -> None:
    """The unread notifications, each opening its decision or marked read."""
    if not notes:
        st.info(t("notes_empty"))
    for n in notes:
        with st.container(border=True):
            body, side = st.columns([4, 1])
            body.text(f"{common.when(n['created_at'])} · {common.plain(n['subject'])}"
                      + (f" [{common.art(n['article'])}]" if n["article"] else ""))
            body.text(common.plain(n["body"]))
            if n["decision_id"] and side.button(t("open"), key=f"note_open_{n['id']}"):
                common.call(inbox_service.mark_read, n["id"], user["username"])
                links.open_decision(n["decision_id"])
            if side.button(t("mark_read"), key=f"note_read_{n['id']}"):
                ok, _ = common.call(inbox_service.mark_read, n["id"], user["username"])
                if ok:
                    common.flash(t("marked_read"))
                    st.rerun()


for tab, container in (("todo", tab_todo), ("done", tab_done), ("mine", tab_mine)):
    if container.open is not False:  # the selected tab (None: state not tracked, every tab runs)
        with container:
            show(tab)
if tab_notes.open is not False:
    with tab_notes:
        show_notes()
