"""A hostile corpus (issue 3, "nothing lost, nothing forged"): path traversal, NUL bytes, huge names and
values, empty and oversize files, executables and bombs in disguise, invalid UTF-8, SQL and HTML, impossible
dates, unknown names, malformed profiles. Driven mostly through the CLI, as outside checks are.

Every refusal must be a clear error (BadInput → exit 2, NotFound → exit 5) naming the offending value (or
its first characters for a huge one) — and leave the database (row count of every table), the evidence
store (its set of files) and the audit chains (verify) exactly as they were. SQL and HTML that are valid
text are stored literally and come back verbatim.
"""

from __future__ import annotations

import json
import os
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, text
from typer.main import get_command

from decisions.accounts import service as directory
from decisions.cli import app
from decisions.errors import BadInput, JueceError, NotFound
from decisions.integrity import service as integrity
from decisions.procedure import service
from decisions.storage.db import get_engine
from tests.helpers import MEMBERS, PDF, Org, Walker
from workflow import profiles

runner = CliRunner()
COMMAND = get_command(app)  # built once: typer's runner rebuilds it on every call
SQL = "'; DROP TABLE decision; --"
HTML = "<script>alert('x')</script>"
HUGE = "长" * (10 * 1024 * 1024 // 3) + "x" * 2  # 10 MB of UTF-8 text
PROFILES = Path(__file__).resolve().parent.parent / "data" / "procedures"


# ----------------------------------------------------------------- one deployment for the module
@dataclass
class World:
    data: Path
    files: Path
    proposed: int = 0        # a decision in `proposed`
    drafting: int = 0        # a decision in `drafting`
    meeting: int = 0         # a decision in `collective_discussion`
    env: dict[str, str] = field(default_factory=dict)


def _bomb_declared() -> bytes:
    """A .docx whose directory claims a member of ~4 GB (nothing is inflated to see it)."""
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    data = bytearray(buf.getvalue())
    at = data.find(b"PK\x01\x02", 0)
    while at != -1:  # central directory entries: uncompressed size at offset 24
        struct.pack_into("<I", data, at + 24, 0xFFFFFF00)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def _bomb_real() -> bytes:
    """A real one: 640 MiB of zeros deflated into a few hundred KB, as word/document.xml."""
    buf = BytesIO()
    chunk = b"\x00" * (16 * 1024 * 1024)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            for _ in range(40):
                fh.write(chunk)
    return buf.getvalue()


def _write_files(d: Path) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / "doc.pdf").write_bytes(PDF)
    (d / "empty.pdf").write_bytes(b"")
    (d / "big.pdf").write_bytes(PDF + b"%" * 20_000)
    (d / "elf.pdf").write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"\x90" * 200)
    (d / "mz.pdf").write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + b"This program cannot be run")
    (d / "elf.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56)
    (d / "garbage.pdf").write_bytes(b"%PDF-\xff\xfe\x00\x01garbage" * 10)
    (d / "bomb.docx").write_bytes(_bomb_declared())
    (d / "bomb-real.docx").write_bytes(_bomb_real())
    (d / "bomb.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 20)
    (d / "bad-utf8.txt").write_bytes(b"\xff\xfe\xfd\xfc invalid")
    (d / "bad-utf8.csv").write_bytes(b"day,workday,note\n2027-01-01,0,\xff\xfe\n")
    (d / "bad-catalog.csv").write_bytes(b"\xff\xfe\xfa\n")
    (d / "..\\x.pdf").write_bytes(PDF)
    os.makedirs(os.fsencode(d / "raw"), exist_ok=True)
    with open(os.fsencode(d / "raw") + b"/\xff\xfe.pdf", "wb") as fh:
        fh.write(PDF)
    (d / "minutes.pdf").write_bytes(PDF)
    prof = d / "profiles"
    prof.mkdir(exist_ok=True)
    base = (PROFILES / "state-council-2019.toml").read_text(encoding="utf-8")
    for name, other in (("cycle-a", "cycle-b"), ("cycle-b", "cycle-a")):
        (prof / f"{name}.toml").write_text(f'name = "{name}"\nextends = "{other}"\nversion = "1.0.0"\n',
                                           encoding="utf-8")
    (prof / "selfish.toml").write_text('name = "selfish"\nextends = "selfish"\n', encoding="utf-8")
    (prof / "escape.toml").write_text('name = "escape"\nextends = "../../etc/passwd"\n', encoding="utf-8")
    (prof / "listy.toml").write_text('name = "listy"\nextends = ["a", "b"]\n', encoding="utf-8")
    (prof / "binary.toml").write_bytes(b'name = "binary"\ntitle_zh = "\xff\xfe"\n')
    noart = base.replace('name = "state-council-2019"', 'name = "no-article"', 1)
    first_rule = 'kind = "proposal", article = "Art 10" }'
    assert first_rule in noart
    (prof / "no-article.toml").write_text(noart.replace(first_rule, 'kind = "proposal" }', 1), encoding="utf-8")
    (prof / "state-council-2019.toml").write_text(base, encoding="utf-8")


@pytest.fixture(scope="module")
def world(module_deployment: Callable[[], Any]) -> Iterator[World]:
    with module_deployment() as d:
        w = World(data=d.data, files=d.root / "files")
        _write_files(w.files)
        w.env = d.env
        Org.create()
        w.proposed = Walker().new("待立项事项").id
        w.drafting = Walker().walk_to("drafting").id
        w.meeting = Walker().walk_to("collective_discussion").id
        yield w


@pytest.fixture()
def hostile(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    for k, v in world.env.items():
        monkeypatch.setenv(k, v)
    for k in ("JUECE_LANG", "JUECE_MAX_FILE_MB", "JUECE_PROFILE_DIR"):
        monkeypatch.delenv(k, raising=False)
    return world


def table_counts() -> dict[str, int]:
    """Rows of every table of the deployment."""
    engine = get_engine()
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()
                for t in sorted(inspect(engine).get_table_names())}


def stored_objects(data: Path) -> set[str]:
    base = data / "objects"
    return {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()} if base.exists() else set()


def state(w: World) -> tuple[dict[str, int], set[str]]:
    return table_counts(), stored_objects(w.data)


# ----------------------------------------------------------------- the corpus
@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...] = ()              # CLI arguments; {f}=files dir, {p}/{d}/{m}=decision ids
    call: Callable[[World], object] | None = None   # or a direct use-case call
    code: int = 2
    fragment: str = ""                      # must appear in the message
    env: tuple[tuple[str, str], ...] = ()


def ev(kind: str, file: str, *meta: str, did: str = "{p}", user: str = "organ") -> tuple[str, ...]:
    args: list[str] = ["evidence", "add", did, "--kind", kind, file, "--as", user]
    for m in meta:
        args += ["--meta", m]
    return tuple(args)


def new(title: str = "T", organ: str = "CITY", undertaker: str = "CITY-DRC", category: str = "1",
        source: str = "leader", *extra: str) -> tuple[str, ...]:
    return ("decision", "new", "--title", title, "--organ", organ, "--undertaker", undertaker, "--category", category,
            "--source", source, "--as", "organ", *extra)


def meeting(date: str = "2026-05-20", members: str = "7", minutes: str = "{f}/minutes.pdf",
            positions: tuple[str, ...] = (), outcome: str = "approve") -> tuple[str, ...]:
    pos = positions or (*(f"{m}=approve" for m in MEMBERS[1:]), "mayor=approve")
    args = ["meeting", "{m}", "--type", "executive", "--date", date, "--minutes", minutes, "--members", members,
            "--head", "mayor", "--outcome", outcome, "--as", "secretary"]
    for p in pos:
        args += ["--position", p]
    return tuple(args)


def svc_evidence(filename: str, data: bytes = PDF, **meta: str) -> Callable[[World], object]:
    return lambda w: service.add_evidence(w.proposed, kind="proposal", filename=filename, data=data,
                                          meta={"source": "leader", **meta}, as_user="organ")


def triggers(*sets: str, reasons: tuple[str, ...] = ()) -> tuple[str, ...]:
    args = ["decision", "triggers", "{d}", "--as", "drafter"]
    for s_ in sets:
        args += ["--set", s_]
    for r in reasons:
        args += ["--reason", r]
    return tuple(args)


def profile_load(name: str) -> Callable[[World], object]:
    def go(w: World) -> object:
        try:
            return profiles.load_file(w.files / "profiles" / f"{name}.toml")
        except profiles.ProfileError as exc:
            raise BadInput(str(exc)) from None
    return go


CASES = [
    # --- paths in file names
    Case("traversal-service", call=svc_evidence("../../etc/passwd"), fragment="../../etc/passwd"),
    Case("absolute-service", call=svc_evidence("/etc/passwd"), fragment="/etc/passwd"),
    Case("backslash-service", call=svc_evidence("..\\x.pdf"), fragment="x.pdf"),
    Case("drive-service", call=svc_evidence("C:\\Windows\\x.pdf"), fragment="Windows"),
    Case("dotdot-service", call=svc_evidence(".."), fragment="'..'"),
    Case("backslash-cli", args=ev("proposal", "{f}/..\\x.pdf", "source=leader"), fragment="x.pdf"),
    Case("traversal-cli-missing", args=ev("proposal", "{f}/../../../../etc/nonexistent.pdf", "source=leader"),
         fragment="nonexistent.pdf"),
    Case("absolute-cli-etc-passwd", args=ev("proposal", "/etc/passwd", "source=leader"), fragment="passwd"),
    Case("directory-cli", args=ev("proposal", "{f}", "source=leader"), fragment="files"),
    # --- NUL bytes
    Case("nul-filename", call=svc_evidence("a\x00.pdf"), fragment="a\\x00.pdf"),
    Case("nul-title", args=new("标题\x00尾巴"), fragment="标题\\x00尾巴"),
    Case("nul-meta-value", args=ev("draft", "{f}/doc.pdf", "version=v1\x00evil", did="{d}", user="drafter"),
         fragment="v1\\x00evil"),
    Case("nul-meta-key", args=ev("proposal", "{f}/doc.pdf", "sou\x00rce=leader"), fragment="sou\\x00rce"),
    Case("nul-trigger-reason", args=triggers("npc_scope=no", reasons=("npc_scope=无\x00关",)), fragment="无\\x00关"),
    Case("nul-meta-service", call=svc_evidence("p.pdf", source="leader\x00"), fragment="leader\\x00"),
    # --- huge names and values
    Case("filename-1000", call=svc_evidence("名" * 996 + ".pdf"), fragment="名" * 20),
    Case("title-1000", args=new("题" * 1000), fragment="题" * 20),
    Case("office-code-1000", args=("office", "add", "C" * 1000, "--name", "X", "--level", "city"), fragment="C" * 40),
    Case("meta-10MB", args=ev("draft", "{f}/doc.pdf", f"version={HUGE}", did="{d}", user="drafter"),
         fragment=HUGE[:30]),
    Case("title-10MB", args=new(HUGE), fragment=HUGE[:30]),
    Case("kind-10MB", args=ev(HUGE[:100_000], "{f}/doc.pdf"), fragment=HUGE[:30]),
    # --- empty, oversize, disguised, malformed, bombs
    Case("empty-file", args=ev("proposal", "{f}/empty.pdf", "source=leader"), fragment="empty.pdf"),
    Case("over-limit", args=ev("proposal", "{f}/big.pdf", "source=leader"), fragment="big.pdf",
         env=(("JUECE_MAX_FILE_MB", "0.01"),)),
    Case("elf-as-pdf", args=ev("proposal", "{f}/elf.pdf", "source=leader"), fragment="elf.pdf"),
    Case("mz-as-pdf", args=ev("proposal", "{f}/mz.pdf", "source=leader"), fragment="mz.pdf"),
    Case("elf-as-txt", args=ev("proposal", "{f}/elf.txt", "source=leader"), fragment="elf.txt"),
    Case("malformed-pdf", args=ev("proposal", "{f}/garbage.pdf", "source=leader"), fragment="garbage.pdf"),
    Case("zip-bomb-declared", args=ev("proposal", "{f}/bomb.docx", "source=leader"), fragment="bomb.docx"),
    Case("zip-bomb-real", args=ev("proposal", "{f}/bomb-real.docx", "source=leader"), fragment="bomb-real.docx"),
    Case("gzip-bomb", args=ev("proposal", "{f}/bomb.gz", "source=leader"), fragment=".gz"),
    Case("minutes-elf", args=meeting(minutes="{f}/elf.pdf"), fragment="elf.pdf"),
    # --- invalid UTF-8
    Case("utf8-filename-cli", args=ev("proposal", "{f}/raw/\udcff\udcfe.pdf", "source=leader"),
         fragment="\\udcff\\udcfe.pdf"),
    Case("utf8-title", args=new("坏\udcff标题"), fragment="\\udcff"),
    Case("utf8-meta", args=ev("proposal", "{f}/doc.pdf", "source=lea\udcffder"), fragment="\\udcff"),
    Case("utf8-text-file", args=ev("proposal", "{f}/bad-utf8.txt", "source=leader"), fragment="bad-utf8.txt"),
    Case("utf8-calendar-csv", args=("calendar", "import", "{f}/bad-utf8.csv", "--as", "admin"),
         fragment="bad-utf8.csv"),
    Case("utf8-catalog-csv", args=("catalog", "import", "CITY", "2026", "{f}/bad-catalog.csv", "--as", "organ"),
         fragment="bad-catalog.csv"),
    # --- SQL and HTML where a name is looked up (unknown, refused, nothing run)
    Case("sql-kind", args=ev(SQL, "{f}/doc.pdf"), fragment=SQL),
    Case("sql-decision-id", args=("advance", SQL, "--as", "organ"), code=5, fragment=SQL),
    Case("sql-user", args=("advance", "{p}", "--as", SQL), code=5, fragment=SQL),
    Case("html-enum-value", args=ev("proposal", "{f}/doc.pdf", f"source={HTML}"), fragment=HTML),
    Case("sql-organ", args=new("T", SQL), code=5, fragment=SQL),
    # --- dates
    Case("date-feb-30", args=ev("start_decision", "{f}/doc.pdf", "date=2026-02-30"), fragment="2026-02-30"),
    Case("date-month-13", args=ev("start_decision", "{f}/doc.pdf", "date=2026-13-01"), fragment="2026-13-01"),
    Case("date-empty", args=ev("start_decision", "{f}/doc.pdf", "date="), fragment="date"),
    Case("meeting-date-feb-30", args=meeting(date="2026-02-30"), fragment="2026-02-30"),
    Case("meeting-date-empty", args=meeting(date=""), fragment="--date"),
    Case("calendar-month-13", args=("calendar", "set", "2026-13-01", "--rest", "--as", "admin"), fragment="2026-13-01"),
    # --- unknown kind / stage / user / decision / office
    Case("unknown-kind", args=ev("mystery_kind", "{f}/doc.pdf"), fragment="mystery_kind"),
    Case("unknown-stage", args=("list", "--state", "purgatory"), fragment="purgatory"),
    Case("unknown-user", args=ev("proposal", "{f}/doc.pdf", "source=leader", user="ghost"), code=5, fragment="ghost"),
    Case("unknown-decision", args=ev("proposal", "{f}/doc.pdf", "source=leader", did="424242"), code=5,
         fragment="424242"),
    Case("huge-decision-id", args=("advance", "99999999999999999999999", "--as", "organ"), code=5,
         fragment="99999999999999999999999"),
    Case("superscript-decision-id", args=("advance", "²", "--as", "organ"), code=5, fragment="²"),
    Case("huge-catalog-id", args=new("T", "CITY", "CITY-DRC", "1", "leader", "--catalog", "9" * 30), code=5,
         fragment="9" * 30),
    Case("unknown-undertaker", args=new("T", "CITY", "NOWHERE"), code=5, fragment="NOWHERE"),
    Case("unknown-meeting-member", args=meeting(positions=("ghost=approve", "mayor=approve")), code=5,
         fragment="ghost"),
    Case("unknown-meta-key", args=ev("proposal", "{f}/doc.pdf", "source=leader", "colour=red"),
         fragment="colour"),
    # --- trigger values other than yes/no
    Case("trigger-maybe", args=triggers("stability_risk=maybe"), fragment="maybe"),
    Case("trigger-YES", args=triggers("stability_risk=YES"), fragment="YES"),
    Case("trigger-1", args=triggers("stability_risk=1"), fragment="'1'"),
    Case("trigger-empty", args=triggers("stability_risk="), fragment="stability_risk"),
    Case("trigger-unknown", args=triggers("weather=no"), fragment="weather"),
    Case("trigger-sql", args=triggers(f"stability_risk={SQL}"), fragment=SQL),
    # --- other malformed numbers
    Case("category-superscript", args=new("T", "CITY", "CITY-DRC", "²"), fragment="²"),
    Case("category-float", args=new("T", "CITY", "CITY-DRC", "1e3"), fragment="1e3"),
    Case("members-word", args=meeting(members="seven"), fragment="seven"),
    Case("int-meta-unicode-digits", args=ev("opinion_register", "{f}/doc.pdf", "received=²", "adopted=0",
                                            "partially_adopted=0", "not_adopted=0", did="{d}", user="drafter"),
         fragment="²"),
    # --- profiles (the loader, in a temporary folder)
    Case("profile-extends-cycle", args=("profile", "check", "{f}/profiles/cycle-a.toml"), fragment="extends"),
    Case("profile-extends-self", args=("profile", "check", "{f}/profiles/selfish.toml"), fragment="selfish"),
    Case("profile-extends-path", args=("profile", "check", "{f}/profiles/escape.toml"), fragment="../../etc/passwd"),
    Case("profile-extends-list", args=("profile", "check", "{f}/profiles/listy.toml"), fragment="extends"),
    Case("profile-not-utf8", args=("profile", "check", "{f}/profiles/binary.toml"), fragment="binary.toml"),
    Case("profile-rule-without-article", args=("profile", "check", "{f}/profiles/no-article.toml"),
         fragment="stages.proposed.rules[0].article"),
    Case("profile-loader-cycle", call=profile_load("cycle-b"), fragment="cycle-b"),
    Case("profile-loader-no-article", call=profile_load("no-article"), fragment="Field required"),
]


def _fmt(w: World, arg: str) -> str:
    return (arg.replace("{f}", str(w.files)).replace("{p}", str(w.proposed)).replace("{d}", str(w.drafting))
            .replace("{m}", str(w.meeting)))


def test_corpus_is_large_enough():
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_refused_clearly_and_nothing_changes(hostile: World, case: Case,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in case.env:
        monkeypatch.setenv(k, v)
    before = state(hostile)
    if case.call is not None:
        with pytest.raises(JueceError) as info:
            case.call(hostile)
        assert isinstance(info.value, BadInput if case.code == 2 else NotFound), info.value
        message = info.value.message
    else:
        argv = [_fmt(hostile, a) for a in case.args]
        result = runner.invoke(COMMAND, argv)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        message = result.stderr + result.stdout
        assert result.exit_code == case.code, f"exit {result.exit_code}: {message[:2000]}"
    assert case.fragment in message, message[:2000]
    assert len(message) < 4000, f"the message should name a huge value by its start only ({len(message)} chars)"
    assert state(hostile) == before
    assert integrity.verify()["ok"]


# ----------------------------------------------------------------- stored literally, harmless
LITERAL_TITLES = [SQL, HTML, "Robert'); DROP TABLE auditevent;--", "<img src=x onerror=alert(1)> & \"quotes\"",
                  "%s %(x)s {0} $1 ? :name", "１２３ 全角 ＜ｓｃｒｉｐｔ＞ עברית RTL"]  # bidi overrides are refused: test_hostile_web.py


@pytest.mark.parametrize("title", LITERAL_TITLES, ids=range(len(LITERAL_TITLES)))
def test_sql_and_html_in_titles_stored_verbatim(hostile: World, title: str) -> None:
    before = table_counts()
    r = runner.invoke(COMMAND, [*new(title), "--json"])
    assert r.exit_code == 0, r.stderr
    did = json.loads(r.stdout)["id"]
    shown = json.loads(runner.invoke(COMMAND, ["show", str(did), "--json"]).stdout)
    assert shown["title"] == title
    after = table_counts()
    assert set(after) == set(before) and after["decision"] == before["decision"] + 1
    assert inspect(get_engine()).has_table("decision") and inspect(get_engine()).has_table("auditevent")
    assert integrity.verify()["ok"]


def test_sql_and_html_in_metadata_and_filenames_stored_verbatim(hostile: World) -> None:
    did = Walker().walk_to("drafting").id
    weird = hostile.files / "<img src=x onerror=alert(1)> '; DROP TABLE evidence; --.pdf"
    weird.write_bytes(PDF)
    r = runner.invoke(COMMAND, ["evidence", "add", str(did), "--kind", "draft", str(weird), "--meta", f"version={SQL}",
                            "--meta", f"alternative={HTML}", "--as", "drafter", "--json"])
    assert r.exit_code == 0, r.stderr
    shown = json.loads(runner.invoke(COMMAND, ["show", str(did), "--json"]).stdout)
    item = next(e for e in shown["evidence"] if e["kind"] == "draft" and e["filename"] == weird.name)
    assert item["meta"] == {"version": SQL, "alternative": HTML}
    assert inspect(get_engine()).has_table("evidence")
    assert integrity.verify()["ok"]


def test_meta_just_under_the_limit_is_accepted(hostile: World) -> None:
    from decisions.procedure.metadata import MAX_VALUE_CHARS
    did = Walker().walk_to("drafting").id
    r = service.add_evidence(did, kind="legal_basis", filename="laws.pdf", data=PDF,
                             meta={"laws": "法" * MAX_VALUE_CHARS}, as_user="drafter")
    assert len(r["meta"]["laws"]) == MAX_VALUE_CHARS
    with pytest.raises(BadInput, match="10000"):
        service.add_evidence(did, kind="legal_basis", filename="laws.pdf", data=PDF,
                             meta={"laws": "法" * (MAX_VALUE_CHARS + 1)}, as_user="drafter")


def test_directory_inputs_refused(hostile: World) -> None:
    before = state(hostile)
    for bad in ("a\x00b", "x" * 65, "../x", "名字"):
        with pytest.raises(BadInput):
            directory.add_user(bad, "n", "CITY", ["drafter"])
    assert state(hostile) == before
