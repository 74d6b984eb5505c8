"""`juece` — the command line of procedure.md §7. A thin entry point: parse, call a use case, print.

Exit codes: 0 done · 2 bad input · 3 blocked by a procedure rule · 4 not permitted · 5 not found ·
6 integrity failure · 7 conflict. A refused command changes nothing.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from decisions.errors import BadInput, Blocked, JueceError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="juece 重大行政决策程序引擎")
office_app = typer.Typer(no_args_is_help=True, help="决策机关与部门 / offices")
user_app = typer.Typer(no_args_is_help=True, help="用户与角色 / users")
decision_app = typer.Typer(no_args_is_help=True, help="决策事项 / decisions")
evidence_app = typer.Typer(no_args_is_help=True, help="材料 / evidence")
profile_app = typer.Typer(no_args_is_help=True, help="程序配置 / procedure profiles")
app.add_typer(office_app, name="office")
app.add_typer(user_app, name="user")
app.add_typer(decision_app, name="decision")
app.add_typer(evidence_app, name="evidence")
app.add_typer(profile_app, name="profile")

_state = {"json": False}
JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读输出 / machine-readable output")]
AsOpt = Annotated[str, typer.Option("--as", help="执行操作的用户名 / acting username")]


@app.callback()
def _main(json_: JsonOpt = False) -> None:
    _state["json"] = json_


def _emit(result: Any, as_json: bool, human: Callable[[Any], str] | None = None) -> None:
    if as_json or _state["json"]:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    elif human is not None:
        typer.echo(human(result))
    else:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))


def _run(fn: Callable[[], Any], as_json: bool, human: Callable[[Any], str] | None = None) -> None:
    try:
        result = fn()
    except JueceError as exc:
        if as_json or _state["json"]:
            typer.echo(json.dumps(exc.to_json(), ensure_ascii=False, indent=2))
        elif isinstance(exc, Blocked):
            typer.echo("已阻止 / blocked — 以下要求尚未满足 / unmet requirements:", err=True)
            for u in exc.unmet:
                typer.echo(f"  - [{u.article}] {u.message}", err=True)
        else:
            typer.echo(f"错误 / error: {exc.message}", err=True)
        raise typer.Exit(exc.exit_code) from None
    _emit(result, as_json, human)


def _read_file(path: Path, what: str) -> bytes:
    if not path.exists():
        raise BadInput(f"{what}: 文件不存在 / file does not exist: {str(path)!r}")
    if not path.is_file():
        raise BadInput(f"{what}: 不是文件 / not a regular file: {str(path)!r}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{what}: 无法读取 / cannot read {str(path)!r}: {exc.strerror}") from None


# ------------------------------------------------------------------ setup
@app.command("init")
def init_cmd(json_: JsonOpt = False) -> None:
    """创建或迁移数据库 / create or migrate the database."""
    from decisions.db import migrate
    from decisions.settings import get_settings

    def go() -> dict:
        migrate()
        return {"ok": True, "database": get_settings().database_url.split("@")[-1]}

    _run(go, json_, lambda r: f"数据库已就绪 / database ready: {r['database']}")


@app.command("demo")
def demo_cmd(json_: JsonOpt = False) -> None:
    """载入演示数据 / load the demo: offices, users, catalog, decisions at several stages."""
    from decisions import demo

    _run(demo.load, json_, demo.describe)


@office_app.command("add")
def office_add(code: str, name: Annotated[str, typer.Option("--name")],
               level: Annotated[str, typer.Option("--level")],
               parent: Annotated[str | None, typer.Option("--parent")] = None,
               profile: Annotated[str | None, typer.Option("--profile")] = None,
               as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """添加单位 / add an office."""
    from decisions import directory

    _run(lambda: directory.add_office(code, name, level, parent, profile, as_user), json_,
         lambda r: f"已添加单位 / office added: {r['code']} {r['name']} ({r['level']}, {r['profile']})")


@user_app.command("add")
def user_add(username: str, name: Annotated[str, typer.Option("--name")],
             office: Annotated[str, typer.Option("--office")],
             role: Annotated[list[str], typer.Option("--role")],
             password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
             as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """添加用户 / add a user (password from stdin, hashed with argon2id)."""
    from decisions import directory

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    _run(lambda: directory.add_user(username, name, office, role, password, as_user), json_,
         lambda r: f"已添加用户 / user added: {r['username']} ({', '.join(r['roles'])}) @ {r['office']}")


# ------------------------------------------------------------------ decisions
@decision_app.command("new")
def decision_new(title: Annotated[str, typer.Option("--title")], organ: Annotated[str, typer.Option("--organ")],
                 undertaker: Annotated[str, typer.Option("--undertaker")],
                 category: Annotated[str, typer.Option("--category")],
                 source: Annotated[str, typer.Option("--source")], as_user: AsOpt,
                 co_undertaker: Annotated[list[str] | None, typer.Option("--co-undertaker")] = None,
                 catalog: Annotated[str | None, typer.Option("--catalog")] = None, json_: JsonOpt = False) -> None:
    """提出决策事项 / register a proposed decision."""
    from decisions import service

    _run(lambda: service.new_decision(title=title, organ=organ, undertaker=undertaker, category=category,
                                      source=source, as_user=as_user, co_undertakers=co_undertaker or [],
                                      catalog=catalog), json_,
         lambda r: f"已创建决策 / decision created: #{r['id']} {r['code']} 「{r['title']}」 ({r['profile']})")


@decision_app.command("triggers")
def decision_triggers(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt,
                      set_: Annotated[list[str] | None, typer.Option("--set")] = None,
                      reason: Annotated[list[str] | None, typer.Option("--reason")] = None,
                      json_: JsonOpt = False) -> None:
    """作出适用性判定 / record trigger determinations (NAME=yes|no, reasons for 'no')."""
    from decisions import metadata, service

    def go() -> dict:
        sets = metadata.parse_pairs(set_ or [], "--set")
        reasons = metadata.parse_pairs(reason or [], "--reason")
        return service.set_triggers(ident, sets=sets, reasons=reasons, as_user=as_user)

    _run(go, json_, lambda r: "已记录判定 / recorded: " + ", ".join(f"{k}={v['value']}" for k, v in r["triggers"].items()))


def _side(action: str) -> Callable[..., None]:
    def cmd(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt,
            reason: Annotated[str, typer.Option("--reason", help="理由或依据 / reason or basis")],
            json_: JsonOpt = False) -> None:
        from decisions import service

        _run(lambda: service.side_transition(ident, action=action, reason=reason, as_user=as_user), json_,
             lambda r: f"#{r['id']}: {r['from']} → {r['to']}")

    cmd.__doc__ = {"exclude": "不属于重大行政决策（第3条第2款）/ exclude", "withdraw": "撤回 / withdraw",
                   "suspend": "中止执行（第37条，行政首长）/ suspend", "resume": "恢复 / resume",
                   "terminate": "终止执行 / terminate"}[action]
    return cmd


for _action in ("exclude", "withdraw", "suspend", "resume", "terminate"):
    decision_app.command(_action)(_side(_action))


@evidence_app.command("add")
def evidence_add(ident: Annotated[str, typer.Argument(metavar="ID")], file: Annotated[Path, typer.Argument()],
                 kind: Annotated[str, typer.Option("--kind")], as_user: AsOpt,
                 meta: Annotated[list[str] | None, typer.Option("--meta")] = None, json_: JsonOpt = False) -> None:
    """提交材料 / attach evidence to the current stage."""
    from decisions import metadata, service

    def go() -> dict:
        pairs = metadata.parse_pairs(meta or [], "--meta")
        data = _read_file(file, "FILE")
        return service.add_evidence(ident, kind=kind, filename=file.name, data=data, meta=pairs, as_user=as_user)

    _run(go, json_, lambda r: f"已提交 / attached: #{r['id']} {r['kind']} {r['filename']} sha256={r['sha256']}")


@app.command("advance")
def advance_cmd(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt, json_: JsonOpt = False) -> None:
    """进入下一阶段，或说明缺少什么 / leave the current stage, or say exactly why not."""
    from decisions import service

    def human(r: dict) -> str:
        lines = [f"#{r['id']}: {r['from']} → {r['to']}"]
        lines += [f"  跳过 / skipped {s['stage']}: {s['reason']}" for s in r["skipped"]]
        return "\n".join(lines)

    _run(lambda: service.advance(ident, as_user=as_user), json_, human)


@app.command("meeting")
def meeting_cmd(ident: Annotated[str, typer.Argument(metavar="ID")],
                type_: Annotated[str, typer.Option("--type")], date: Annotated[str, typer.Option("--date")],
                minutes: Annotated[Path, typer.Option("--minutes")], members: Annotated[str, typer.Option("--members")],
                position: Annotated[list[str], typer.Option("--position")], head: Annotated[str, typer.Option("--head")],
                outcome: Annotated[str, typer.Option("--outcome")], as_user: AsOpt,
                reason: Annotated[str, typer.Option("--reason")] = "", json_: JsonOpt = False) -> None:
    """记录集体讨论决定（第30条）/ record the collective discussion."""
    from decisions import metadata, service

    def go() -> dict:
        try:
            total = int(members)
        except ValueError:
            raise BadInput(f"--members {members!r}: 应为整数 / must be an integer") from None
        pairs = list(metadata.parse_pairs(position, "--position").items())
        data = _read_file(minutes, "--minutes")
        m = service.MeetingInput(type=type_, date=date, minutes_filename=minutes.name, minutes=data, members=total,
                                 positions=pairs, head=head, outcome=outcome, reason=reason)
        return service.record_meeting(ident, m, as_user=as_user)

    _run(go, json_, lambda r: f"#{r['id']}: 会议已记录 / meeting recorded, outcome={r['outcome']}, state={r['state']}")


@app.command("show")
def show_cmd(ident: Annotated[str, typer.Argument(metavar="ID")], json_: JsonOpt = False) -> None:
    """决策详情 / state, stages, evidence, audit trail."""
    from decisions import settings, views

    lang = settings.get_settings().lang
    _run(lambda: views.show(ident, lang=lang), json_, _show_human)


def _show_human(r: dict) -> str:
    mark = {"done": "✓", "current": "▶", "skipped": "↷", "pending": "·"}
    lines = [f"#{r['id']} {r['code']} 「{r['title']}」", f"  状态 / state: {r['state_name']} ({r['state']})",
             f"  程序 / profile: {r['profile']} {r['profile_version']}   决策机关: {r['organ']['name']}   "
             f"承办单位: {r['undertaker']['name']}", "  阶段 / stages:"]
    for st in r["stages"]:
        note = f" — {st['note']}" if st["note"] else ""
        lines.append(f"    {mark.get(st['status'], '?')} {st['name']} ({st['key']}) {st['status']}{note}")
    if r["triggers"]:
        lines.append("  判定 / triggers: " + ", ".join(f"{t['name']}={t['value']}" for t in r["triggers"]))
    lines.append(f"  材料 / evidence ({len(r['evidence'])}):")
    for e in r["evidence"]:
        lines.append(f"    #{e['id']} [{e['stage']}] {e['kind_name']} {e['filename']} {e['uploader']} {e['at']} "
                     f"sha256={e['sha256'][:16]}…")
    if r["blocked"]:
        lines.append("  尚缺 / blocking:")
        lines += [f"    - [{b['article']}] {b['message']}" for b in r["blocked"]]
    lines.append(f"  审计 / audit events: {len(r['audit'])}")
    return "\n".join(lines)


@app.command("list")
def list_cmd(state: Annotated[str | None, typer.Option("--state")] = None,
             organ: Annotated[str | None, typer.Option("--organ")] = None, json_: JsonOpt = False) -> None:
    """列出决策 / list decisions."""
    from decisions import views

    _run(lambda: views.list_decisions(state=state, organ=organ), json_,
         lambda rows: "\n".join(f"#{r['id']}\t{r['code']}\t{r['state']}\t{r['title']}" for r in rows) or "（无 / none）")


@app.command("verify")
def verify_cmd(ident: Annotated[str | None, typer.Argument(metavar="[ID]")] = None, json_: JsonOpt = False) -> None:
    """核验材料哈希与审计链 / verify evidence fixity and the audit chain (exit 6 on any break)."""
    from decisions import integrity

    def go() -> dict:
        result = integrity.verify(ident)
        if not result["ok"]:
            if json_ or _state["json"]:
                typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            else:
                typer.echo("核验失败 / integrity failure:", err=True)
                for p in result["problems"]:
                    typer.echo(f"  - {p}", err=True)
            raise typer.Exit(6)
        return result

    _run(go, json_, lambda r: f"核验通过 / clean: {r['evidence_checked']} evidence files, "
                              f"{r['events_checked']} audit events")


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

    _run(go, json_, lambda r: f"{r['name']} {r['version']}: ok ({len(r['stages'])} stages)")


@profile_app.command("list")
def profile_list(json_: JsonOpt = False) -> None:
    """可用的程序配置 / available profiles."""
    from workflow import profiles

    _run(lambda: [{"name": n, "version": profiles.load(n).version, "title": profiles.load(n).title_zh}
                  for n in profiles.available()], json_,
         lambda rows: "\n".join(f"{r['name']}\t{r['version']}\t{r['title']}" for r in rows))


@app.command("ui")
def ui_cmd(port: Annotated[int, typer.Option("--port")] = 8501) -> None:
    """启动工作台 / start the Streamlit workbench."""
    app_path = Path(__file__).resolve().parent.parent / "ui" / "app.py"
    if not app_path.is_file():
        typer.echo("工作台尚未安装 / the workbench is not installed", err=True)
        raise typer.Exit(2)
    os.execvp(sys.executable, [sys.executable, "-m", "streamlit", "run", str(app_path), "--server.port", str(port),
                               "--server.headless", "true", "--browser.gatherUsageStats", "false"])


@app.command("backup")
def backup_cmd(path: Annotated[Path, typer.Argument(metavar="PATH", help="新目录 / a new directory")],
               json_: JsonOpt = False) -> None:
    """一致性备份：数据库 + 证据库 + 哈希清单 / consistent snapshot while the app runs."""
    from decisions import backup

    _run(lambda: backup.backup(path), json_,
         lambda r: f"已备份 / backed up to {r['path']}: {r['rows']} rows, {r['objects']} evidence files "
                   f"({r['bytes']} bytes), {r['chains']} audit chains")


@app.command("restore")
def restore_cmd(path: Annotated[Path, typer.Argument(metavar="PATH")], json_: JsonOpt = False) -> None:
    """恢复到空的部署并核验 / restore a backup into an empty deployment, then verify (exit 6 if damaged)."""
    from decisions import backup

    _run(lambda: backup.restore(path), json_,
         lambda r: f"已恢复 / restored from {r['path']}: {r['rows']} rows, {r['objects']} evidence files; "
                   f"核验通过 / verify clean ({r['verify']['evidence_checked']} files, "
                   f"{r['verify']['events_checked']} events)")


def main() -> None:
    app(prog_name="juece")


if __name__ == "__main__":
    main()
