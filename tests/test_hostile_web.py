"""Hold under attack (the web side): single sign-on bound to the provider's issuer and subject, citizens'
opinions that never take the decision's version lock, the public page (client address behind trusted proxies
only, user text as text, hash-checked drafts), and safer defaults."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.cli import app as cli_app
from decisions.errors import BadInput, NotPermitted

runner = CliRunner()
ISS = "https://sso.example.gov.cn"


# ----------------------------------------------------------------- 1. single sign-on by issuer + subject
def test_sso_never_maps_by_name_or_unverified_email(org, monkeypatch):
    monkeypatch.delenv("JUECE_OIDC_ALLOWED_DOMAINS", raising=False)
    for claims in ({"iss": "https://attacker.example", "sub": "1", "preferred_username": "admin"},
                   {"iss": "https://attacker.example", "sub": "2", "username": "admin"},
                   {"iss": "https://attacker.example", "sub": "3", "email": "admin@attacker.example",
                    "email_verified": True},
                   {"preferred_username": "admin", "email": "admin@example.gov.cn"}):
        with pytest.raises(NotPermitted) as exc:
            directory.sso_username(claims)
        assert "\n" not in exc.value.message
    # an allowed domain: only a verified address in it, and never another domain
    monkeypatch.setenv("JUECE_OIDC_ALLOWED_DOMAINS", "example.gov.cn")
    verified = {"iss": ISS, "sub": "x", "email": "drafter@example.gov.cn", "email_verified": True}
    assert directory.sso_username(verified) == "drafter"
    for bad in ({**verified, "email_verified": False}, {**verified, "email_verified": None},
                {**verified, "email": "admin@attacker.example"},
                {**verified, "email": "admin@example.gov.cn.attacker.example"}):
        with pytest.raises(NotPermitted):
            directory.sso_username(bad)


def test_sso_bound_identity_by_issuer_and_subject(org, monkeypatch):
    monkeypatch.delenv("JUECE_OIDC_ALLOWED_DOMAINS", raising=False)
    r = runner.invoke(cli_app, ["user", "link-sso", "reviewer", "--issuer", ISS, "--subject", "248289761001"])
    assert r.exit_code == 0, r.output
    assert directory.sso_username({"iss": ISS, "sub": "248289761001", "preferred_username": "admin"}) == "reviewer"
    with pytest.raises(NotPermitted):  # the same subject from another issuer is someone else
        directory.sso_username({"iss": "https://attacker.example", "sub": "248289761001"})
    with pytest.raises(BadInput):  # one identity, one user
        directory.link_identity("admin", ISS, "248289761001")
    with pytest.raises(NotPermitted):  # only an admin links
        directory.link_identity("drafter", ISS, "other", as_user="drafter")


# ----------------------------------------------------------------- 2. opinions never take the decision's lock
def _consultation(org):  # noqa: ANN001, ANN202
    from decisions.participation import service as participation
    from tests.helpers import Walker

    w = Walker().new().walk_to("public_participation")
    c = participation.open_consultation(w.id, start="2026-03-03", end="2026-04-02", explanation="说明",
                                        as_user="drafter")
    return w, c


def test_staff_attachment_loaded_before_public_opinions_still_commits(org, monkeypatch):
    from decisions.integrity import service as integrity
    from decisions.participation import public
    from decisions.procedure import service, views
    from tests.helpers import PDF, set_now

    w, c = _consultation(org)
    set_now("2026-03-10T10:00:00+08:00")
    before = views.show(w.id)["version"]
    original = service.get_decision
    sent: list[str] = []

    def loaded_then_citizens(session, ident):  # noqa: ANN001, ANN202
        d = original(session, ident)
        d.version  # noqa: B018 - the version the staff member writes against
        if not sent:
            for i in range(20):
                sent.append(public.submit_opinion(c["id"], content=f"市民意见{i}", client=f"ip:10.0.0.{i}")["receipt"])
        return d

    monkeypatch.setattr(service, "get_decision", loaded_then_citizens)
    ev = service.add_evidence(w.id, kind="participation_activity", filename="座谈会.pdf", data=PDF,
                              meta={"form": "group_consultation"}, as_user="drafter")
    monkeypatch.setattr(service, "get_decision", original)
    assert ev and len(sent) == 20
    assert views.show(w.id)["version"] == before + 1  # the attachment, not the 20 opinions
    assert integrity.verify()["problems"] == []


def test_an_opinion_never_lands_after_the_stage(org, monkeypatch):
    """The stage ends between an opinion's checks and its insert: the opinion is refused, nothing stored."""
    from sqlmodel import select

    from decisions.errors import BadInput
    from decisions.participation import public
    from decisions.participation.models import Opinion
    from decisions.storage.unit_of_work import UnitOfWork
    from tests.helpers import set_now

    _w, c = _consultation(org)
    set_now("2026-03-10T10:00:00+08:00")
    real = public.new_receipt

    def stage_ends_meanwhile(s):  # noqa: ANN001, ANN202
        from sqlalchemy import text

        from decisions.storage.db import get_engine
        with get_engine().begin() as conn:
            conn.execute(text("UPDATE decision SET state='closed_elsewhere' WHERE id=:i"), {"i": c["decision_id"]})
        return real(s)

    monkeypatch.setattr(public, "new_receipt", stage_ends_meanwhile)
    with pytest.raises(BadInput, match="not open for public comment"):
        public.submit_opinion(c["id"], content="迟到的意见", client="ip:1")
    with UnitOfWork() as uow:
        assert uow.session.exec(select(Opinion)).all() == []


