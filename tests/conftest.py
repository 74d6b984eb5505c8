"""Each test gets its own data dir and database, copied from a migrated template (fast, isolated).

The database is SQLite by default; ``JUECE_TEST_DB=postgresql`` runs the same tests against a real
PostgreSQL server started for the session (tests/pg.py), one fresh database per test created from a
migrated template database. ``make test`` runs the suite both ways.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import Org

BACKEND = os.environ.get("JUECE_TEST_DB", "sqlite").strip().lower()
if BACKEND in ("pg", "postgres"):
    BACKEND = "postgresql"
if BACKEND not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"JUECE_TEST_DB={BACKEND!r}: expected sqlite or postgresql")
NOW = "2026-03-02T09:00:00+08:00"


def pytest_report_header(config: pytest.Config) -> str:
    return f"juece test database: {BACKEND}"


def _migrate_into(url: str, data_dir: Path) -> None:
    from decisions.storage.db import dispose_engines, migrate

    old = {k: os.environ.get(k) for k in ("JUECE_DATA_DIR", "JUECE_DATABASE_URL")}
    os.environ["JUECE_DATA_DIR"] = str(data_dir)
    os.environ["JUECE_DATABASE_URL"] = url
    try:
        migrate()
    finally:
        dispose_engines(url)
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """The session's PostgreSQL cluster (only with JUECE_TEST_DB=postgresql)."""
    if BACKEND != "postgresql":
        pytest.skip("PostgreSQL runs with JUECE_TEST_DB=postgresql (make test runs both)")
    from tests.pg import Cluster

    cluster = Cluster.start()
    try:
        yield cluster
    finally:
        from decisions.storage.db import dispose_engines

        dispose_engines()
        cluster.stop()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite database file (on both runs; for a deployment on the run's own
    database — PostgreSQL with JUECE_TEST_DB=postgresql — use ``new_deployment``)."""
    d = tmp_path_factory.mktemp("template")
    _migrate_into(f"sqlite:///{d / 'juece.db'}", d)
    return d / "juece.db"


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory: pytest.TempPathFactory, pg_cluster) -> str:  # noqa: ANN001
    """The name of a migrated, empty PostgreSQL template database."""
    name = pg_cluster.create_database()
    _migrate_into(pg_cluster.url(name), tmp_path_factory.mktemp("pg-template"))
    return name


@pytest.fixture(scope="session")
def new_deployment(request: pytest.FixtureRequest) -> Callable[[Path], str]:
    """``new_deployment(data_dir) -> database URL``: a fresh migrated database on the run's backend,
    usable from fixtures of any scope (set JUECE_DATA_DIR / JUECE_DATABASE_URL to use it)."""
    if BACKEND == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        template = request.getfixturevalue("pg_template")

        def make(data_dir: Path) -> str:
            return cluster.url(cluster.create_database(template=template))
    else:
        template_file = request.getfixturevalue("template_db")

        def make(data_dir: Path) -> str:
            data_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(template_file, data_dir / "juece.db")
            return f"sqlite:///{data_dir / 'juece.db'}"
    return make


@pytest.fixture()
def env(tmp_path: Path, new_deployment: Callable[[Path], str], monkeypatch: pytest.MonkeyPatch,
        request: pytest.FixtureRequest) -> Iterator[Path]:
    """A fresh, migrated deployment in tmp_path; the clock pinned at 2026-03-02 09:00 China time."""
    from decisions.storage.db import dispose_engines

    data = tmp_path / "data"
    data.mkdir()
    cluster = request.getfixturevalue("pg_cluster") if BACKEND == "postgresql" else None
    url = new_deployment(data)
    monkeypatch.setenv("JUECE_DATA_DIR", str(data))
    monkeypatch.setenv("JUECE_DATABASE_URL", url)
    monkeypatch.setenv("JUECE_NOW", NOW)
    monkeypatch.delenv("JUECE_LANG", raising=False)
    yield data
    dispose_engines(url)
    if cluster is not None:
        cluster.drop_database(url.split("/")[-1].split("?")[0])


@pytest.fixture()
def org(env: Path) -> Org:
    return Org.create()


@dataclass
class ModuleDeployment:
    root: Path          # the module's own folder (data/ inside it, room for test files beside)
    data: Path
    url: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def module_deployment(tmp_path_factory: pytest.TempPathFactory, new_deployment: Callable[[Path], str],
                      request: pytest.FixtureRequest) -> Iterator[Callable[[], object]]:
    """One deployment shared by a whole test module (the hostile corpus, the role matrix, the isolation
    tests): ``with module_deployment() as d:`` inside a module-scoped fixture sets JUECE_* for the module and
    drops the database afterwards. The one way such a deployment is built."""
    from decisions.storage.db import dispose_engines

    cluster = request.getfixturevalue("pg_cluster") if BACKEND == "postgresql" else None  # not in teardown

    @contextmanager
    def deployment() -> Iterator[ModuleDeployment]:
        root = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
        data = root / "data"
        data.mkdir()
        url = new_deployment(data)
        d = ModuleDeployment(root=root, data=data, url=url,
                             env={"JUECE_DATA_DIR": str(data), "JUECE_DATABASE_URL": url, "JUECE_NOW": NOW})
        try:
            with pytest.MonkeyPatch.context() as mp:
                for k, v in d.env.items():
                    mp.setenv(k, v)
                for k in ("JUECE_LANG", "JUECE_MAX_FILE_MB", "JUECE_PROFILE_DIR"):
                    mp.delenv(k, raising=False)
                yield d
        finally:
            dispose_engines(url)
            if cluster is not None:
                cluster.drop_database(url.split("/")[-1].split("?")[0])

    return deployment
