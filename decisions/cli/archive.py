"""`juece archive`: filing a decision (归档, Art 33), the transfer package and its 四性检测 (DA/T 70)."""

from __future__ import annotations

from typing import Annotated

import typer

from decisions.cli.base import AsOpt, JsonOpt, app, run

archive_app = typer.Typer(no_args_is_help=True, help="归档与移交 / filing and transfer to the archive (Art 33)")


app.add_typer(archive_app, name="archive")


@archive_app.command("file")
def file_cmd(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt,
             checker: Annotated[str | None, typer.Option(
                 "--checker", help="检查人（立卷人以外的第二人）/ the checker, a second person")] = None,
             json_: JsonOpt = False) -> None:
    """归档：为已终结的决策编定档号，此后决策只读 / file an ended decision with its 档号; read-only from then on."""
    from decisions.archive import service as archive

    run(lambda: archive.file_decision(ident, as_user=as_user, checker=checker), json_,
        lambda r: f"已归档 / archived: {r['decision']} 档号 {r['code']}（保管期限 {r['retention']}，密级 "
                  f"{r['classification']}，{r['access']}）；立卷人 {r['filer']}，检查人 {r['checker']}")