# ----------------------------------------------------------------- 3. the public page
UI = Path(__file__).resolve().parent.parent / "ui"
# Streamlit elements that render their body or label as Markdown (st.text and st.dataframe do not)
MARKDOWN = {"markdown", "caption", "success", "error", "warning", "info", "title", "header", "subheader", "button",
            "download_button", "form_submit_button", "expander", "toast", "write", "metric", "checkbox", "radio",
            "selectbox", "multiselect", "text_input", "text_area", "number_input", "date_input", "file_uploader",
            "tabs", "popover", "page_link", "toggle", "link_button", "status", "segmented_control", "pills",
            "slider", "select_slider", "time_input", "color_picker", "chat_input", "help"}
# what may reach them: the one helper for user text (escape) and the workbench's own texts
SAFE_CALLS = {"escape", "t", "tr", "text", "unmet_lines", "status_label", "enum_label", "upload_limit",
              "role_name", "key_label", "len", "str", "int", "format"}
# fields that are never user text: numbers, dates, codes, states (generated by the engine)
SAFE_KEYS = {"code", "state", "round", "total", "assessed", "flagged", "year", "covered", "items", "id", "due",
             "start", "end", "at", "received", "days_in_stage", "median_days_as_of", "sha256", "evidence_id"}
# local names built only from the above (checked by reading them: each is made of t()/tr()/escape())
SAFE_NAMES = {"lines", "label", "mark", "star", "line", "file_error", "message", "when", "cases"}


def _safe(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(_safe(v.value) for v in node.values if isinstance(v, ast.FormattedValue))
    if isinstance(node, ast.BinOp):
        return _safe(node.left) and _safe(node.right)
    if isinstance(node, ast.IfExp):
        return _safe(node.body) and _safe(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple)):
        return all(_safe(e) for e in node.elts)
    if isinstance(node, ast.Name):
        return node.id in SAFE_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in SAFE_KEYS | {"until"}
    if isinstance(node, ast.Subscript):
        key = node.slice
        return isinstance(key, ast.Constant) and key.value in SAFE_KEYS
    if isinstance(node, ast.Call):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        if name == "join" and isinstance(f, ast.Attribute) and isinstance(f.value, ast.Constant):
            return all(_safe(a) for a in node.args)
        if name == "format" and isinstance(f, ast.Attribute):
            return _safe(f.value) and all(_safe(k.value) for k in node.keywords)
        if isinstance(node.func, ast.GeneratorExp):
            return False
        return name in SAFE_CALLS
    if isinstance(node, ast.GeneratorExp):
        return _safe(node.elt)
    return False


def _fixed_stylesheet(path, node: ast.Call) -> bool:  # noqa: ANN001
    """The one st.html allowed: ui/common.py's fixed stylesheet, filled with the workbench's own words only."""
    if path.name != "common.py" or len(node.args) != 1 or not isinstance(node.args[0], ast.Call):
        return False
    f = node.args[0].func
    return (isinstance(f, ast.Attribute) and f.attr == "format" and isinstance(f.value, ast.Name)
            and f.value.id == "_STYLE" and all(isinstance(k.value, ast.Call) and getattr(k.value.func, "id", "") ==
                                                 "_css_text" for k in node.args[0].keywords))


