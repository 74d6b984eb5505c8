"""pyproject.toml lists its packages by name (``data/`` is installed as ``juece_data``, which a ``find`` directive
cannot express): a folder of code or data not listed would be missing from the wheel. This fast check names it;
tests/test_installed.py proves the installed package works."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    listed, mapping = set(config["packages"]), config.get("package-dir", {})
    folders = {"decisions": ROOT / "decisions", "workflow": ROOT / "workflow", "ui": ROOT / "ui",
               "pdf": ROOT / "pdf", **{name: ROOT / path for name, path in mapping.items()}}
    found = set()
    for name, top in folders.items():
        for d in [top, *(p for p in top.rglob("*") if p.is_dir())]:
            if "__pycache__" in d.parts or d.name.startswith("."):
                continue
            found.add(".".join([name, *d.relative_to(top).parts]))  # a package or a namespace package
    assert found - listed == set(), f"add to [tool.setuptools] packages in pyproject.toml: {sorted(found - listed)}"
    assert listed - found == set(), f"listed in pyproject.toml but no such folder: {sorted(listed - found)}"
