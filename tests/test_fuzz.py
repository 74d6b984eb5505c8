"""Fuzzing (Hypothesis) of what reads outside input: the profile loader (random and mutated TOML text, random
structures where the real profile has its values) and the metadata parsers (``--meta KEY=VALUE`` pairs,
metadata against each evidence kind's schema, and the CLI reading them). Only the clear errors may come
out — ProfileError, BadInput — never another exception."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.main import get_command

from decisions.cli import app
from decisions.errors import BadInput
from decisions.procedure import metadata
from decisions.storage.db import dispose_engines
from tests.conftest import BACKEND, NOW
from tests.helpers import PDF, Org, Walker
from workflow import profiles

settings.register_profile("fuzz", max_examples=120, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
FUZZ = settings.get_profile("fuzz")
SOURCE = Path(__file__).resolve().parent.parent / "data" / "procedures"
BASE_TEXT = (SOURCE / "state-council-2019.toml").read_text(encoding="utf-8")
BASE = tomllib.loads(BASE_TEXT)
PROFILE = profiles.load_file(SOURCE / "state-council-2019.toml")

# text with the characters that break parsers: quotes, brackets, equals, newlines, NUL, surrogates, CJK
_pieces = st.one_of(st.sampled_from(list("[]{}=\"',.#\n\t\\ \x00\udcff长-_") + ["\r\n", "'''", '"""']),
                    st.characters())
nasty = st.lists(_pieces, max_size=40).map("".join)


# ----------------------------------------------------------------- the profile loader
@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fuzz-profiles")
    (d / "state-council-2019.toml").write_text(BASE_TEXT, encoding="utf-8")
    return d


def load_text(folder: Path, body: bytes, name: str = "fz") -> None:
    path = folder / f"{name}.toml"
    path.write_bytes(body)
    try:
        profiles.load_file(path)
    except profiles.ProfileError as exc:
        assert str(path) in str(exc) or "state-council-2019" in str(exc), str(exc)


@FUZZ
@given(body=st.one_of(nasty.map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary(max_size=200)))
def test_random_text_only_profile_errors(folder: Path, body: bytes) -> None:
    load_text(folder, body)


def _mutate(draw: st.DrawFn) -> bytes:
    lines = BASE_TEXT.replace('name = "state-council-2019"', 'name = "fz"', 1).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "replace", "insert", "cut", "duplicate", "swap"]))
        if op == "delete":
            del lines[i]
        elif op == "replace":
            lines[i] = draw(nasty) + "\n"
        elif op == "insert":
            lines.insert(i, draw(nasty) + "\n")
        elif op == "cut":
            j = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:j] + "\n"
        elif op == "duplicate":
            lines.insert(i, lines[i])
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        if not lines:
            lines = ["\n"]
    return "".join(lines).encode("utf-8", "surrogatepass")


@FUZZ
@given(body=st.composite(lambda draw: _mutate(draw))())
def test_mutated_profile_text_only_profile_errors(folder: Path, body: bytes) -> None:
    load_text(folder, body)


toml_scalar = st.one_of(st.text(max_size=20), st.integers(-10, 10**12), st.floats(allow_nan=True),
                        st.booleans(), st.sampled_from(["always", "drafter", "proposal", "Art 10", "1.0.0",
                                                        "state-council-2019", "fz", "evidence", "../x"]))
toml_value = st.recursive(toml_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)


