"""Shared helpers of the workbench pages: identity, language, error display, safe text.

Pages are thin: they call use cases of decisions.procedure.service / read models of decisions.workbench.views and
decisions.procedure.views, and show the refusals of decisions.errors. They never open a database session.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import streamlit as st

from decisions.accounts import sessions
from decisions.errors import Blocked, JueceError
from ui import cookies, i18n

USER_KEY = "juece_user"
SESSION_KEY = "juece_session_id"       # the server-side sign-in row (decisions.accounts.sessions)
HANDOFF_KEY = "juece_session_handoff"  # its one-time code, until the browser has traded it for the cookie
CLEAR_COOKIE_KEY = "juece_clear_cookie"
LANG_KEY = "lang"
DECISION_KEY = "decision_id"
PAGES = "pages"  # relative to ui/app.py

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


# ----------------------------------------------------------------- language
def lang() -> str:
    """The active language; one read of session state (pages ask it for every cell and line they show)."""
    chosen = st.session_state.get(LANG_KEY)
    if chosen is None:
        from decisions.storage.settings import get_settings

        st.session_state[LANG_KEY] = chosen = get_settings().lang
    return "en" if chosen == "en" else "zh"


def person(name: str | None, account: str | None) -> str:
    """A person as the OA lists show one: 姓名（账号）, the account alone when no name is known."""
    if name and account and name != account:
        return f"{name}（{account}）" if lang() == "zh" else f"{name} ({account})"
    return name or account or ""


def t(key: str, **fmt: object) -> str:
    return i18n.text(key, lang(), **fmt)


def choose_one() -> str:
    """The placeholder of a select box with nothing chosen yet: Streamlit's own is English ("Choose an option")."""
    return t("choose_one")


def choose_many() -> str:
    """The placeholder of an empty multiselect (Streamlit's own: "Choose options")."""
    return t("choose_many")


# ----------------------------------------------------------------- identity
SSO_REFUSAL_KEY = "juece_sso_refused"


def _sso_claims() -> dict | None:
    """The ID token claims of an OIDC login (st.login), when a deployment configured [auth]."""
    try:
        info = st.user
        if not getattr(info, "is_logged_in", False):
            return None
        return dict(info.to_dict()) if hasattr(info, "to_dict") else dict(info)
    except Exception:  # noqa: BLE001 - no auth configured, or an older Streamlit
        return None


def _sso_username() -> str | None:
    """The local user of an OIDC login, bound by issuer + subject (decisions.accounts.service.sso_username);
    a refusal is kept for the login page (one line) and signs nobody in."""
    from decisions.accounts import service as directory

    claims = _sso_claims()
    if claims is None:
        return None
    try:
        username = directory.sso_username(claims)
    except JueceError as exc:
        st.session_state[SSO_REFUSAL_KEY] = exc.message
        return None
    st.session_state.pop(SSO_REFUSAL_KEY, None)
    return username


def _peer() -> str | None:
    """The TCP peer of this browser's connection (st.context.ip_address hides a loopback peer: a local proxy)."""
    try:
        from streamlit.runtime.context import _get_client_context

        ctx = _get_client_context()
        if ctx is not None and ctx.remote_ip:
            return str(ctx.remote_ip)
    except Exception:  # noqa: BLE001 - another Streamlit version
        pass
    try:
        return st.context.ip_address
    except Exception:  # noqa: BLE001 - no request context
        return None


def client_address() -> str | None:
    """The visitor's address: the peer, or through X-Forwarded-For only from a trusted proxy
    (JUECE_TRUSTED_PROXIES; decisions.participation.public.client_address). None when unknown."""
    from decisions.participation import public

    try:
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # noqa: BLE001
        forwarded = None
    return public.client_address(_peer(), forwarded)


