"""The record: verify (database, evidence, a dossier file), the dossier, backup and restore."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from decisions.cli.base import JsonOpt, ReadAsOpt, app, read_file, run, state
from decisions.errors import BadInput


@app.command("verify", help=(
    "核验材料哈希与审计链 / verify evidence fixity and the audit chain (exit 6 on any break).\n\n"
    "--as：以该用户的查看范围核验。指定的决策不在其范围内时退出码 4；不指定决策时只核验该用户可查看的决策，"
    "系统审计链（单位、用户、目录）和范围外的决策不核验，并说明有多少项决策未核验。\n\n"
    "--as: verify within that user's scope. A decision outside it exits 4; without ID only the decisions that "
    "user may open are verified (not the system chain of offices, users and catalogs), and the output says how "
    "many decisions were left out."))
def verify_cmd(ident: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
               dossier: Annotated[Path | None, typer.Option("--dossier", help="核验案卷文件 / verify a dossier PDF")] = None,
               offline: Annotated[bool, typer.Option(
                   "--offline", help="仅凭案卷文件核验（签名、内嵌清单与原件、元数据），不读数据库 / verify the file alone: "
                                     "signature, embedded manifest and originals, metadata; no database")] = False,
               trust_root: Annotated[list[Path] | None, typer.Option(
                   "--trust-root", help="信任的根证书（PEM）/ trusted root certificate (PEM)")] = None,
               as_user: ReadAsOpt = None, json_: JsonOpt = False) -> None:
    """核验材料哈希与审计链 / verify evidence fixity and the audit chain (exit 6 on any break)."""
    from decisions.integrity import service as integrity

    if dossier is not None and as_user is not None:
        def refuse() -> dict:
            raise BadInput("--as 不适用于 --dossier（核验的是案卷文件本身）/ --as does not apply to --dossier")

        run(refuse, json_)
        return
    if dossier is not None and offline:
        from pdf import offline as offline_check

        raise typer.Exit(offline_check.cli(dossier, trust_root or (), as_json=json_ or state["json"],
                                           out=typer.echo, err=lambda s: typer.echo(s, err=True)))
    if dossier is not None:
        _verify_dossier(dossier, ident, json_)
        return

    def scope_note(r: dict) -> str:
        sc = r.get("scope")
        if ident is not None or not sc or sc["system_chain_checked"]:
            return ""
        return (f"\n  范围 / scope: 仅核验 {sc['user']} 可查看的 {sc['decisions_checked']} 项决策；"
                f"另有 {sc['decisions_out_of_scope']} 项决策及系统审计链不在其查看范围内，未核验 / only the "
                f"{sc['decisions_checked']} decisions {sc['user']} may open were verified; "
                f"{sc['decisions_out_of_scope']} decisions and the system chain are outside that scope")

    def go() -> dict:
        result = integrity.verify(ident, as_user=as_user)
        if not result["ok"]:
            if json_ or state["json"]:
                typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            else:
                typer.echo("核验失败 / integrity failure:", err=True)
                for p in result["problems"]:
                    typer.echo(f"  - {p}", err=True)
                if scope_note(result):
                    typer.echo(scope_note(result).lstrip("\n"), err=True)
            raise typer.Exit(6)
        return result

    def unchecked_note(r: dict) -> str:
        n = len(r.get("unchecked") or [])
        return (f"\n  {n} 项较早的记录未载入审计链，无法比对（--json 列出）/ {n} older rows the trail does not carry "
                "could not be compared (listed under --json)") if n else ""

    run(go, json_, lambda r: f"核验通过 / clean: {r['evidence_checked']} evidence files, "
                              f"{r['events_checked']} audit events" + scope_note(r) + unchecked_note(r))


@app.command("backup")
def backup_cmd(path: Annotated[Path, typer.Argument(metavar="PATH", help="新目录 / a new directory")],
               json_: JsonOpt = False) -> None:
    """一致性备份：数据库 + 证据库 + 哈希清单 / consistent snapshot while the app runs."""
    from decisions import doctor
    from decisions.integrity import backup

    run(lambda: doctor.record_backup(backup.backup(path)), json_,
         lambda r: f"已备份 / backed up to {r['path']}: {r['rows']} rows, {r['objects']} evidence files "
                   f"({r['bytes']} bytes), {r['chains']} audit chains")


@app.command("restore")
def restore_cmd(path: Annotated[Path, typer.Argument(metavar="PATH")], json_: JsonOpt = False) -> None:
    """恢复到空的部署并核验 / restore a backup into an empty deployment, then verify (exit 6 if damaged)."""
    from decisions.integrity import backup

    run(lambda: backup.restore(path), json_,
         lambda r: f"已恢复 / restored from {r['path']}: {r['rows']} rows, {r['objects']} evidence files; "
                   f"核验通过 / verify clean ({r['verify']['evidence_checked']} files, "
                   f"{r['verify']['events_checked']} events)")


def _verify_dossier(path: Path, ident: str | None, json_: bool) -> None:
    """`juece verify --dossier FILE`: exit 6 naming what differs (altered); 0 when the file matches the record,
    or is authentic and the record has moved on since (superseded, named as such)."""
    from decisions.archive import service as archive

    def go() -> dict:
        data = read_file(path, "--dossier")
        result = archive.verify_dossier(data)
        dec = result.get("decision") or {}
        if ident is not None and dec and ident not in (str(dec.get("id")), dec.get("code")):
            result["ok"] = False
            result["problems"].append(f"案卷属于 {dec.get('code')}，不是 {ident} / the dossier is of another decision")
        if not result["ok"]:
            if json_ or state["json"]:
                typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            else:
                typer.echo(f"案卷核验失败 / dossier does not match: {path}", err=True)
                for p in result["problems"]:
                    typer.echo(f"  - {p}", err=True)
            raise typer.Exit(6)
        return result

    def human(r: dict) -> str:
        if r.get("status") == "superseded":  # authentic, the record moved on: not a failure (exit 0)
            lines = [f"案卷真实，记录已有更新 / dossier superseded: {r['decision']['code']} sha256={r['sha256']} "
                     f"(dossier up to event seq {r['dossier_seq']}, record now at seq {r['record_seq']})"]
        else:
            lines = [f"案卷核验通过 / dossier matches: {r['decision']['code']} sha256={r['sha256']}"]
        lines += [f"  {n}" for n in r["notes"]]
        return "\n".join(lines)

    run(go, json_, human)


@app.command("dossier")
def dossier_cmd(ident: Annotated[str, typer.Argument(metavar="ID")],
                output: Annotated[Path, typer.Option("-o", "--output", help="输出 PDF 文件 / output PDF file")],
                as_user: Annotated[str | None, typer.Option("--as", help="执行操作的用户名 / acting username")] = None,
                json_: JsonOpt = False) -> None:
    """生成决策案卷（PDF/A-3b，一事一档）/ render the decision's archived dossier."""
    from decisions.archive import service as archive

    def go() -> dict:
        if output.exists() and output.is_dir():
            raise BadInput(f"-o {str(output)!r} 是目录 / is a directory")
        if not output.parent.is_dir():
            raise BadInput(f"-o {str(output)!r}: 目录不存在 / directory does not exist")
        r = archive.generate_dossier(ident, as_user=as_user)
        tmp = output.with_name(output.name + ".part")
        tmp.write_bytes(r["data"])
        tmp.replace(output)
        return {"file": str(output), "filename": r["filename"], "sha256": r["sha256"], "pages": r["pages"],
                "bytes": len(r["data"]), "warnings": r["warnings"]}

    def human(r: dict) -> str:
        lines = [f"已生成案卷 / dossier written: {r['file']} ({r['pages']} 页, {r['bytes']} bytes) sha256={r['sha256']}"]
        lines += [f"  注意 / note: {w}" for w in r["warnings"]]
        return "\n".join(lines)

    run(go, json_, human)
