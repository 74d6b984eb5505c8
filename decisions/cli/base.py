"""What every command group shares: the root Typer app, the common options, printing a result or a refusal
(exit codes of procedure.md §7), reading an input file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from decisions.errors import BadInput, Blocked, JueceError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="juece 重大行政决策程序引擎")


state = {"json": False}


JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读输出 / machine-readable output")]


AsOpt = Annotated[str, typer.Option("--as", help="执行操作的用户名 / acting username")]


ReadAsOpt = Annotated[str | None, typer.Option(
    "--as", help="以该用户的查看范围读取（缺省为服务器操作员，可见全部）/ read within this user's scope "
                 "(default: the server operator, who sees everything)")]


@app.callback()
def _main(json_: JsonOpt = False) -> None:
    state["json"] = json_


def emit(result: Any, as_json: bool, human: Callable[[Any], str] | None = None) -> None:
    if as_json or state["json"]:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    elif human is not None:
        typer.echo(human(result))
    else:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))


def run(fn: Callable[[], Any], as_json: bool, human: Callable[[Any], str] | None = None) -> None:
    try:
        result = fn()
    except JueceError as exc:
        if as_json or state["json"]:
            typer.echo(json.dumps(exc.to_json(), ensure_ascii=False, indent=2))
        elif isinstance(exc, Blocked):
            typer.echo("已阻止 / blocked — 以下要求尚未满足 / unmet requirements:", err=True)
            for u in exc.unmet:
                typer.echo(f"  - [{u.article}] {u.message}", err=True)
        else:
            typer.echo(f"错误 / error: {exc.message}", err=True)
        raise typer.Exit(exc.exit_code) from None
    emit(result, as_json, human)


def read_file(path: Path, what: str) -> bytes:
    if not path.exists():
        raise BadInput(f"{what}: 文件不存在 / file does not exist: {str(path)!r}")
    if not path.is_file():
        raise BadInput(f"{what}: 不是文件 / not a regular file: {str(path)!r}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{what}: 无法读取 / cannot read {str(path)!r}: {exc.strerror}") from None


IdArg = Annotated[str, typer.Argument(metavar="ID")]