def current_user() -> dict | None:
    """The signed-in user (name, office, roles fresh from the database), or None.

    Identity lives in st.session_state["juece_user"] (a username), set by the login page, by an
    OIDC login mapped to a local user, or injected by tests (AppTest.session_state)."""
    from decisions.errors import NotFound
    from decisions.workbench import views as workbench

    username = st.session_state.get(USER_KEY)
    sid = st.session_state.get(SESSION_KEY)
    if username and sid and not sessions.session_alive(int(sid)):  # signed out elsewhere, new password, idle
        sign_out_locally()
        username = None
    if not username:
        resumed = sessions.resume_session(cookies.read(sessions.COOKIE))  # a refresh (F5) of a signed-in page
        if resumed:
            username = resumed["username"]
            st.session_state[USER_KEY], st.session_state[SESSION_KEY] = username, resumed["id"]
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


def sign_in(username: str) -> None:
    """After the login form: a server-side sign-in row whose cookie the browser fetches on the next run."""
    opened = sessions.open_session(username)
    st.session_state[USER_KEY] = username
    st.session_state[SESSION_KEY], st.session_state[HANDOFF_KEY] = opened["id"], opened["handoff"]
    st.session_state.pop(CLEAR_COOKIE_KEY, None)


def sign_out_locally() -> None:
    """Forget the signed-in user in this browser tab (the server-side row is revoked by the caller)."""
    for k in (USER_KEY, DECISION_KEY, SESSION_KEY, HANDOFF_KEY, FILE_KEY):
        st.session_state.pop(k, None)
    st.session_state[CLEAR_COOKIE_KEY] = True


def session_cookie() -> None:
    """Every run (ui/app.py): hand the browser its sign-in cookie until it has it; after a sign-out, clear it."""
    sid, code = st.session_state.get(SESSION_KEY), st.session_state.get(HANDOFF_KEY)
    if sid and code:
        if sessions.is_claimed(int(sid)):
            st.session_state.pop(HANDOFF_KEY, None)
        else:
            with st.sidebar:
                cookies.hand_off(str(code))
    elif st.session_state.get(CLEAR_COOKIE_KEY):
        with st.sidebar:
            cookies.clear()


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
STAFF_PAGES = ("inbox", "decisions", "decision", "new", "legality", "meeting", "catalog", "archive", "dashboard",
               "opinion_ledger")


def _sign_in_first() -> None:
    st.switch_page(f"{PAGES}/login.py")


def pages_for(user: dict | None) -> dict[str, list]:
    """The pages this user is offered (each page checks again, and the service layer refuses anyway)."""
    def page(name: str, key: str, icon: str, default: bool = False) -> Any:
        return st.Page(f"{PAGES}/{name}.py", title=t(key), icon=icon, url_path=name, default=default)

    if user is None:
        # a staff page's address (a link sent by a colleague) leads to the sign-in, not to an English "Page not
        # found"; ui.common.follow_link keeps the decision it names for after the sign-in
        hidden = [st.Page(_sign_in_first, title=t("nav_login"), url_path=name, visibility="hidden")
                  for name in STAFF_PAGES]
        return {t("sec_public"): [page("login", "nav_login", ":material/login:", True),
                                  page("public", "nav_public", ":material/public:"), *hidden]}
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
        st.radio(t("lang_label"), ["中文", "English"], horizontal=True, key="lang_choice",
                 on_change=_switch_language)
        if user:
            st.caption(t("signed_in_as"))
            st.text(f"{user['name']}（{user['username']}）\n{user['office_name']}")
            from decisions.workbench import views as workbench

            st.caption(" · ".join(workbench.role_name(r, lang()) for r in user["roles"]))
            if st.button(t("logout"), key="logout"):
                if st.session_state.get(SESSION_KEY):
                    sessions.end_session(int(st.session_state[SESSION_KEY]))
                sign_out_locally()
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
            lines.append(f"- [{escape(art(u.article))}] {escape(plain(text_))}")
        target.error(t("blocked_title") + "\n\n" + "\n".join(lines), icon=":material/block:")
    else:
        target.error(f"{t('error_title')}：{escape(plain(exc.message))}", icon=":material/error:")


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
        out.append(f"- [{escape(art(u['article']))}] {escape(plain(text_))}")
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