def _paths(tree: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _paths(v, (*prefix, i))


ALL_PATHS = [p for p in _paths(BASE) if p]


@st.composite
def mutated_structure(draw: st.DrawFn) -> dict:
    data = copy.deepcopy(BASE)
    data["name"] = "fz"
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ALL_PATHS))
        node: Any = data
        try:
            for key in path[:-1]:
                node = node[key]
            if draw(st.booleans()) and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = draw(toml_value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation changed the shape under this path
    if draw(st.integers(0, 9)) == 0:
        data["extends"] = draw(toml_value)
    return data


@FUZZ
@given(data=st.one_of(mutated_structure(), st.dictionaries(st.text(max_size=10), toml_value, max_size=6)))
def test_random_structures_only_profile_errors(folder: Path, data: dict,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real_read = profiles._read
    path = folder / "fz.toml"
    path.write_text("# read through the patched reader\n", encoding="utf-8")
    with monkeypatch.context() as mp:
        mp.setattr(profiles, "_read", lambda p: data if p.stem == "fz" else real_read(p))
        try:
            profiles.load_file(path)
        except profiles.ProfileError as exc:
            assert str(exc)


# ----------------------------------------------------------------- the metadata parsers
pair_text = st.one_of(nasty, st.builds(lambda k, v: f"{k}={v}", nasty, nasty),
                      st.builds(lambda k, v: f"{k}={v}", st.sampled_from(sorted({m for k in PROFILE.kinds.values()
                                                                                 for m in k.meta})), nasty))


@FUZZ
@given(pairs=st.lists(pair_text, max_size=6))
def test_parse_pairs_bad_input_or_pairs(pairs: list[str]) -> None:
    try:
        out = metadata.parse_pairs(pairs, "--meta")
    except BadInput as exc:
        assert exc.message and len(exc.message) < 2000
        return
    assert all("=" in p for p in pairs) and len(out) == len(pairs)
    for key, value in out.items():
        assert key and "\x00" not in key + value
        key.encode("utf-8") and value.encode("utf-8")


meta_value = st.one_of(nasty, st.sampled_from(["yes", "no", "2026-03-02", "2026-02-30", "0", "10", "-1", "²", "١٢",
                                               "CITY", "leader", "lawful", "open_comment", "controllable", " yes ",
                                               "2026-W10-1", "20260302", ""]),
                       st.integers(-5, 10**20).map(str), st.integers(9_990, 10_010).map(lambda n: "法" * n))


@FUZZ
@given(kind=st.sampled_from(sorted(PROFILE.kinds)), raw=st.dictionaries(
    st.one_of(st.sampled_from(sorted({m for k in PROFILE.kinds.values() for m in k.meta})), nasty), meta_value,
    max_size=6))
def test_metadata_validate_bad_input_or_clean(kind: str, raw: dict[str, str]) -> None:
    spec = PROFILE.kinds[kind]
    try:
        clean = metadata.validate(kind, spec, raw, lambda code: code == "CITY")
    except BadInput as exc:
        assert exc.message and len(exc.message) < 2000
        return
    assert set(clean) == set(raw)
    for key, value in clean.items():
        field = spec.meta[key]
        if field.type == "int":
            assert isinstance(value, int) and value >= 0
        elif field.type == "yesno":
            assert value in ("yes", "no")
        elif field.type == "enum":
            assert value in field.values


# ----------------------------------------------------------------- the CLI reading --meta
@pytest.fixture(scope="module")
def drafting(tmp_path_factory: pytest.TempPathFactory, new_deployment: Callable[[Path], str],
             request: pytest.FixtureRequest) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("fuzz-cli") / "data"
    data.mkdir()
    url = new_deployment(data)
    doc = data.parent / "doc.pdf"
    doc.write_bytes(PDF)
    cluster = request.getfixturevalue("pg_cluster") if BACKEND == "postgresql" else None
    with pytest.MonkeyPatch.context() as mp:
        for k, v in {"JUECE_DATA_DIR": str(data), "JUECE_DATABASE_URL": url, "JUECE_NOW": NOW}.items():
            mp.setenv(k, v)
        Org.create()
        yield str(Walker().walk_to("drafting").id), doc
        dispose_engines(url)
    if cluster is not None:
        cluster.drop_database(url.split("/")[-1].split("?")[0])


COMMAND = get_command(app)


@settings(FUZZ, max_examples=40)
@given(pairs=st.lists(st.one_of(pair_text, st.builds(lambda v: f"version={v}", meta_value)), min_size=1, max_size=3))
def test_cli_meta_exit_0_or_2(drafting: tuple[str, Path], pairs: list[str]) -> None:
    did, doc = drafting
    args = ["evidence", "add", did, "--kind", "draft", str(doc), "--as", "drafter"]
    for p in pairs:
        args += ["--meta", p]
    r = CliRunner().invoke(COMMAND, args)
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.exit_code in (0, 2), r.stdout + r.stderr