def test_no_user_value_reaches_markdown_except_through_escape():
    """Every page and helper: what a Markdown-rendering element shows is the workbench's own text or goes
    through ui.common.escape; unsafe_allow_html and st.html are never used."""
    problems = []
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "unsafe_allow_html":
                problems.append(f"{path.name}:{node.value.lineno}: unsafe_allow_html")
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr == "html" and not _fixed_stylesheet(path, node):
                problems.append(f"{path.name}:{node.lineno}: st.html")
            if node.func.attr not in MARKDOWN:
                continue
            for arg in node.args[:1] + [k.value for k in node.keywords if k.arg in ("label", "body", "help")]:
                if not _safe(arg):
                    problems.append(f"{path.name}:{node.lineno}: {node.func.attr}({ast.unparse(arg)[:80]})")
    assert problems == []


def test_the_scan_sees_the_old_download_label():
    """The check above would have caught the draft's file name in the download label."""
    old = ast.parse('st.download_button(tr("下载决策草案", "Download the draft") + f"（{draft[0]}）", b"")').body[0]
    assert not _safe(old.value.args[0])  # type: ignore[attr-defined]
    assert not _safe(ast.parse("items[0]['source']").body[0].value)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("203.0.113.7", "1.2.3.4", "", "203.0.113.7"),             # no proxy trusted: a visitor's header is ignored
    ("203.0.113.7", "1.2.3.4", "127.0.0.1", "203.0.113.7"),    # the peer is not the proxy: ignored again
    ("127.0.0.1", "1.2.3.4, 198.51.100.9", "127.0.0.1", "198.51.100.9"),  # the hop the proxy saw, not the forged one
    ("127.0.0.1", "198.51.100.9", "127.0.0.1,10.0.0.0/8", "198.51.100.9"),
    ("127.0.0.1", "198.51.100.9, 10.1.2.3", "127.0.0.1,10.0.0.0/8", "198.51.100.9"),
    ("127.0.0.1", "", "127.0.0.1", None),                       # a trusted proxy that does not say: unknown
    ("127.0.0.1", "not-an-ip", "127.0.0.1", None),
    (None, "1.2.3.4", "127.0.0.1", None),                        # no peer: unknown, never the session
    ("", None, "", None),
])
def test_client_address_only_through_trusted_proxies(monkeypatch, peer, forwarded, trusted, expected):
    from decisions.participation import public

    monkeypatch.setenv("JUECE_TRUSTED_PROXIES", trusted)
    assert public.client_address(peer, forwarded) == expected


def test_page_keys_on_the_address_never_the_session(org):
    """No known client address: the public page refuses with one line (it used to fall back to the session id,
    which a flooder renews with every request)."""
    src = (UI / "pages" / "public_consultation.py").read_text(encoding="utf-8")
    assert "session_id" not in src and "session:" not in src
    from decisions.participation import public

    _w, c = _consultation(org)
    from tests.helpers import set_now

    set_now("2026-03-10T10:00:00+08:00")
    with pytest.raises(BadInput, match="no client identity"):
        public.submit_opinion(c["id"], content="意见", client="")


@pytest.mark.parametrize("damage", ["missing", "altered"])
def test_a_damaged_draft_is_never_served(org, damage):
    from decisions.errors import IntegrityFailure
    from decisions.participation import public
    from decisions.records import evidence_store

    _w, c = _consultation(org)
    name, data = public.public_draft(c["id"])
    path = evidence_store.path_for(evidence_store.digest(data))
    path.chmod(0o644)
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(data + b"tampered")
    with pytest.raises(IntegrityFailure) as exc:
        public.public_draft(c["id"])
    assert str(evidence_store.root()) not in exc.value.message and "\n" not in exc.value.message
    assert "/" not in exc.value.message.replace(" / ", "")


