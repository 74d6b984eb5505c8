"""Chinese throughout: every page of the workbench, for the demo's users, in both languages; in the Chinese UI no
internal key (stage, trigger, evidence kind, role, enum value), office code, "Art " citation, CLI flag or
" / English" half is shown where a name exists. Also the formatters (articles in Chinese legal numbering, dates)
and the server configuration `juece ui` starts Streamlit with (no toolbar/Deploy menu, the upload limit)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from decisions import demo
from decisions.accounts import service as directory
from decisions.workbench import views as workbench
from tests.apptest import APP, open_app, shown, shown_in_every_tab
from ui import i18n
from workflow import profiles

# (user, pages, decision the pages open)
WALK = [
    (None, ["login", "public", "public_consultation"], None),
    ("hd_organ", ["inbox", "decisions", "new", "decision", "catalog", "archive", "dashboard", "opinion_ledger"], 1),
    ("czj_drafter", ["inbox", "decision", "opinion_ledger"], 1),
    ("sfj_reviewer", ["inbox", "legality", "decision"], None),
    ("hd_secretary", ["inbox", "meeting", "decision"], None),
    ("expert_zhang", ["inbox", "decision"], None),
    ("hd_archivist", ["archive", "decision"], 1),
    ("admin", ["admin_users", "admin_registers", "admin_calendar", "admin_catalog"], None),
    ("yk_drafter", ["admin_experts"], None),
]


@pytest.fixture(scope="module")
def demo_deployment(tmp_path_factory: pytest.TempPathFactory, new_deployment):  # noqa: ANN001, ANN201
    data = tmp_path_factory.mktemp("ui-language")
    url = new_deployment(data)
    mp = pytest.MonkeyPatch()
    mp.setenv("JUECE_DATA_DIR", str(data))
    mp.setenv("JUECE_DATABASE_URL", url)
    mp.setenv("JUECE_NOW", "2026-03-02T09:00:00+08:00")
    mp.delenv("JUECE_LANG", raising=False)
    mp.setattr(directory, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))
    try:
        demo.load()
        yield data
    finally:
        mp.undo()


def raw_keys() -> set[str]:
    keys: set[str] = set(profiles.SIDE_STATES) | set(profiles.ROLES)
    for name in profiles.available():
        p = profiles.load(name)
        keys |= set(p.stage_order) | set(p.triggers) | set(p.kinds)
        for k in p.kinds.values():
            for f in k.meta.values():
                keys |= {str(v) for v in f.values}
    return {k for k in keys if k and k.isascii()}


def violations(text: str, keys: set[str], codes: set[str], usernames: set[str]) -> list[str]:
    for u in sorted(usernames, key=len, reverse=True):  # login names are shown beside people's names
        text = re.sub(rf"(?<![\w-]){re.escape(u)}(?![\w-])", "", text)
    found = []
    for line in text.splitlines():
        if re.search(r"\bArt\.? ?\d", line):
            found.append(f"Art citation: {line}")
        if re.search(r"(?<![\w-])--[a-z]", line):
            found.append(f"CLI flag: {line}")
        if re.search(r"[\u4e00-\u9fff][^/]* / [A-Za-z]{3,}", line):
            found.append(f"English half: {line}")
        for word in re.findall(r"(?<![\w\-./])[A-Za-z][A-Za-z0-9_]*(?:-[A-Z0-9]+)*(?![\w\-])", line):
            if word in keys or word in codes:
                found.append(f"raw {word!r}: {line}")
    return found


@pytest.mark.parametrize(("user", "pages", "decision"), WALK, ids=[str(w[0]) for w in WALK])
def test_every_page_in_chinese(demo_deployment, user: str | None, pages: list[str],  # noqa: ANN001
                               decision: int | None) -> None:
    keys = raw_keys()
    codes = {o["code"] for o in workbench.offices()}
    usernames = {u[0] for u in demo.USERS}
    problems = []
    for page in pages:
        for lang in ("zh", "en"):
            at = open_app(user, page, decision=decision, lang=lang)
            text = shown_in_every_tab(at, page)
            assert text.strip(), f"{page} ({lang}) shows nothing"
            if lang == "zh":
                shown_codes = set() if page.startswith("admin_") else codes  # an admin types the codes there
                problems += [f"{page}: {v}" for v in violations(text, keys, shown_codes, usernames)]
                problems += [f"{page}: {v}" for v in leaks(text, usernames)]
            else:
                problems += [f"{page} (en): {v}" for v in english_violations(text, keys, usernames)]
    assert not problems, "\n".join(problems)


def english_violations(text: str, keys: set[str], usernames: set[str]) -> list[str]:
    """The English UI names things too: no snake_case key (a stage, kind, field or enum value: English prose never
    has one) and no JSON."""
    for u in sorted(usernames, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(u)}(?![\w-])", "", text)
    snake = {k for k in keys | metadata_keys() if "_" in k}
    found = []
    for line in text.splitlines():
        if re.search(r'\{\s*"', line):
            found.append(f"JSON: {line}")
        found += [f"raw {w!r}: {line}" for w in re.findall(r"(?<![\w\-./])[a-z][a-z0-9]*_[a-z0-9_]+", line)
                  if w in snake]
    return found


def metadata_keys() -> set[str]:
    return {key for name in profiles.available() for k in profiles.load(name).kinds.values() for key in k.meta}


def test_every_field_and_value_of_every_profile_has_a_name_in_both_languages() -> None:
    """A form or table shows a field's name and a value's name, never the key: every metadata key and enum value
    of every shipped profile (the archived versions too) is named in Chinese and English."""
    from pathlib import Path

    shipped = Path(profiles.__file__).resolve().parent.parent / "data" / "procedures" / "archive"
    loaded = [profiles.load(n) for n in profiles.available()]
    loaded += [profiles.load_file_archived(p, p.stem.rsplit("-", 1)[0]) for p in sorted(shipped.glob("*.toml"))]
    missing = []
    for p in loaded:
        for kind, k in p.kinds.items():
            for key, f in k.meta.items():
                missing += [f"{p.name} {kind}.{key} ({lang})" for lang, table in
                            (("zh", i18n.KEY_LABELS), ("en", i18n.KEY_LABELS_EN)) if key not in table]
                missing += [f"{p.name} {kind}.{key}={v} ({lang})" for v in f.values for lang in ("zh", "en")
                            if v not in i18n.ENUM_NAMES[lang]]
    assert not missing, sorted(set(missing))


def test_article_numbering() -> None:
    assert i18n.article_zh("Art 25¶2") == "第二十五条第二款"
    assert i18n.article_zh("Art 19") == "第十九条"
    assert i18n.article_zh("Art 29(1)") == "第二十九条第一项"
    assert i18n.article_zh("Art 14¶3") == "第十四条第三款"
    assert i18n.article_zh("Art 3¶3") == "第三条第三款"
    assert i18n.article_zh("Art 26¶1, 27(2)") == "第二十六条第一款、第二十七条第二项"
    assert i18n.article_zh("Art 110") == "第一百一十条"
    assert i18n.article_zh("Art 20-21") == "第二十条至第二十一条"
    assert i18n.article_zh("第30条") == "第三十条"
    assert i18n.article_zh("") == ""


def test_dates() -> None:
    assert i18n.date_zh("2026-12-07") == "2026年12月7日"
    assert i18n.date_zh("2026-03-02T09:05:00+08:00") == "2026年3月2日 09:05"
    assert i18n.date_zh(None) == ""
    assert i18n.date_zh("not a date") == "not a date"


def test_juece_ui_server_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    from decisions.cli import deployment

    monkeypatch.setenv("JUECE_MAX_FILE_MB", "20")
    args = deployment.streamlit_args(8502)
    flags = dict(zip(args[::2], args[1::2], strict=False))
    assert flags["--client.toolbarMode"] == "viewer"
    assert flags["--client.showSidebarNavigation"] == "false"  # no page list by file name before the menu
    assert flags["--server.maxUploadSize"] == "20"
    assert flags["--server.port"] == "8502"


def test_refusal_text_in_chinese_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    from ui import common

    st.session_state["lang"] = "zh"
    monkeypatch.setattr(common, "names", lambda: {"drafter": "决策承办单位", "HD-CZJ": "广州市花都区财政局"})
    refusal = ("用户 czj_drafter（drafter，HD-CZJ）无权提交「决策草案」/ attach draft；需要本决策范围内的角色："
               "决策承办单位(drafter)")
    assert common.plain(refusal) == "用户 czj_drafter（决策承办单位，广州市花都区财政局）无权提交「决策草案」；需要本决策范围内的角色：决策承办单位"
    assert common.plain("文件为空 / the file is empty") == "文件为空"
    assert common.plain("期限 2022-12-31 已过（Art 15¶1）") == "期限 2022年12月31日 已过（第十五条第一款）"


LEAKS = {"an English article": re.compile(r"\bArt\.? ?\d"), "an article in Arabic numerals": re.compile(r"第\d+条"),
         "an ISO date": re.compile(r"\d{4}-\d{2}-\d{2}"), "a command of the CLI": re.compile(r"\bjuece [a-z]"),
         "a snake_case key": re.compile(r"(?<![\w\-./@])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w\-])")}


def leaks(text: str, usernames: set[str]) -> list[str]:
    """Lines of a Chinese page that show an article, a date or a key the way the software stores it (the Markdown
    escapes taken out first: 2026\\-12\\-07 is a date on screen)."""
    text = text.replace("\\", "")
    for u in sorted(usernames, key=len, reverse=True):  # login names are shown beside people's names
        text = re.sub(rf"(?<![\w-]){re.escape(u)}(?![\w-])", "", text)
    return [f"{what}: {line}" for line in text.splitlines() for what, rx in LEAKS.items() if rx.search(line)]


@pytest.mark.parametrize("page", ["meeting", "decision"])
def test_meeting_and_decision_pages_speak_chinese(demo_deployment, page: str) -> None:  # noqa: ANN001
    """The demo's decision before the meeting (Art 29 checklist, the Art 26¶2 window), on the meeting page and the
    decision page: in Chinese no "Art 30", no 第30条, no 2026-12-07, no internal key; in English the page renders."""
    waiting = next(d["id"] for d in workbench.decisions("hd_secretary", state="collective_discussion")["rows"])
    usernames = {u[0] for u in demo.USERS}
    for lang in ("zh", "en"):
        at = open_app("hd_secretary", page, decision=waiting, lang=lang)
        text = shown_in_every_tab(at, page)
        assert "集体讨论" in text if lang == "zh" else text.strip()
        if lang == "zh":
            assert not leaks(text, usernames), "\n".join(leaks(text, usernames))
        if page == "meeting":  # a meeting the day after the submission: the unmet window's message, its dates
            text = shown(_meeting_on(waiting, lang, _day_after_submission(waiting)))
            if lang == "zh":
                assert "报送" in text and not leaks(text, usernames), "\n".join(leaks(text, usernames))
            else:
                assert "submitted" in text


def _day_after_submission(did: int) -> date:
    from decisions.procedure import views

    sent = next(e["meta"]["submitted"] for e in views.show(did)["evidence"] if e["kind"] == "legality_submission")
    return date.fromisoformat(sent) + timedelta(days=1)


def _meeting_on(did: int, lang: str, day: date) -> AppTest:
    """The meeting page with its date already set to `day` (as if the secretary had picked it)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["juece_user"], at.session_state["decision_id"], at.session_state["lang"] = "hd_secretary", did, lang
    at.session_state[f"mt_{did}_date"] = day
    at.run()
    at.switch_page("pages/meeting.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _select_calls() -> list[tuple[str, int, str, bool]]:
    """Every select box without a preselected choice (index=None) and every multiselect in ui/: (file, line, kind,
    whether it names its placeholder)."""
    import ast
    from pathlib import Path

    out = []
    for path in sorted((Path(__file__).resolve().parent.parent / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            kw = {k.arg: k.value for k in node.keywords}
            empty = isinstance(kw.get("index"), ast.Constant) and kw["index"].value is None
            if node.func.attr == "multiselect" or (node.func.attr == "selectbox" and empty):
                out.append((path.name, node.lineno, node.func.attr, "placeholder" in kw))
    return out


def test_no_streamlit_english_placeholder() -> None:
    """Streamlit writes "Choose an option" / "Choose options" in an empty select box: every one names its own."""
    calls = _select_calls()
    assert len(calls) > 10
    assert [c for c in calls if not c[3]] == []


def test_placeholder_follows_the_language(org) -> None:  # noqa: ANN001
    """The 退回 form's stage box on the legality page: 请选择 in Chinese, Choose in English."""
    from tests.helpers import Walker

    w = Walker().walk_to("legality_review")
    for lang, hint in (("zh", "请选择"), ("en", "Choose")):
        at = open_app("reviewer", "legality", decision=w.id, lang=lang)
        assert at.selectbox(key=f"return_to_{w.id}").proto.placeholder == hint
        assert at.selectbox(key=f"lo_{w.id}_conclusion").proto.placeholder == hint


def test_streamlit_page_list_off_and_the_own_menu_shown(org) -> None:  # noqa: ANN001
    """The shipped config (ui/.streamlit/config.toml, package data of the wheel) switches Streamlit's automatic
    page list off, so no file name ("admin_users") flashes in the sidebar on the first load; the workbench's own
    menu (ui.menu) lists the user's pages by name, in the active language, and none of another role."""
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "ui" / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["client"]["showSidebarNavigation"] is False
    shipped = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]
    assert ".streamlit/config.toml" in shipped["ui"]
    for lang, inbox, public, admin in (("zh", "我的待办", "公开信息", "用户与单位"), ("en", "My tasks", "Public information",
                                                                           "Users and offices")):
        links = [e.proto.label for e in open_app("drafter", lang=lang).get("page_link")]
        assert inbox in links and public in links and admin not in links, links
        assert not [x for x in links if "_" in x], links
    links = [e.proto.label for e in open_app(None, lang="zh").get("page_link")]
    assert links == ["登录", "公开信息", "公开征求意见"], links  # nobody signed in: the hidden staff pages not listed


def test_the_diagram_names_a_side_state(demo_deployment) -> None:  # noqa: ANN001
    """The procedure diagram draws a closed (or suspended, …) decision's state by its name, not its key."""
    closed = workbench.decisions("hd_organ", state="closed")["rows"][0]["id"]
    for lang, name in (("zh", "已办结"), ("en", "Closed")):
        at = open_app("hd_organ", "decision", decision=closed, lang=lang)
        dot = at.get("graphviz_chart")[0].proto.spec
        assert f'label="{name}"' in dot and 'label="closed"' not in dot, dot[-300:]
