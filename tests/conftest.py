"""Each test gets its own data dir and database, copied from a migrated template (fast, isolated)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import Org


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    from decisions.db import migrate

    d = tmp_path_factory.mktemp("template")
    old = {k: os.environ.get(k) for k in ("JUECE_DATA_DIR", "JUECE_DATABASE_URL")}
    os.environ["JUECE_DATA_DIR"] = str(d)
    os.environ["JUECE_DATABASE_URL"] = f"sqlite:///{d / 'juece.db'}"
    migrate()
    from decisions.db import get_engine

    get_engine().dispose()
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    return d / "juece.db"


@pytest.fixture()
def env(tmp_path: Path, template_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, migrated deployment in tmp_path; the clock pinned at 2026-03-02 09:00 China time."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(template_db, data / "juece.db")
    monkeypatch.setenv("JUECE_DATA_DIR", str(data))
    monkeypatch.setenv("JUECE_DATABASE_URL", f"sqlite:///{data / 'juece.db'}")
    monkeypatch.setenv("JUECE_NOW", "2026-03-02T09:00:00+08:00")
    monkeypatch.delenv("JUECE_LANG", raising=False)
    return data


@pytest.fixture()
def org(env: Path) -> Org:
    return Org.create()