# ----------------------------------------------------------------- 4. defaults and hygiene
def test_workbench_binds_this_machine_by_default(monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr("os.execvp", lambda _exe, argv: calls.append(argv))
    assert runner.invoke(cli_app, ["ui"]).exit_code == 0
    argv = calls[0]
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    runner.invoke(cli_app, ["ui", "--address", "0.0.0.0"])
    assert calls[1][calls[1].index("--server.address") + 1] == "0.0.0.0"


def test_database_file_and_salt_readable_by_the_owner_only(tmp_path, monkeypatch):
    import stat

    from decisions.integrity import service as integrity
    from decisions.participation import public

    monkeypatch.setenv("JUECE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("JUECE_DATABASE_URL", raising=False)
    monkeypatch.delenv("JUECE_OPINION_SALT", raising=False)
    monkeypatch.setattr("os.umask", lambda _m: 0)
    integrity.initialise()
    db = tmp_path / "data" / "juece.db"
    salt = tmp_path / "data" / public.OPINION_SALT_FILE
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(salt.stat().st_mode) == 0o600
    value = salt.read_text().strip()
    assert len(value) == 64 and value != "juece-opinion"
    assert public.opinion_salt() == value
    import hashlib

    assert public.client_key("ip:1") == hashlib.sha256(f"{value}\nip:1".encode()).hexdigest()[:32]
    monkeypatch.setenv("JUECE_OPINION_SALT", "from-the-environment")
    assert public.client_key("ip:1") == hashlib.sha256(b"from-the-environment\nip:1").hexdigest()[:32]


def test_demo_password_shown_only_with_the_demo_accounts(org):
    from tests.apptest import open_app

    at = open_app(None, None, None, None)
    assert not any("juece-demo-2026" in c.value for c in at.caption)
    directory.add_office("HD", "演示区政府", "county")
    directory.add_user(directory.DEMO_USER, "演示", "HD", ["decision_organ"], password=directory.DEMO_PASSWORD)
    at = open_app(None, None, None, None)
    assert any("juece-demo-2026" in c.value for c in at.caption)
    directory.set_password(directory.DEMO_USER, "a-real-password-now")
    at = open_app(None, None, None, None)
    assert not any("juece-demo-2026" in c.value for c in at.caption)


@pytest.mark.parametrize(("password", "fragment"), [("short-pw", "at least 12"), ("123456789012345", "all digits")])
def test_password_policy_refused_with_one_line(org, password, fragment):
    r = runner.invoke(cli_app, ["user", "passwd", "reviewer", "--password-stdin"], input=password + "\n")
    assert r.exit_code == 2 and fragment in r.output and len(r.output.strip().splitlines()) == 1, r.output
    with pytest.raises(BadInput, match=fragment):
        directory.add_user("newbie", "新人", "CITY", ["drafter"], password=password)


def test_passwd_and_disable(org):
    r = runner.invoke(cli_app, ["user", "passwd", "reviewer", "--password-stdin"], input="a-long-pass-phrase\n")
    assert r.exit_code == 0, r.output
    actor = directory.authenticate("reviewer", "a-long-pass-phrase")
    assert actor is not None and actor.username == "reviewer"
    from sqlmodel import select

    from decisions.accounts.models import User
    from decisions.storage.unit_of_work import UnitOfWork
    with UnitOfWork() as uow:
        assert uow.session.exec(select(User).where(User.username == "reviewer")).one().password_hash.startswith(
            "$argon2id$")
    r = runner.invoke(cli_app, ["user", "disable", "reviewer"])
    assert r.exit_code == 0, r.output
    assert directory.authenticate("reviewer", "a-long-pass-phrase") is None
    from decisions.errors import NotFound
    from decisions.workbench import views as workbench
    with pytest.raises(NotFound):  # a signed-in session of the user ends at its next page run
        workbench.whoami("reviewer")


@pytest.mark.parametrize("bad", ["合同\u202efdp.txt", "a\nb.pdf", "x\x1b[31m.pdf", "tab\there.pdf", "rlo\u2067.pdf"])
def test_file_names_and_titles_refuse_controls_and_bidi(org, bad):
    from decisions.procedure import service
    from tests.helpers import PDF, Walker

    w = Walker().walk_to("drafting")
    with pytest.raises(BadInput) as exc:
        service.add_evidence(w.id, kind="draft", filename=bad, data=PDF, meta={}, as_user="drafter")
    assert repr(bad) in exc.value.message and "\n" not in exc.value.message
    with pytest.raises(BadInput) as exc:
        service.new_decision(title=bad, organ="CITY", undertaker="CITY-DRC", category=2, source="leader",
                             as_user="organ")
    assert repr(bad) in exc.value.message


def test_opinion_exports_neutralise_formulas(org, tmp_path):
    import csv
    import io

    from decisions.participation import public
    from decisions.participation import service as participation
    from tests.helpers import set_now

    w, c = _consultation(org)
    set_now("2026-03-10T10:00:00+08:00")
    evil = ['=HYPERLINK("http://evil.example","点击")', "+1+2", "-2+3", "@SUM(A1)", "正常意见"]
    for i, text in enumerate(evil):
        public.submit_opinion(c["id"], content=text, client=f"ip:10.9.0.{i}")
    r = runner.invoke(cli_app, ["opinion", "export", str(w.id), "--as", "drafter", "--out", str(tmp_path / "l.csv")])
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO((tmp_path / "l.csv").read_bytes().decode("utf-8-sig"))))
    cells = [row[3] for row in rows[1:]]
    assert cells == ["'" + t for t in evil[:4]] + ["正常意见"]
    assert participation.sheet_cell(7) == 7