def _picked(key: str) -> None:
    st.session_state[DECISION_KEY] = st.session_state.get(key)
    st.session_state.pop(FILE_KEY, None)


def confirmed(key: str) -> bool:
    """The tick an irreversible step needs (advance from the meeting, close, terminate, suspend, void)."""
    return bool(st.checkbox(t("confirm_irreversible"), key=key, value=False))


def pick_decision(options: list[dict] | None = None, key: str = "pick") -> int | None:
    """The decision the page works on: a choice among `options` or an id/code, remembered across pages."""
    current = st.session_state.get(DECISION_KEY)
    if options:
        ids = [o["id"] for o in options]
        labels = {o["id"]: f"#{o['id']} {o['code']} {o['title']}" for o in options}
        # the widget follows the decision worked on (an action reorders the list: the old index would point at
        # another decision); a choice the user makes becomes that decision through the callback
        if current in ids:
            st.session_state[key] = current
        elif st.session_state.get(key) not in ids:
            st.session_state[key] = ids[0]
        chosen = st.selectbox(t("choose_decision"), ids, format_func=lambda i: labels[i], key=key,
                              on_change=_picked, args=(key,))
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


LINK_KEY = "juece_link"        # a decision (and file) asked for by the address, kept across the sign-in
LINK_SEEN_KEY = "juece_link_seen"
FILE_KEY = "juece_file"


def _link_from_address() -> dict | None:
    """?d=<decision id>[&file=<evidence id>] when the address names something not yet followed."""
    try:
        raw_d, raw_file = st.query_params.get("d"), st.query_params.get("file")
    except Exception:  # noqa: BLE001 - no query string
        return None
    if not raw_d or not str(raw_d).isdigit():
        return None
    seen = f"{raw_d}:{raw_file or ''}"
    if st.session_state.get(LINK_SEEN_KEY) == seen:
        return None
    st.session_state[LINK_SEEN_KEY] = seen
    return {"d": int(raw_d), "file": int(raw_file) if raw_file and str(raw_file).isdigit() else None}


def follow_link(user: dict | None, page_path: str) -> None:
    """Every run (ui/app.py): an address naming a decision opens the decision page on it — after the sign-in when
    nobody is signed in yet; the page's read model then checks the permission like any other way in."""
    link = _link_from_address()
    if link is not None:
        st.session_state[LINK_KEY] = link
    if user is None or LINK_KEY not in st.session_state:
        return
    link = st.session_state.pop(LINK_KEY)
    st.session_state[DECISION_KEY] = link["d"]
    if link["file"]:
        st.session_state[FILE_KEY] = link["file"]
    else:
        st.session_state.pop(FILE_KEY, None)
    if page_path != "decision":
        st.switch_page(f"{PAGES}/decision.py", query_params=_address(link["d"], link["file"]))


def _address(did: int, file: int | None = None) -> dict[str, str]:
    return {"d": str(did), "file": str(file)} if file else {"d": str(did)}


def show_in_address(did: int, file: int | None = None) -> None:
    """The decision page keeps the address bar on what it shows, so the link copied from it opens it again."""
    wanted = _address(did, file)
    try:
        if dict(st.query_params.to_dict()) != wanted:
            st.query_params.from_dict(wanted)
    except Exception:  # noqa: BLE001 - AppTest without a browser
        return
    st.session_state[LINK_SEEN_KEY] = f"{did}:{file or ''}"


def open_decision(did: int) -> None:
    st.session_state[DECISION_KEY] = did
    st.session_state.pop(FILE_KEY, None)
    st.switch_page(f"{PAGES}/decision.py", query_params=_address(did))


