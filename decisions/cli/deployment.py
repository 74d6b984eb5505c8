"""Setting a deployment up: init, demo data, the workbench, procedure profiles."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from decisions.cli.base import JsonOpt, app, run, state
from decisions.errors import BadInput

profile_app = typer.Typer(no_args_is_help=True, help="程序配置 / procedure profiles")


app.add_typer(profile_app, name="profile")


@app.command("init")
def init_cmd(json_: JsonOpt = False) -> None:
    """创建或迁移数据库 / create or migrate the database."""
    from decisions.integrity.service import initialise
    from decisions.storage.settings import get_settings

    def go() -> dict:
        restored = initialise()
        return {"ok": True, "database": get_settings().database_url.split("@")[-1], "triggers_restored": restored}

    run(go, json_, lambda r: f"数据库已就绪 / database ready: {r['database']}" + (
        f"\n已恢复只可追加触发器 / append-only triggers restored: {', '.join(r['triggers_restored'])}"
        if r["triggers_restored"] else ""))


@app.command("demo")
def demo_cmd(json_: JsonOpt = False) -> None:
    """载入演示数据 / load the demo: offices, users, catalog, decisions at several stages."""
    from decisions import demo

    run(demo.load, json_, demo.describe)


@profile_app.command("check")
def profile_check(file: Annotated[Path, typer.Argument()], json_: JsonOpt = False) -> None:
    """校验程序配置文件 / validate a profile file."""
    from workflow import profiles

    def go() -> dict:
        if not file.is_file():
            raise BadInput(f"文件不存在 / file does not exist: {str(file)!r}")
        try:
            p = profiles.load_file(file)
        except profiles.ProfileError as exc:
            raise BadInput(str(exc)) from None
        return {"ok": True, "name": p.name, "version": p.version, "stages": p.stage_order}

    run(go, json_, lambda r: f"{r['name']} {r['version']}: ok ({len(r['stages'])} stages)")


@profile_app.command("list")
def profile_list(json_: JsonOpt = False) -> None:
    """可用的程序配置 / available profiles."""
    from workflow import profiles

    run(lambda: [{"name": n, "version": profiles.load(n).version, "title": profiles.load(n).title_zh}
                  for n in profiles.available()], json_,
         lambda rows: "\n".join(f"{r['name']}\t{r['version']}\t{r['title']}" for r in rows))


@app.command("ui")
def ui_cmd(port: Annotated[int, typer.Option("--port")] = 8501,
           address: Annotated[str, typer.Option("--address", help="监听地址 / bind address (default: this machine "
                                                "only; put a reverse proxy in front for others)")] = "127.0.0.1",
           worker: Annotated[bool, typer.Option("--worker/--no-worker", help="同时启动期限工作进程，随工作台退出 / "
                                                "also run the deadline worker, stopped with the workbench")] = False,
           ) -> None:
    """启动工作台 / start the Streamlit workbench (on 127.0.0.1 unless --address says otherwise)."""
    from decisions.storage.locations import ui_server

    app_path = ui_server()
    if not app_path.is_file():
        typer.echo("工作台尚未安装 / the workbench is not installed", err=True)
        raise typer.Exit(2)
    if worker:
        pid = start_worker()
        typer.echo(f"期限工作进程 / deadline worker: pid {pid}", err=True)
    os.execvp(sys.executable, [sys.executable, "-m", "streamlit", "run", str(app_path), *streamlit_args(port, address)])


def _die_with_parent() -> None:
    """In the worker child, before its exec: SIGTERM when the process that started it ends, whatever the cause
    (Linux prctl PR_SET_PDEATHSIG; elsewhere nothing, and the worker outlives a killed workbench)."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass


def start_worker() -> int:
    """`juece worker` as a child of this process, which then becomes the workbench (exec keeps the process):
    the worker is stopped when the workbench stops, also on Ctrl-C or a kill. Two workers never run the same
    pass (the worker holds a lease), so a second `juece ui --worker` is harmless."""
    import subprocess

    child = subprocess.Popen([sys.executable, "-m", "decisions.cli", "worker"],  # noqa: S603 - our own module
                             preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)  # noqa: PLW1509
    return child.pid


def streamlit_args(port: int, address: str = "127.0.0.1") -> list[str]:
    """The server configuration of the workbench: no toolbar, Deploy button or developer menu for the civil
    servants (client.toolbarMode viewer), no automatic page list by file name before the workbench's own menu
    (client.showSidebarNavigation false), nothing sent to Streamlit, and the uploader's limit the deployment's
    JUECE_MAX_FILE_MB (server.maxUploadSize, whole megabytes, rounded up)."""
    import math

    from decisions.storage.settings import get_settings

    upload_mb = max(1, math.ceil(get_settings().max_file_bytes / (1024 * 1024)))
    return ["--server.port", str(port), "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "viewer", "--client.showSidebarNavigation", "false",
            "--server.maxUploadSize", str(upload_mb)]


@app.command("doctor")
def doctor_cmd(json_: JsonOpt = False) -> None:
    """检查配置与运行状况 / check configuration and health (exit 1 naming each problem)."""
    from decisions import doctor

    raise typer.Exit(doctor.main(as_json=json_ or state["json"]))