def test_an_anonymous_visitor_cannot_lock_admin_out(org, monkeypatch):
    """Sign-in failures lock the account for the failing client only, with back-off; the admin signing in
    from elsewhere is not affected."""
    from datetime import datetime, timedelta

    from decisions.errors import NotPermitted as Locked
    from tests.helpers import set_now

    monkeypatch.setenv("JUECE_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("JUECE_LOGIN_LOCKOUT_MINUTES", "10")
    directory.set_password("admin", "admin-long-password")
    start = datetime.fromisoformat("2026-03-10T10:00:00+08:00")
    set_now(start.isoformat())
    for _ in range(3):
        assert directory.authenticate("admin", "guess-guess-guess", client="203.0.113.66") is None
    with pytest.raises(Locked):  # the attacker's client: locked, even with the right password
        directory.authenticate("admin", "admin-long-password", client="203.0.113.66")
    actor = directory.authenticate("admin", "admin-long-password", client="10.1.1.1")  # the admin's own desk
    assert actor is not None and actor.username == "admin"
    # back-off: after the first lock runs out, one more failure locks for twice as long
    set_now((start + timedelta(minutes=11)).isoformat())
    assert directory.authenticate("admin", "guess-again-again", client="203.0.113.66") is None
    set_now((start + timedelta(minutes=11 + 15)).isoformat())
    with pytest.raises(Locked) as exc:
        directory.authenticate("admin", "admin-long-password", client="203.0.113.66")
    assert exc.value.until == (start + timedelta(minutes=31)).isoformat(timespec="seconds")
    assert directory.authenticate("admin", "admin-long-password", client="10.1.1.1") is not None
    directory.unlock_user("admin")  # an admin may open it for that client too
    assert directory.authenticate("admin", "admin-long-password", client="203.0.113.66") is not None


def test_no_page_icon_fetched_from_outside():
    """A :material/…: page icon makes the browser fetch the favicon from fonts.gstatic.com; an emoji is drawn
    locally (Streamlit's frontend turns "emoji:…" into an inline SVG)."""
    from streamlit.commands.page_config import _get_favicon_string

    tree = ast.parse((UI / "app.py").read_text(encoding="utf-8"))
    icons = [k.value for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") ==
             "set_page_config" for k in n.keywords if k.arg == "page_icon"]
    assert len(icons) == 1 and isinstance(icons[0], ast.Constant)
    favicon = _get_favicon_string(icons[0].value)
    assert favicon.startswith("emoji:"), favicon


def test_public_page_refuses_without_a_client_address(org):
    """AppTest has no connection: the page refuses the opinion with one line and stores nothing."""
    from tests.apptest import open_app
    from tests.helpers import set_now

    _w, c = _consultation(org)
    set_now("2026-03-10T10:00:00+08:00")
    at = open_app(None, "public_consultation", None, None)
    at.text_area(key=f"op_text_{c['id']}").input("没有地址的意见")
    next(b for b in at.button if b.label == "提交意见").click()
    at.run()
    assert not at.exception and not at.success
    assert any("无法识别提交来源" in e.value for e in at.error)
