"""Shared helpers of the workbench pages: identity, language, error display, safe text.

Pages are thin: they call use cases of decisions.procedure.service / read models of decisions.procedure.workbench and
decisions.procedure.views, and show the refusals of decisions.errors. They never open a database session.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from decisions.errors import Blocked, JueceError
from ui import i18n

USER_KEY = "juece_user"
LANG_KEY = "lang"
DECISION_KEY = "decision_id"
PAGES = "pages"  # relative to ui/app.py

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


# ----------------------------------------------------------------- language
def lang() -> str:
    if LANG_KEY not in st.session_state:
        from decisions.storage.settings import get_settings

        st.session_state[LANG_KEY] = get_settings().lang
    return "en" if st.session_state[LANG_KEY] == "en" else "zh"


def t(key: str, **fmt: object) -> str:
    return i18n.text(key, lang(), **fmt)


# ----------------------------------------------------------------- identity
def _sso_username() -> str | None:
    """The local username of an OIDC login (st.login), when a deployment configured [auth]."""
    try:
        info = st.user
        if not getattr(info, "is_logged_in", False):
            return None
        for claim in ("preferred_username", "username", "email"):
            value = info.get(claim)
            if value:
                return str(value).split("@", 1)[0] if claim == "email" else str(value)
    except Exception:  # noqa: BLE001 - no auth configured, or an older Streamlit
        return None
    return None


def current_user() -> dict | None:
    """The signed-in user (name, office, roles fresh from the database), or None.

    Identity lives in st.session_state["juece_user"] (a username), set by the login page, by an
    OIDC login mapped to a local user, or injected by tests (AppTest.session_state)."""
    from decisions.errors import NotFound
    from decisions.workbench import views as workbench

    username = st.session_state.get(USER_KEY)
    if not username:
        sso = _sso_username()
        if sso:
            st.session_state[USER_KEY] = username = sso
    if not username:
        return None
    try:
        return workbench.whoami(str(username))
    except NotFound:
        st.session_state.pop(USER_KEY, None)
        return None


def require_user(roles: tuple[str, ...] | None = None) -> dict:
    user = current_user()
    if user is None:
        st.warning(t("login_required"))
        st.stop()
    if roles and not set(roles) & set(user["roles"]):
        st.warning(t("role_missing"))
        st.stop()
    return user


def has(user: dict | None, *roles: str) -> bool:
    return bool(user) and bool(set(roles) & set(user["roles"]))  # type: ignore[index]


# ----------------------------------------------------------------- navigation
def pages_for(user: dict | None) -> dict[str, list]:
    """The pages this user is offered (each page checks again, and the service layer refuses anyway)."""
    def page(name: str, key: str, icon: str, default: bool = False) -> Any:
        return st.Page(f"{PAGES}/{name}.py", title=t(key), icon=icon, url_path=name, default=default)

    if user is None:
        return {t("sec_public"): [page("login", "nav_login", ":material/login:", True),
                                  page("public", "nav_public", ":material/public:")]}
    work = [page("inbox", "nav_inbox", ":material/inbox:", True), page("decisions", "nav_list", ":material/list:"),
            page("decision", "nav_decision", ":material/description:")]
    if has(user, "decision_organ", "drafter"):
        work.insert(2, page("new", "nav_new", ":material/add_circle:"))
    if has(user, "legality_reviewer", "legal_adviser"):
        work.append(page("legality", "nav_legality", ":material/gavel:"))
    if has(user, "secretary", "head"):
        work.append(page("meeting", "nav_meeting", ":material/groups:"))
    overview = [page("catalog", "nav_catalog", ":material/menu_book:")]
    if has(user, "archivist", "auditor", "decision_organ", "admin"):
        overview.append(page("archive", "nav_archive", ":material/inventory_2:"))
    if has(user, "admin", "auditor", "decision_organ", "head", "secretary", "archivist"):
        overview.append(page("dashboard", "nav_dashboard", ":material/monitoring:"))
    overview.append(page("public", "nav_public", ":material/public:"))
    return {t("sec_work"): work, t("sec_overview"): overview}


def _switch_language() -> None:
    """Runs before the next script run, so the whole page (navigation titles too) uses the new language."""
    st.session_state[LANG_KEY] = "en" if st.session_state.get("lang_choice") == "English" else "zh"


def sidebar(user: dict | None) -> None:
    with st.sidebar:
        if "lang_choice" not in st.session_state:
            st.session_state["lang_choice"] = "English" if lang() == "en" else "中文"
        st.radio(i18n.text("lang_label"), ["中文", "English"], horizontal=True, key="lang_choice",
                 on_change=_switch_language)
        if user:
            st.caption(t("signed_in_as"))
            st.text(f"{user['name']}（{user['username']}）\n{user['office_name']}")
            from decisions.workbench import views as workbench

            st.caption(" · ".join(workbench.role_name(r, lang()) for r in user["roles"]))
            if st.button(t("logout"), key="logout"):
                for k in (USER_KEY, DECISION_KEY):
                    st.session_state.pop(k, None)
                try:
                    if getattr(st.user, "is_logged_in", False):
                        st.logout()
                except Exception:  # noqa: BLE001
                    pass
                st.rerun()


# ----------------------------------------------------------------- errors and text
def in_language(message: str) -> str:
    """The half of a "中文 / English" message in the active language (messages of the use cases carry both)."""
    zh, sep, en = str(message).partition(" / ")
    if not sep:
        return str(message)
    return en.strip() if lang() == "en" and en.strip() else zh.strip()


def file_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def show_error(exc: JueceError, where: Any = None) -> None:
    """A refusal: every unmet requirement with its article (Blocked), or the message."""
    target = where or st
    if isinstance(exc, Blocked):
        lines = []
        for u in exc.unmet:
            text_ = u.message_en if (lang() == "en" and u.message_en) else u.message
            lines.append(f"- [{escape(u.article)}] {escape(text_)}")
        target.error(t("blocked_title") + "\n\n" + "\n".join(lines), icon=":material/block:")
    else:
        target.error(f"{t('error_title')}：{escape(in_language(exc.message))}", icon=":material/error:")


def call(fn: Callable[..., Any], *args: Any, where: Any = None, **kwargs: Any) -> tuple[bool, Any]:
    """Run a use case; on a refusal show it and return (False, exc)."""
    try:
        return True, fn(*args, **kwargs)
    except JueceError as exc:
        show_error(exc, where)
        return False, exc


_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")


def escape(value: object) -> str:
    """User text inside markdown-rendered elements: every markdown character escaped (no HTML, no markdown
    links) and GFM autolink literals (http://, www., e-mail) broken by a zero-width space."""
    text_ = _AUTOLINK.sub(lambda m: m.group(1)[0] + "\u200b" + m.group(1)[1:], str(value))
    return _MD_SPECIAL.sub(r"\\\1", text_).replace("\n", " ")


def unmet_lines(items: list[dict]) -> list[str]:
    out = []
    for u in items:
        text_ = u.get("message_en") if lang() == "en" and u.get("message_en") else u["message"]
        out.append(f"- [{escape(u['article'])}] {escape(text_)}")
    return out


def pick_stage_task(username: str, state: str, empty: str, key: str) -> int:
    """The decision a stage's page works on: the user's decisions in `state`, with the one chosen on another
    page first even when it is beyond the first 50; stops the page with the `empty` message when none."""
    from decisions.workbench import views as workbench

    tasks = workbench.decisions(username, state=state, limit=50)["rows"]
    current = st.session_state.get(DECISION_KEY)
    if current and isinstance(current, int) and current not in [x["id"] for x in tasks]:
        tasks = workbench.decisions(username, state=state, query="", limit=1, offset=0, ids=[current])["rows"] + tasks
    if not tasks:
        st.info(t(empty))
        st.stop()
    chosen = pick_decision(tasks, key=key)
    assert chosen is not None  # a choice among tasks
    return chosen


def pick_decision(options: list[dict] | None = None, key: str = "pick") -> int | None:
    """The decision the page works on: a choice among `options` or an id/code, remembered across pages."""
    current = st.session_state.get(DECISION_KEY)
    if options:
        ids = [o["id"] for o in options]
        labels = {o["id"]: f"#{o['id']} {o['code']} {o['title']}" for o in options}
        index = ids.index(current) if current in ids else 0
        chosen = st.selectbox(t("choose_decision"), ids, index=index, format_func=lambda i: labels[i], key=key)
        st.session_state[DECISION_KEY] = chosen
        return chosen
    raw = st.text_input(t("decision_id"), value=str(current or ""), key=key)
    raw = raw.strip()
    if not raw:
        return None
    if raw.isdigit():
        st.session_state[DECISION_KEY] = int(raw)
        return int(raw)
    return raw  # a code; the read model resolves it


def flash(message: str) -> None:
    """A success message shown once on the next page run (after st.switch_page or st.rerun)."""
    st.session_state["flash"] = message


def show_flash() -> None:
    """Always one slot at the top of the page, so the layout below keeps its identity across reruns."""
    slot = st.empty()
    message = st.session_state.pop("flash", None)
    if message:
        slot.success(message, icon=":material/check_circle:")


def open_decision(did: int) -> None:
    st.session_state[DECISION_KEY] = did
    st.switch_page(f"{PAGES}/decision.py")


def status_label(status: str) -> str:
    return t(f"status_{status}") if f"status_{status}" in i18n.S else status


def today_iso() -> str:
    from decisions import clock

    return clock.today().isoformat()


def upload_limit() -> str:
    from decisions.storage.settings import get_settings

    mb = get_settings().max_file_bytes / (1024 * 1024)
    return f"（≤ {mb:g} MB）" if lang() == "zh" else f" (≤ {mb:g} MB)"
