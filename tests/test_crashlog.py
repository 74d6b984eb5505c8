"""An unexpected exception in a `juece` command: one line on stderr (Chinese first), the traceback in a log
file it names, exit code 1 (decisions/cli/crashlog.py). Refusals (JueceError) keep their own exit codes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from decisions.cli import crashlog
from tests.streamlit_server import juece_environ

LINE = re.compile(r"^juece 内部错误：(?P<what>.+?)。详细信息已写入 (?P<path>/\S+?)（事件 (?P<incident>[0-9a-fT-]+)）"
                  r"/ internal error; the traceback is in (?P=path) \(incident (?P=incident)\)$")


def _boom() -> None:
    raise RuntimeError("the disk\nis on fire")


def test_unexpected_exception_is_one_line_and_a_log(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JUECE_LOG_DIR", str(tmp_path / "logs"))
    assert crashlog.run_guarded(_boom) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    m = LINE.match(err.strip())
    assert m, err
    assert m["what"] == "RuntimeError: the disk is on fire"
    log = Path(m["path"])
    assert log == (tmp_path / "logs" / "crash.log").resolve()
    text = log.read_text(encoding="utf-8")
    assert f"=== {m['incident']} " in text and "Traceback (most recent call last)" in text
    assert "in _boom" in text and "RuntimeError: the disk" in text and "versions: python " in text
    assert crashlog.run_guarded(_boom) == 1  # appended, not overwritten
    assert log.read_text(encoding="utf-8").count("Traceback (most recent call last)") == 2


@pytest.mark.parametrize(("code", "expected"), [(None, 0), (0, 0), (3, 3), (6, 6), ("usage: bad", 1)])
def test_exit_codes_pass_through(code, expected, capsys):
    def main() -> None:
        raise SystemExit(code)

    assert crashlog.run_guarded(main) == expected
    assert "内部错误" not in capsys.readouterr().err


def test_unwritable_log_dir_falls_back_to_the_data_dir(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("JUECE_LOG_DIR", str(blocker))
    monkeypatch.setenv("JUECE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LOGS_DIRECTORY", raising=False)
    assert crashlog.run_guarded(_boom) == 1
    m = LINE.match(capsys.readouterr().err.strip())
    assert m and Path(m["path"]) == (tmp_path / "data" / "logs" / "crash.log").resolve()


def test_cli_crash_is_one_line_not_a_traceback(tmp_path):
    """A real command with a broken setting (JUECE_MAX_FILE_MB is not a number): exit 1, one line, the log."""
    env = juece_environ(DATA_DIR=str(tmp_path / "data"), MAX_FILE_MB="fifty")
    env.pop("LOGS_DIRECTORY", None)
    r = subprocess.run([sys.executable, "-m", "decisions.cli", "list"], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr and r.stderr.count("\n") == 1
    m = LINE.match(r.stderr.strip())
    assert m and m["what"] == "ValueError: could not convert string to float: 'fifty'", r.stderr
    assert Path(m["path"]) == (tmp_path / "data" / "logs" / "crash.log").resolve()
    assert "JUECE_MAX_FILE_MB" in Path(m["path"]).read_text(encoding="utf-8")  # the failing line of settings.py


def test_refusals_keep_their_exit_codes(tmp_path):
    env = juece_environ(DATA_DIR=str(tmp_path / "data"))
    r = subprocess.run([sys.executable, "-m", "decisions.cli", "profile", "check", str(tmp_path / "none.toml")],
                       env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "内部错误" not in r.stderr and not (tmp_path / "data" / "logs").exists()
