"""`juece archive`: filing a decision (归档, Art 33), the transfer package and its 四性检测 (DA/T 70)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from decisions.cli.base import AsOpt, JsonOpt, ReadAsOpt, app, run, state

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


@archive_app.command("export")
def export_cmd(ident: Annotated[str, typer.Argument(metavar="ID")],
               output: Annotated[Path, typer.Option("-o", "--output", help="新目录或 .zip 文件 / a new directory or a .zip")],
               as_user: ReadAsOpt = None, json_: JsonOpt = False) -> None:
    """移交包：说明文件（XML，符合 juece-aip.xsd）、签名的 PDF/A 案卷、原件、审计链 / the transfer package of a
    filed decision."""
    from decisions.archive import package

    run(lambda: package.export(ident, as_user=as_user, out=output), json_,
        lambda r: f"已导出移交包 / package written: {r['package']}（{r['code']}，{r['documents']} 件，{r['pages']} 页，"
                  f"{r['files']} 个文件{'，案卷已签名' if r['signed'] else ''}）")


@archive_app.command("check")
def check_cmd(package_path: Annotated[Path, typer.Argument(metavar="PACKAGE", help="移交包目录或 .zip")],
              output: Annotated[Path | None, typer.Option(
                  "-o", "--output", help="检测报告另存为 JSON 文件 / also write the report (JSON)")] = None,
              pdf_out: Annotated[Path | None, typer.Option(
                  "--pdf", help="检测报告另存为 PDF / also write the report as a PDF")] = None,
              json_: JsonOpt = False) -> None:
    """四性检测（DA/T 70）：真实性、完整性、可用性、安全性；任一项未通过退出码 6 / the four-property check."""
    from decisions.archive import checks

    def go() -> dict:
        report = checks.check_package(package_path)
        if output is not None:
            output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        if pdf_out is not None:
            from pdf import check_report

            pdf_out.write_bytes(check_report.render(report))
        if not report["ok"]:
            if json_ or state["json"]:
                typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
            else:
                typer.echo(checks.human(report), err=True)
            raise typer.Exit(6)
        return report

    run(go, json_, checks.human)
