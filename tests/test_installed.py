"""juece as a user gets it: a wheel built from this checkout, installed into a fresh virtual environment
outside the checkout, every command run from an empty directory with nothing of the checkout on sys.path.

What it proves: the shipped files are package data and found through importlib.resources (profiles, demo
catalogs, the ICC profile, migrations, the workbench), the default data directory is the per-user one,
`init`, `demo`, `worker --once`, `dossier`, `verify`, `verify --dossier`, `backup`, `restore` and `doctor`
work, `juece ui` serves its health endpoint, the workbench script runs, and an unexpected error is one line.

The wheel and the environment are made once per test session (``pip wheel`` of a copy of the checkout's
tracked and untracked-but-not-ignored files, then ``pip --python VENV install --no-compile WHEEL``, with the
dependencies from the configured index). On ``JUECE_TEST_DB=postgresql`` the installed juece runs on fresh
databases of the test cluster. Skipped only with ``JUECE_SKIP_INSTALLED=1``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import BACKEND
from tests.streamlit_server import free_port

ROOT = Path(__file__).resolve().parent.parent
SKIP_VAR = "JUECE_SKIP_INSTALLED"
NOW = "2025-12-01T09:00:00+08:00"  # this year and next are in chinesecalendar 1.11: `doctor` can be healthy
SALT = "installed-test-salt-3f9a2c71"
IGNORE = shutil.ignore_patterns(".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
                                "test-output", ".pytest_cache", ".hypothesis", ".ruff_cache")

pytestmark = pytest.mark.skipif(os.environ.get(SKIP_VAR, "") not in ("", "0"),
                                reason=f"{SKIP_VAR} is set: the installed-package test was skipped on request")


@dataclass
class Installed:
    venv: Path
    wheel: Path
    work: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def site_packages(self) -> Path:
        return next((self.venv / "lib").glob("python3*/site-packages"))


def _run(cmd: list[str], what: str, **kw) -> subprocess.CompletedProcess:  # noqa: ANN003
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        pytest.fail(f"{what} failed (exit {r.returncode}): {' '.join(map(str, cmd))}\n{r.stdout[-3000:]}\n"
                    f"{r.stderr[-3000:]}")
    return r


def _copy_checkout(dst: Path) -> None:
    """The files a clean clone plus the work in progress would have: tracked and untracked, not ignored."""
    git = shutil.which("git")
    listed = subprocess.run([git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True) if git else None
    if listed is None or listed.returncode != 0:
        shutil.copytree(ROOT, dst, ignore=IGNORE)
        return
    for rel in filter(None, listed.stdout.decode().split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("installed")
    src, wheels, venv = work / "src", work / "wheels", work / "venv"
    _copy_checkout(src)
    started = time.monotonic()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(src)],
         "building the wheel", timeout=600)
    wheel = next(wheels.glob("juece-*.whl"))
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], "creating the virtual environment", timeout=120)
    _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
          "--no-compile", str(wheel)], "installing the wheel", timeout=900)
    print(f"\ninstalled {wheel.name} into {venv} in {time.monotonic() - started:.0f} s")
    return Installed(venv, wheel, work)


class Deployment:
    """Runs the installed commands from an empty directory, with a home of its own and no JUECE_* settings."""

    def __init__(self, inst: Installed, base: Path, request: pytest.FixtureRequest):
        self.inst = inst
        self.home, self.cwd = base / "home", base / "cwd"
        self.home.mkdir()
        self.cwd.mkdir()
        drop = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "XDG_DATA_HOME", "XDG_STATE_HOME",
                "LOGS_DIRECTORY", "PYTHONSAFEPATH")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("JUECE_") and k not in drop}
        self.env.update(HOME=str(self.home), PATH=f"{inst.bin}{os.pathsep}{os.environ.get('PATH', '')}",
                        JUECE_NOW=NOW, JUECE_OPINION_SALT=SALT, STREAMLIT_SERVER_ADDRESS="127.0.0.1",
                        STREAMLIT_SERVER_FILE_WATCHER_TYPE="none", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
        self.cluster = request.getfixturevalue("pg_cluster") if BACKEND == "postgresql" else None
        if self.cluster is not None:
            self.env["JUECE_DATABASE_URL"] = self.cluster.url(self.cluster.create_database())

    def new_database(self) -> dict[str, str]:
        """The settings of a second, empty deployment (for restore)."""
        data = self.cwd / "restored"
        if self.cluster is not None:
            return {"JUECE_DATA_DIR": str(data), "JUECE_DATABASE_URL": self.cluster.url(self.cluster.create_database())}
        return {"JUECE_DATA_DIR": str(data)}

    def run(self, *args: str, expect: int = 0, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        cmd = [str(self.inst.bin / "juece"), *args]
        r = subprocess.run(cmd, cwd=self.cwd, env={**self.env, **(env or {})}, capture_output=True, text=True,
                           timeout=timeout)
        if r.returncode != expect:
            pytest.fail(f"`juece {' '.join(args)}` exited {r.returncode}, expected {expect}\n--- stdout\n"
                        f"{r.stdout[-4000:]}\n--- stderr\n{r.stderr[-4000:]}")
        return r

    def python(self, code: str, timeout: float = 180) -> str:
        r = subprocess.run([str(self.inst.bin / "python"), "-c", code], cwd=self.cwd, env=self.env,
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            pytest.fail(f"python -c in the installed environment failed:\n{code}\n{r.stdout}\n{r.stderr}")
        return r.stdout


@pytest.fixture()
def deployment(installed: Installed, tmp_path: Path, request: pytest.FixtureRequest) -> Deployment:
    return Deployment(installed, tmp_path, request)


def _shipped(folder: Path, pattern: str) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob(pattern)
            if p.is_file() and "__pycache__" not in p.parts}


def test_every_shipped_file_is_installed(installed: Installed):
    """Each data file of the checkout is in the installed package (a new kind of file needs a package-data glob)."""
    site = installed.site_packages()
    pairs = [(ROOT / "data", site / "juece_data"), (ROOT / "pdf", site / "pdf"), (ROOT / "ui", site / "ui"),
             (ROOT / "decisions" / "migrations", site / "decisions" / "migrations")]
    for checkout, package in pairs:
        missing = _shipped(checkout, "*") - _shipped(package, "*")
        assert not missing, f"not installed from {checkout.relative_to(ROOT)}/: {sorted(missing)}"


def test_installed_juece_works_from_anywhere(deployment: Deployment):
    d = deployment
    where = json.loads(d.python(
        "import json, sys, decisions, juece_data, pdf, ui, workflow\n"
        "from decisions.storage.locations import shipped_data, ui_app\n"
        "print(json.dumps({'modules': [m.__file__ for m in (decisions, juece_data, pdf, ui, workflow)],\n"
        "                  'data': str(shipped_data()), 'ui': str(ui_app()), 'path': sys.path}))"))
    site = str(d.inst.site_packages())
    for f in [*where["modules"], where["data"], where["ui"]]:
        assert f.startswith(site), f"{f} is not from the installed package ({site})"
    assert not [p for p in where["path"] if p and Path(p).resolve() == ROOT], "the checkout is on sys.path"

    default_dir = d.home / ".local" / "share" / "juece"   # XDG default: no JUECE_DATA_DIR anywhere here
    assert "数据库已就绪" in d.run("init").stdout
    if BACKEND == "sqlite":
        assert (default_dir / "juece.db").is_file()
    assert "演示数据已载入" in d.run("demo").stdout
    names = {r["name"] for r in json.loads(d.run("profile", "list", "--json").stdout)}
    assert names == {"state-council-2019", "liaoning-2023"}
    passed = json.loads(d.run("worker", "--once", "--json").stdout)
    assert passed["ran"] and passed["now"] == NOW

    dossier = d.cwd / "HD-2022-00001.pdf"
    r = d.run("dossier", "1", "-o", str(dossier), "--json")
    assert json.loads(r.stdout)["pages"] > 10 and dossier.read_bytes().startswith(b"%PDF-")
    assert "核验通过" in d.run("verify").stdout
    assert "案卷核验通过" in d.run("verify", "--dossier", str(dossier)).stdout

    backup = d.cwd / "backup"
    assert json.loads(d.run("backup", str(backup), "--json").stdout)["objects"] > 0
    assert (default_dir / "last-backup.json").is_file()
    restored = json.loads(d.run("restore", str(backup), "--json", env=d.new_database()).stdout)
    assert restored["verify"]["ok"]

    doctor = json.loads(d.run("doctor", "--json").stdout)
    assert doctor["ok"] and doctor["problems"] == []

    crash = d.run("list", expect=1, env={"JUECE_MAX_FILE_MB": "fifty"})
    assert crash.stderr.startswith("juece 内部错误：ValueError") and crash.stderr.count("\n") == 1
    assert "Traceback" not in crash.stderr
    assert "Traceback (most recent call last)" in (default_dir / "logs" / "crash.log").read_text("utf-8")


def test_installed_workbench_serves(deployment: Deployment):
    d = deployment
    d.run("init")
    # the workbench script itself, from the installed package (Streamlit's AppTest: runs the page without a browser)
    out = d.python("from streamlit.testing.v1 import AppTest\n"
                   "from decisions.storage.locations import ui_app\n"
                   "at = AppTest.from_file(str(ui_app()), default_timeout=120).run()\n"
                   "assert not at.exception, [e.message for e in at.exception]\n"
                   "print('pages ok', len(at.main))")
    assert out.startswith("pages ok")
    port = free_port()
    log = (d.cwd / "ui.log").open("wb")
    proc = subprocess.Popen([str(d.inst.bin / "juece"), "ui", "--port", str(port)], cwd=d.cwd, env=d.env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, body = time.monotonic() + 90, b""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                    body = resp.read().strip()
                    if body == b"ok":
                        break
            except OSError:
                time.sleep(0.3)
        log.flush()
        assert body == b"ok", f"juece ui did not answer /_stcore/health:\n{(d.cwd / 'ui.log').read_text(errors='replace')}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
            assert resp.status == 200 and b"<html" in resp.read().lower()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