# ----------------------------------------------------------------- names instead of keys (Chinese throughout)
_KEY_IN_PARENS = re.compile(r"\s?[（(]\\?[A-Za-z][A-Za-z0-9_\\]*(?:=[A-Za-z0-9_]+)?[）)]")
_EN_HALF = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s?/\s[A-Za-z][^\u3000-\u9fff\uff00-\uffef]*")
_KEY_PAIR = re.compile(r"[（(]([A-Za-z][A-Za-z0-9_]*)[，,]\s*([A-Z][A-Z0-9-]*)[）)]")  # （role，OFFICE-CODE）
_KEY_EQ = re.compile(r"\b([a-z][a-z0-9_]*)=([a-z0-9_]+)\b")
_CLI_HINT = re.compile(r"（用 ?juece [^）]*）|\s?\(juece [a-z][a-z _-]*\)")  # "（用 juece meeting 记录）": for the CLI


def names() -> dict[str, str]:
    """Internal keys (stages, triggers, kinds, roles, office codes, actions) → names in the active language."""
    from decisions.workbench import views as workbench

    cache = st.session_state.setdefault("_names", {})
    language = lang()
    if language not in cache:
        cache[language] = workbench.display_names(language)
    return cache[language]


def name(key: object) -> str:
    """A key's name on screen (an unknown value unchanged); enum values of the forms too."""
    if key is None:
        return ""
    k = str(key)
    known = names()
    if k in known:
        return known[k]
    from ui import i18n

    return i18n.enum_name(k, lang())


def art(text: object) -> str:
    from ui import i18n

    return i18n.article(str(text or ""), lang())


def when(value: object) -> str:
    from ui import i18n

    return i18n.when(value, lang())


def plain(text: object) -> str:
    """Generated text for the screen: articles in Chinese numbering, and in the Chinese UI no "（key）" asides
    or key=value pairs (the name is already there), the " / English" half of a message dropped."""
    out = _CLI_HINT.sub("", str(text or ""))  # the screen has its own form for it
    if lang() != "zh":
        return _plain_en(out)
    out = in_language(out)
    out = _EN_HALF.sub("", out)  # an English half inside a sentence: 「决策草案」/ attach draft；…
    out = _KEY_PAIR.sub(lambda m: f"（{name(m.group(1))}，{name(m.group(2))}）", out)
    out = _KEY_IN_PARENS.sub("", out)
    out = _KEY_EQ.sub(lambda m: f"{name(m.group(1))}：{name(m.group(2))}", out)
    out = re.sub(r"「([a-z][a-z0-9_]*)」", lambda m: f"「{name(m.group(1))}」", out)
    out = re.sub(r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?![\d-])", lambda m: when(m.group(1)), out)
    return art(out)


def _plain_en(text: str) -> str:
    """The English UI's generated text: its English half, and the Chinese text stored by the procedure (a stage's
    note) without the keys it cites — a "（key）" aside dropped, key=value named — where the word is a key."""
    def is_key(word: str) -> bool:
        return "_" in word or word in names()

    out = in_language(text)
    out = _KEY_IN_PARENS.sub(lambda m: "" if is_key(m.group(0).strip(" （）()\\").split("=")[0]) else m.group(0), out)
    out = _KEY_EQ.sub(lambda m: f"{name(m.group(1))}: {name(m.group(2))}" if is_key(m.group(1)) else m.group(0), out)
    out = re.sub(r"\b([a-z][a-z0-9]*_[a-z0-9_]+)：", lambda m: f"{i18n.key_label(m.group(1), 'en')}: ", out)  # key：value
    return re.sub(r"「([a-z][a-z0-9_]*)」", lambda m: f"「{name(m.group(1))}」", out)


def cell(value: object) -> object:
    """One table cell: a key becomes its name and a timestamp a date (2026年3月2日 09:00 / 2026-03-02 09:00) in
    either language; in the Chinese UI a citation Chinese numbering; any other text unchanged."""
    if value is None or isinstance(value, bool | int | float):
        return value
    v = str(value)
    known = names()
    if v in known:
        return known[v]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T[\d:.]+([+-]\d{2}:\d{2}|Z)?)?", v):
        return when(v)
    if lang() != "zh":
        return value
    if v.startswith("Art"):
        return art(v)
    return value  # user text stays as written (plain() is for generated text only)


