"""Working like an OA: urging (催办) and the head's instruction (批示)."""

from __future__ import annotations

from typing import Annotated

import typer

from decisions.cli.base import AsOpt, IdArg, JsonOpt, app, run


@app.command("urge")
def urge_cmd(ident: IdArg, message: Annotated[str, typer.Option("--message", help="催办内容 / what to press for")],
             as_user: AsOpt, json_: JsonOpt = False) -> None:
    """催办：提醒下一步办理人 / urge the users who act next (the organ or the undertaking unit's head)."""
    from decisions.oa import service

    run(lambda: service.urge(ident, message=message, as_user=as_user), json_,
        lambda r: f"已催办 / urged {r['code']}：{'、'.join(r['to'])}")


@app.command("instruct")
def instruct_cmd(ident: IdArg, text: Annotated[str, typer.Option("--text", help="批示内容 / the instruction")],
                 as_user: AsOpt, json_: JsonOpt = False) -> None:
    """领导批示 / the head's instruction on a decision, at any stage (sent to the users who act next)."""
    from decisions.oa import service

    run(lambda: service.instruct(ident, text=text, as_user=as_user), json_,
        lambda r: f"已批示 / instruction recorded on {r['code']}" + (f"，已送 {'、'.join(r['to'])}" if r["to"] else ""))
