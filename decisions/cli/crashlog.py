"""No raw traceback for an operator: an unexpected exception in a `juece` command becomes one line.

`run_guarded(main)` runs the command line. A `JueceError` never gets here (the CLI turns it into its exit
code 2–7); anything else is a bug or a broken installation. Then the full traceback, with the command line,
the versions and the time, is appended to a log file, and stderr gets one line, Chinese first, naming the
exception, the log file and an incident id to find the entry::

    juece 内部错误：FileNotFoundError: [Errno 2] … 详细信息已写入 /var/log/juece/crash.log（事件 20261207T022301-4f2a）
    / internal error; the traceback is in /var/log/juece/crash.log (incident 20261207T022301-4f2a)

and the exit code is 1. The log file is the first writable of: ``$JUECE_LOG_DIR``, ``$LOGS_DIRECTORY``
(systemd ``LogsDirectory=``), ``<data directory>/logs``, ``<temp dir>/juece-<uid>``; it is one file,
``crash.log``, appended to (deploy/logrotate/juece rotates it). Set ``JUECE_TRACEBACK=1`` to also print the
traceback on stderr (development).
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

LOG_NAME = "crash.log"
EXIT_CRASH = 1


def _candidate_dirs() -> list[Path]:
    dirs = [os.environ.get("JUECE_LOG_DIR", ""), os.environ.get("LOGS_DIRECTORY", "").split(":")[0]]
    out = [Path(d) for d in dirs if d]
    try:  # the data directory as decisions.settings finds it, without parsing the rest (which may be what is broken)
        from decisions.storage.locations import default_data_dir

        out.append(Path(os.environ.get("JUECE_DATA_DIR") or default_data_dir()) / "logs")
    except Exception:  # noqa: BLE001
        pass
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    out.append(Path(tempfile.gettempdir()) / f"juece-{uid}")
    return out


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"python {platform.python_version()}", platform.platform()]
    for dist in ("juece", "streamlit", "SQLAlchemy", "reportlab", "pikepdf", "chinesecalendar"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} (not installed)")
    return ", ".join(parts)


def write_log(exc: BaseException, argv: list[str] | None = None) -> tuple[Path | None, str]:
    """Append the traceback of `exc` to the crash log: (the file, or None if no directory was writable; incident)."""
    now = datetime.now().astimezone()
    incident = f"{now:%Y%m%dT%H%M%S}-{os.getpid() & 0xFFFF:04x}"
    try:
        versions = _versions()
    except Exception:  # noqa: BLE001
        versions = f"python {platform.python_version()}"
    entry = "".join([
        f"=== {incident} {now.isoformat(timespec='seconds')} pid {os.getpid()}\n",
        f"command: {' '.join(argv if argv is not None else sys.argv)}\n",
        f"cwd: {os.getcwd()}\n",
        f"versions: {versions}\n",
        *traceback.format_exception(exc),
        "\n",
    ])
    for d in _candidate_dirs():
        try:
            d.mkdir(parents=True, exist_ok=True)
            path = d / LOG_NAME
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
            with os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(entry)
            return path.resolve(), incident
        except OSError:
            continue
    return None, incident


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = text if len(text) <= 200 else text[:197] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def report(exc: BaseException) -> int:
    """Log `exc`, print the one line, return the exit code."""
    path, incident = write_log(exc)
    if os.environ.get("JUECE_TRACEBACK", "") not in ("", "0"):
        traceback.print_exception(exc, file=sys.stderr)
    if path is None:
        where_zh, where_en = "（无法写入日志文件，设置 JUECE_LOG_DIR）", " (no writable log directory: set JUECE_LOG_DIR)"
        print(f"juece 内部错误：{_one_line(exc)}{where_zh} / internal error{where_en}; "
              "JUECE_TRACEBACK=1 prints the traceback", file=sys.stderr)
    else:
        print(f"juece 内部错误：{_one_line(exc)}。详细信息已写入 {path}（事件 {incident}）/ internal error; "
              f"the traceback is in {path} (incident {incident})", file=sys.stderr)
    return EXIT_CRASH


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # what sys.exit("message") prints
    return 1


def run_guarded(main: Callable[[], object]) -> int:
    """Run `main` (a command line that may end with SystemExit) and return its exit code; an unexpected
    exception is logged (`report`) and gives exit code 1 instead of a traceback."""
    try:
        result = main()
    except SystemExit as exc:
        return _exit_code(exc.code)
    except KeyboardInterrupt:
        print("已中断 / interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the point: nothing unexpected reaches the operator as a traceback
        return report(exc)
    return result if isinstance(result, int) else 0