def table(rows: list[dict], *, keep: tuple[str, ...] = (), **kwargs: Any) -> Any:
    """st.dataframe of `rows` with every cell made readable (cell()), except the columns in `keep` (a username or
    an office code is shown as written: the user `admin` is not the role 系统管理员)."""
    return st.dataframe([{k: v if k in keep else cell(v) for k, v in r.items()} for r in rows], **kwargs)


def meta_text(meta: dict) -> str:
    """An evidence item's metadata as 名称：值 pairs (keys and enum values named), never JSON."""
    colon, sep = ("：", "；") if lang() == "zh" else (": ", "; ")
    return sep.join(f"{i18n.key_label(k, lang())}{colon}{cell(name(v) if isinstance(v, str) else v)}"
                    for k, v in meta.items())


def audit_text(action: str, detail: dict | None) -> str:
    """An audit event's detail as a short Chinese sentence (the dossier has the full prose)."""
    d = detail or {}
    if action == "evidence":
        return f"{name(d.get('kind', ''))}：{d.get('filename', '')}"
    if action in ("advance", "transition", "returned", "side") and ("from" in d or "to" in d):
        return f"{name(d.get('from', ''))} → {name(d.get('to', ''))}"
    if action == "triggers":
        return "、".join(f"{name(k)}：{name(v.get('value', '')) if isinstance(v, dict) else name(v)}"
                        for k, v in d.items())
    if action == "create":
        return str(d.get("title", ""))
    if action == "meeting":
        return f"{name(d.get('type', ''))} {when(d.get('date', ''))} {name(d.get('outcome', ''))}".strip()
    if action == "dossier":
        return f"案卷 {d.get('pages', '')} 页"
    return ""


def status_label(status: str) -> str:
    return t(f"status_{status}") if f"status_{status}" in i18n.S else status


def today_iso() -> str:
    from decisions import clock

    return clock.today().isoformat()


def upload_limit() -> str:
    from decisions.storage.settings import get_settings

    mb = get_settings().max_file_bytes / (1024 * 1024)
    return f"（≤ {mb:g} MB）" if lang() == "zh" else f" (≤ {mb:g} MB)"


# ----------------------------------------------------------------- the workbench's own look
# Streamlit's frontend writes a few English words of its own that no option translates (the file uploader's
# button and size limit, "Drag and drop a file here"): they are replaced by CSS with the workbench's words; the
# toolbar's "⋮" menu and the Deploy button are hidden for users (client.toolbarMode=viewer hides the developer
# items; this hides the menu itself). Only this fixed stylesheet goes through st.html, never user text.
_STYLE = """<style>
[data-testid="stMainMenu"], [data-testid="stAppDeployButton"], [data-testid="stToolbarActions"] {{display: none;}}
[data-testid="stFileUploaderDropzone"] button * {{font-size: 0 !important;}}
[data-testid="stFileUploaderDropzone"] button::after {{content: "{button}"; font-size: 0.875rem;}}
[data-testid="stFileUploaderDropzoneInstructions"] * {{font-size: 0 !important;}}
[data-testid="stFileUploaderDropzoneInstructions"]::after {{content: "{limit}"; font-size: 0.8rem; opacity: 0.7;}}
[data-testid="stFileUploaderDropzone"] > div > span:only-child {{font-size: 0 !important;}}
[data-testid="stFileUploaderDropzone"] > div > span:only-child::after {{content: "{drop}"; font-size: 1rem;}}
</style>"""


def _css_text(text: str) -> str:
    """A CSS string literal's content: no quote, backslash or angle bracket can end it."""
    return re.sub(r'["\\<>\n]', "", text)


def page_style() -> None:
    """Every run (ui/app.py): the stylesheet above, in the active language, with JUECE_MAX_FILE_MB as the limit."""
    from decisions.storage.settings import get_settings

    mb = f"{get_settings().max_file_bytes / (1024 * 1024):g}"
    st.html(_STYLE.format(button=_css_text(t("uploader_button")), limit=_css_text(t("uploader_limit", mb=mb)),
                          drop=_css_text(t("uploader_drop"))))
