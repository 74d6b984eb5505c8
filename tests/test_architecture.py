"""Imports run one way (docs/architecture.md): no circle among the project's modules, no layer importing a
higher one, no module taking another module's ``_private`` name, pages reaching the data only through views
and use cases. Read from the source with ``ast`` (lazy imports inside functions count; ``if TYPE_CHECKING:``
blocks do not, they never run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("decisions", "workflow", "pdf", "ui")
CONCEPTS = ("procedure", "participation", "catalog", "deadlines", "aftercare", "archive", "integrity", "oa")

# layer of a module: a module may import its own layer and those below, never one above
KERNEL, STORAGE, MODELS, RECORDS, ACCOUNTS, CONCEPT, COMPOSED, ENTRY = range(8)


def layer(module: str) -> int:
    parts = module.split(".")
    if parts[0] == "pdf":
        return KERNEL                      # the renderer knows nothing of the database
    if parts[0] == "workflow":
        return ENTRY if parts[1:] == ["scheduler"] else STORAGE   # the worker process / procedure as data
    if parts[0] == "ui":
        return ENTRY + 1
    if module in ("decisions", "decisions.errors", "decisions.clock", "decisions.channel"):
        return KERNEL
    if module == "decisions.models" or parts[-1] == "models":
        return MODELS
    top = parts[1]
    return {"storage": STORAGE, "records": RECORDS, "accounts": ACCOUNTS, "workbench": COMPOSED,
            "reporting": COMPOSED, "cli": ENTRY, "demo": ENTRY, "doctor": ENTRY}.get(top, CONCEPT if top in CONCEPTS else -1)


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            rel = path.relative_to(ROOT).with_suffix("")
            if "migrations" in rel.parts:  # Alembic's environment and revisions: the schema's composition root
                continue
            name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
            out[name] = path
    return out


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(path: Path, name: str, known: dict[str, Path]) -> list[tuple[str, str]]:
    """(imported module, imported name or '') for every import of a project module in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = {id(n) for node in ast.walk(tree) if _type_checking(node) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.split(".")[0] in PACKAGES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in PACKAGES:
                continue
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.append((sub, "") if sub in known else (node.module, a.name))
    return [(m, n) for m, n in found if m in known and m != name]


def graph() -> tuple[dict[str, set[str]], list[str]]:
    known = modules()
    edges: dict[str, set[str]] = {m: set() for m in known}
    private = []
    for name, path in known.items():
        for target, imported in imports(path, name, known):
            edges[name].add(target)
            if imported.startswith("_") and not imported.startswith("__"):
                private.append(f"{name} imports {target}.{imported}")
    return edges, private


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def upward(edges: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} (layer {layer(a)}) imports {b} (layer {layer(b)})"
                  for a, targets in edges.items() for b in targets if layer(b) > layer(a))


def test_every_module_has_a_layer() -> None:
    assert [m for m in modules() if layer(m) < 0] == []


def test_no_circle_among_modules() -> None:
    edges, _ = graph()
    assert circles(edges) == []


def test_imports_run_downward() -> None:
    edges, _ = graph()
    assert upward(edges) == []


def test_no_module_takes_another_modules_private_name() -> None:
    _, private = graph()
    assert private == []


def test_pages_reach_the_data_only_through_views_and_use_cases() -> None:
    edges, _ = graph()
    direct = sorted(f"{page} imports {t}" for page, targets in edges.items() if page.startswith("ui")
                    for t in targets if t.endswith(".models") or t in ("decisions.storage.db",
                                                                      "decisions.storage.unit_of_work",
                                                                      "decisions.storage.statements"))
    assert direct == []


@pytest.mark.parametrize("bad", ["circle", "upward"])
def test_the_checks_catch_a_circle_and_an_upward_import(bad: str) -> None:
    """The checks themselves: a circle between two modules, storage importing the CLI."""
    edges, _ = graph()
    if bad == "circle":
        edges["decisions.records.audit"].add("decisions.procedure.service")
        assert any("decisions.records.audit" in c for c in circles(edges))
    else:
        edges["decisions.storage.db"].add("decisions.cli.base")
        assert upward(edges) == ["decisions.storage.db (layer 1) imports decisions.cli.base (layer 7)"]
