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
ReadAsOpt = Annotated[str | None, typer.Option(
    "--as", help="以该用户的查看范围读取（缺省为服务器操作员，可见全部）/ read within this user's scope "
                 "(default: the server operator, who sees everything)")]


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


@user_app.command("unlock")
def user_unlock(username: str, as_user: Annotated[str | None, typer.Option("--as")] = None,
                json_: JsonOpt = False) -> None:
    """解除账户锁定 / unlock an account locked after repeated failed logins (admin)."""
    from decisions import directory

    _run(lambda: directory.unlock_user(username, as_user), json_,
         lambda r: f"已解锁 / unlocked: {r['username']}" + ("" if r["was_locked"] else "（未锁定 / was not locked）"))


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
def show_cmd(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: ReadAsOpt = None,
             json_: JsonOpt = False) -> None:
    """决策详情 / state, stages, evidence, audit trail (--as: exit 4 outside that user's scope)."""
    from decisions import settings, views

    lang = settings.get_settings().lang
    _run(lambda: views.show(ident, lang=lang, as_user=as_user), json_, _show_human)


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
             organ: Annotated[str | None, typer.Option("--organ")] = None, as_user: ReadAsOpt = None,
             json_: JsonOpt = False) -> None:
    """列出决策 / list decisions (--as: only those that user may open)."""
    from decisions import views

    _run(lambda: views.list_decisions(state=state, organ=organ, as_user=as_user), json_,
         lambda rows: "\n".join(f"#{r['id']}\t{r['code']}\t{r['state']}\t{r['title']}" for r in rows) or "（无 / none）")


@app.command("verify", help=(
    "核验材料哈希与审计链 / verify evidence fixity and the audit chain (exit 6 on any break).\n\n"
    "--as：以该用户的查看范围核验。指定的决策不在其范围内时退出码 4；不指定决策时只核验该用户可查看的决策，"
    "系统审计链（单位、用户、目录）和范围外的决策不核验，并说明有多少项决策未核验。\n\n"
    "--as: verify within that user's scope. A decision outside it exits 4; without ID only the decisions that "
    "user may open are verified (not the system chain of offices, users and catalogs), and the output says how "
    "many decisions were left out."))
def verify_cmd(ident: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
               dossier: Annotated[Path | None, typer.Option("--dossier", help="核验案卷文件 / verify a dossier PDF")] = None,
               as_user: ReadAsOpt = None, json_: JsonOpt = False) -> None:
    """核验材料哈希与审计链 / verify evidence fixity and the audit chain (exit 6 on any break)."""
    from decisions import integrity

    if dossier is not None and as_user is not None:
        def refuse() -> dict:
            raise BadInput("--as 不适用于 --dossier（核验的是案卷文件本身）/ --as does not apply to --dossier")

        _run(refuse, json_)
        return
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
            if json_ or _state["json"]:
                typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            else:
                typer.echo("核验失败 / integrity failure:", err=True)
                for p in result["problems"]:
                    typer.echo(f"  - {p}", err=True)
                if scope_note(result):
                    typer.echo(scope_note(result).lstrip("\n"), err=True)
            raise typer.Exit(6)
        return result

    _run(go, json_, lambda r: f"核验通过 / clean: {r['evidence_checked']} evidence files, "
                              f"{r['events_checked']} audit events" + scope_note(r))


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
    from decisions.locations import ui_app

    app_path = ui_app()
    if not app_path.is_file():
        typer.echo("工作台尚未安装 / the workbench is not installed", err=True)
        raise typer.Exit(2)
    os.execvp(sys.executable, [sys.executable, "-m", "streamlit", "run", str(app_path), "--server.port", str(port),
                               "--server.headless", "true", "--browser.gatherUsageStats", "false"])


@app.command("backup")
def backup_cmd(path: Annotated[Path, typer.Argument(metavar="PATH", help="新目录 / a new directory")],
               json_: JsonOpt = False) -> None:
    """一致性备份：数据库 + 证据库 + 哈希清单 / consistent snapshot while the app runs."""
    from decisions import backup, doctor

    _run(lambda: doctor.record_backup(backup.backup(path)), json_,
         lambda r: f"已备份 / backed up to {r['path']}: {r['rows']} rows, {r['objects']} evidence files "
                   f"({r['bytes']} bytes), {r['chains']} audit chains")


@app.command("doctor")
def doctor_cmd(json_: JsonOpt = False) -> None:
    """检查配置与运行状况 / check configuration and health (exit 1 naming each problem)."""
    from decisions import doctor

    raise typer.Exit(doctor.main(as_json=json_ or _state["json"]))


@app.command("restore")
def restore_cmd(path: Annotated[Path, typer.Argument(metavar="PATH")], json_: JsonOpt = False) -> None:
    """恢复到空的部署并核验 / restore a backup into an empty deployment, then verify (exit 6 if damaged)."""
    from decisions import backup

    _run(lambda: backup.restore(path), json_,
         lambda r: f"已恢复 / restored from {r['path']}: {r['rows']} rows, {r['objects']} evidence files; "
                   f"核验通过 / verify clean ({r['verify']['evidence_checked']} files, "
                   f"{r['verify']['events_checked']} events)")


# ------------------------------------------------------------------ deadlines, catalog, after the decision, report
worker_note = "juece worker: 期限提醒、逾期督办、久拖不决 / deadline reminders, escalations, stale flags"


@app.command("worker")
def worker_cmd(once: Annotated[bool, typer.Option("--once", help="处理当前到期事项后退出 / run what is due, exit")] = False,
               interval: Annotated[float, typer.Option("--interval", help="扫描间隔秒数 / seconds between scans")] = 300,
               full: Annotated[bool, typer.Option("--full", help="全量扫描 / look at every open decision")] = False,
               json_: JsonOpt = False) -> None:
    """期限工作进程（APScheduler）/ the deadline worker; --once processes everything due at JUECE_NOW."""
    from decisions import deadlines

    if once:
        def human(r: dict) -> str:
            if not r["ran"]:
                return f"未运行 / not run: {r['reason']} ({r.get('holder')})"
            return (f"{r['now']}: 提醒 {r['reminders']} · 督办 {r['escalations']} · 久拖不决 {r['stale']} · "
                    f"通知 {r['notices']} · 新期限 {r['created']} · 已办 {r['done']} · 站内信 {r['notifications']} · "
                    f"邮件 {r['emails']}")

        _run(lambda: deadlines.run_once(full=full), json_, human)
        return
    import logging

    from workflow import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    typer.echo(f"{worker_note}; every {interval:g}s — Ctrl-C to stop", err=True)
    scheduler.run_forever(interval)


@app.command("report")
def report_cmd(year: Annotated[int, typer.Option("--year")], organ: Annotated[str | None, typer.Option("--organ")] = None,
               as_user: ReadAsOpt = None, json_: JsonOpt = False) -> None:
    """年度统计 / yearly figures: catalog coverage, risk-assessment rate, legality window, stage days, overdue, stale
    (--as: only the organs that user oversees)."""
    from decisions import report

    _run(lambda: report.yearly(year, organ, as_user=as_user), json_, report.human)


@app.command("deadlines", help=(
    "期限表 / the deadlines the worker watches (one decision or all).\n\n"
    "--as：指定的决策不在该用户查看范围内时退出码 4；不指定决策时只列出该用户可查看的决策的期限，"
    "以及其可查看的目录事项（已公布的，或其范围内机关的目录草稿）的期限。\n\n"
    "--as: a decision outside that user's scope exits 4; without ID only the rows of the decisions that user may "
    "open and of the catalog items they may read (published ones, or drafts of the organs in their scope)."))
def deadlines_cmd(ident: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
                  status: Annotated[str | None, typer.Option("--status", help="open|done|cancelled")] = None,
                  as_user: ReadAsOpt = None, json_: JsonOpt = False) -> None:
    """期限表 / the deadlines the worker watches (one decision or all)."""
    from decisions import deadlines

    _run(lambda: deadlines.deadlines(ident, status=status, as_user=as_user), json_,
         lambda rows: "\n".join(f"{r['due']}\t{r['status']}\t{r['decision'] or '目录#' + str(r['catalog_item_id'])}\t"
                                f"{r['title']}\t[{r['article']}]" + ("\t暂定" if r["provisional"] else "")
                                for r in rows) or "（无 / none）")


inbox_app = typer.Typer(no_args_is_help=True, help="站内通知 / in-app inbox")
app.add_typer(inbox_app, name="inbox")


@inbox_app.command("list")
def inbox_list(as_user: AsOpt, unread: Annotated[bool, typer.Option("--unread")] = False,
               json_: JsonOpt = False) -> None:
    """我的通知 / my notifications."""
    from decisions import deadlines

    _run(lambda: deadlines.inbox(as_user, unread_only=unread), json_,
         lambda rows: "\n".join(f"{'  ' if r['read'] else '● '}#{r['id']} {r['created_at'][:10]} {r['subject']}"
                                for r in rows) or "（无 / none）")


@inbox_app.command("read")
def inbox_read(notification: Annotated[int, typer.Argument(metavar="ID")], as_user: AsOpt,
               json_: JsonOpt = False) -> None:
    """标记已读并显示 / mark read and show."""
    from decisions import deadlines

    _run(lambda: deadlines.mark_read(notification, as_user), json_,
         lambda r: f"#{r['id']} {r['subject']}\n{r['body']}")


@inbox_app.command("email")
def inbox_email(username: str, address: str, as_user: Annotated[str | None, typer.Option("--as")] = None,
                json_: JsonOpt = False) -> None:
    """设置用户的通知邮箱（空字符串为删除）/ set a user's e-mail for reminders (admin)."""
    from decisions import deadlines

    _run(lambda: deadlines.set_email(username, address, as_user), json_,
         lambda r: f"{r['username']}: {r['email'] or '（已删除 / removed）'}")


calendar_app = typer.Typer(no_args_is_help=True, help="工作日历 / working-day calendar")
app.add_typer(calendar_app, name="calendar")


@calendar_app.command("check")
def calendar_check(day: str, profile: Annotated[str | None, typer.Option("--profile")] = None,
                   json_: JsonOpt = False) -> None:
    """某日是否工作日及依据 / is DAY a working day, and why."""
    from decisions import deadlines

    def human(r: dict) -> str:
        if r["warning"]:
            typer.echo(r["warning"], err=True)
        return (f"{r['day']}: {'工作日 / working day' if r['workday'] else '休息日 / rest day'} "
                f"({r['source']}{', ' + r['holiday'] if r['holiday'] else ''}{', 暂定' if r['provisional'] else ''})")

    _run(lambda: deadlines.check_day(day, profile), json_, human)


@calendar_app.command("add")
def calendar_add(start: str, n: int, profile: Annotated[str | None, typer.Option("--profile")] = None,
                 json_: JsonOpt = False) -> None:
    """START 之后（N<0 为之前）第 N 个工作日 / the N-th working day after START."""
    from decisions import deadlines

    def human(r: dict) -> str:
        if r["warning"]:
            typer.echo(r["warning"], err=True)
        return f"{r['start']} + {r['working_days']} 个工作日 = {r['day']}{'（暂定）' if r['provisional'] else ''}"

    _run(lambda: deadlines.add_days(start, n, profile), json_, human)


@calendar_app.command("set")
def calendar_set(day: str, workday: Annotated[bool, typer.Option("--workday/--rest")],
                 note: Annotated[str, typer.Option("--note")] = "",
                 as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """管理员设定某日为工作日或休息日 / admin: declare a working or rest day."""
    from decisions import deadlines

    _run(lambda: deadlines.set_override(day, workday, note, as_user), json_,
         lambda r: f"{r['day']}: {'工作日' if r['workday'] else '休息日'} {r['note']}")


@calendar_app.command("unset")
def calendar_unset(day: str, as_user: Annotated[str | None, typer.Option("--as")] = None,
                   json_: JsonOpt = False) -> None:
    """删除某日的调整 / remove an override."""
    from decisions import deadlines

    _run(lambda: deadlines.remove_override(day, as_user), json_, lambda r: f"{r['day']}: removed")


@calendar_app.command("import")
def calendar_import(file: Path, as_user: Annotated[str | None, typer.Option("--as")] = None,
                    json_: JsonOpt = False) -> None:
    """导入某年节假日安排（CSV: day,workday[,note]）/ load a year's holiday table into the override table."""
    from decisions import deadlines

    def human(r: dict) -> str:
        if r["warning"]:
            typer.echo(r["warning"], err=True)
        return f"已导入 {r['rows']} 天 / imported {r['rows']} days: {', '.join(map(str, r['years']))}"

    _run(lambda: deadlines.import_overrides(file, as_user), json_, human)


@calendar_app.command("list")
def calendar_list(year: Annotated[int | None, typer.Option("--year")] = None, json_: JsonOpt = False) -> None:
    """管理员维护的调整表 / the override table."""
    from decisions import deadlines

    _run(lambda: deadlines.list_overrides(year), json_,
         lambda rows: "\n".join(f"{r['day']}\t{'工作日' if r['workday'] else '休息日'}\t{r['note']}" for r in rows)
         or "（无 / none）")


catalog_app = typer.Typer(no_args_is_help=True, help="年度决策事项目录 / the annual catalog (Art 3¶3)")
app.add_typer(catalog_app, name="catalog")


def _catalog_item_human(r: dict) -> str:
    return (f"#{r['id']} [{r['year']} 第{r['seq']}项 v{r['version_added']}] {r['item_name']} — {r['undertaking_unit']}"
            f"{' 程序：' + r['procedures'] if r['procedures'] else ''}{' 听证：' + r['hearing'] if r['hearing'] else ''}"
            f"{' 计划：' + r['target_date'] if r['target_date'] else ''}")


@catalog_app.command("import")
def catalog_import(organ: str, year: int, file: Path, source: Annotated[str, typer.Option("--source")] = "",
                   consent: Annotated[str, typer.Option("--consent", help="党委同意日期")] = "",
                   published: Annotated[str, typer.Option("--published", help="公布日期")] = "",
                   as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """导入目录表（CSV）/ import a catalog table."""
    from decisions import catalog

    _run(lambda: catalog.import_csv(organ, year, file, source=source, published_at=published,
                                    party_consent_at=consent, as_user=as_user), json_,
         lambda rows: f"已导入 {len(rows)} 项 / imported {len(rows)} items")


@catalog_app.command("add")
def catalog_add(organ: str, year: int, name: Annotated[str, typer.Option("--name")], as_user: AsOpt,
                unit: Annotated[str, typer.Option("--unit", help="承办单位（代码或名称）")] = "",
                procedures: Annotated[str, typer.Option("--procedures")] = "",
                hearing: Annotated[str, typer.Option("--hearing", help="是/否")] = "",
                legal_basis: Annotated[str, typer.Option("--legal-basis")] = "",
                planned: Annotated[str, typer.Option("--planned", help="决策时间（原文）")] = "",
                target: Annotated[str, typer.Option("--target", help="计划决策日期 YYYY-MM-DD")] = "",
                json_: JsonOpt = False) -> None:
    """增加目录事项（草稿或调整稿）/ add an item to the draft."""
    from decisions import catalog

    _run(lambda: catalog.add_item(organ, year, item_name=name, as_user=as_user, undertaking_unit=unit,
                                  procedures=procedures, hearing=hearing, legal_basis=legal_basis,
                                  planned_time=planned, target_date=target), json_, _catalog_item_human)


@catalog_app.command("remove")
def catalog_remove(item: int, reason: Annotated[str, typer.Option("--reason")], as_user: AsOpt,
                   json_: JsonOpt = False) -> None:
    """在调整稿中移出事项 / remove an item in the adjustment draft."""
    from decisions import catalog

    _run(lambda: catalog.remove_item(item, reason=reason, as_user=as_user), json_, _catalog_item_human)


@catalog_app.command("consent")
def catalog_consent(organ: str, year: int, date: Annotated[str, typer.Option("--date")],
                    ref: Annotated[str, typer.Option("--ref", help="党委同意的文件或会议")], as_user: AsOpt,
                    json_: JsonOpt = False) -> None:
    """记录同级党委同意 / record the Party committee's consent."""
    from decisions import catalog

    _run(lambda: catalog.consent(organ, year, day=date, ref=ref, as_user=as_user), json_,
         lambda r: f"第{r['version']}版：党委同意 {r['party_consent_at']}（{r['party_consent_ref']}）")


@catalog_app.command("publish")
def catalog_publish(organ: str, year: int, date: Annotated[str, typer.Option("--date")], as_user: AsOpt,
                    ref: Annotated[str, typer.Option("--ref", help="公布载体或网址")] = "",
                    json_: JsonOpt = False) -> None:
    """向社会公布（须党委同意在先）/ publish (consent first)."""
    from decisions import catalog

    _run(lambda: catalog.publish(organ, year, day=date, ref=ref, as_user=as_user), json_,
         lambda r: f"第{r['version']}版已公布 {r['published_at']}，{r['items']} 项")


@catalog_app.command("adjust")
def catalog_adjust(organ: str, year: int, reason: Annotated[str, typer.Option("--reason")], as_user: AsOpt,
                   json_: JsonOpt = False) -> None:
    """调整目录：形成新版本 / open an adjustment (a new version)."""
    from decisions import catalog

    _run(lambda: catalog.adjust(organ, year, reason=reason, as_user=as_user), json_,
         lambda r: f"第{r['version']}版调整稿 / draft version {r['version']}: {r['reason']}")


@catalog_app.command("close")
def catalog_close(organ: str, year: int, as_user: AsOpt, summary: Annotated[str, typer.Option("--summary")] = "",
                  json_: JsonOpt = False) -> None:
    """年终办结 / close the catalog year."""
    from decisions import catalog

    _run(lambda: catalog.close_year(organ, year, summary=summary, as_user=as_user), json_,
         lambda r: f"{r['organ']} {r['year']} 年度目录已办结 {r['closed_at']}")


@catalog_app.command("list")
def catalog_list(organ: str, year: int, version: Annotated[int | None, typer.Option("--version")] = None,
                 as_user: ReadAsOpt = None, json_: JsonOpt = False) -> None:
    """目录事项 / the items (current, or as in --version; --as: drafts only within that user's scope)."""
    from decisions import catalog

    _run(lambda: catalog.items(organ, year, version=version, as_user=as_user), json_,
         lambda rows: "\n".join(_catalog_item_human(r) for r in rows) or "（无 / none）")


@catalog_app.command("versions")
def catalog_versions(organ: str, year: int, as_user: ReadAsOpt = None, json_: JsonOpt = False) -> None:
    """目录版本及同意、公布记录 / versions with consent and publication (--as: drafts only within scope)."""
    from decisions import catalog

    _run(lambda: catalog.versions(organ, year, as_user=as_user), json_,
         lambda rows: "\n".join(f"v{r['version']}\t{r['status']}\t同意 {r['party_consent_at'] or '—'}\t"
                                f"公布 {r['published_at'] or '—'}\t{r['items']} 项\t{r['reason']}" for r in rows)
         or "（无 / none）")


@catalog_app.command("link")
def catalog_link(ident: Annotated[str, typer.Argument(metavar="ID")], item: int, as_user: AsOpt,
                 json_: JsonOpt = False) -> None:
    """把决策关联到目录事项 / link a decision to a catalog item."""
    from decisions import catalog

    _run(lambda: catalog.link(ident, item, as_user=as_user), json_,
         lambda r: f"#{r['id']} → 目录事项 #{r['catalog_item_id']} {r['item_name']}")


@catalog_app.command("compare", help=(
    "目录列明的程序与实际履行的程序比对 / declared vs run procedures.\n\n"
    "--as：决策不在该用户查看范围内，或所关联的目录事项是其范围外机关尚未公布的目录草稿（同 catalog list）时，退出码 4。\n\n"
    "--as: exits 4 when the decision is outside that user's scope, or its catalog item is an unpublished draft of "
    "an organ outside it (the rule of catalog list)."))
def catalog_compare(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: ReadAsOpt = None,
                    json_: JsonOpt = False) -> None:
    """目录列明的程序与实际履行的程序比对 / declared vs run procedures."""
    from decisions import catalog

    def human(r: dict) -> str:
        head = (f"#{r['id']} {r['code']}：" + (f"目录事项 #{r['catalog_item']['id']} {r['catalog_item']['item_name']}"
                                               if r["in_catalog"] else "目录外（第10条决策建议）"))
        rows = [f"  {s['stage']}: 目录 {'—' if s['declared'] is None else ('列明' if s['declared'] else '未列')} · "
                f"实际 {s['status']}{' ⚠ ' + s['finding'] if s['finding'] != 'ok' else ''}" for s in r["stages"]]
        return "\n".join([head, *rows, *(f"  - [{f['article']}] {f['message']}" for f in r["findings"])])

    _run(lambda: catalog.compare(ident, as_user=as_user), json_, human)


feedback_app = typer.Typer(no_args_is_help=True, help="公众意见箱（第35条第2款）/ public feedback")
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("add")
def feedback_add(ident: Annotated[str, typer.Argument(metavar="ID")],
                 channel: Annotated[str, typer.Option("--channel", help="letter|phone|email|web|visit")],
                 text: Annotated[str, typer.Option("--text")], contact: Annotated[str, typer.Option("--contact")] = "",
                 as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """登记公众意见 / record an opinion from the public."""
    from decisions import aftercare

    _run(lambda: aftercare.add_feedback(ident, channel=channel, content=text, contact=contact, as_user=as_user),
         json_, lambda r: f"#{r['decision_id']}: 意见 #{r['id']}（共 {r['count']} 条"
                          f"{'，建议组织决策后评估' if r['post_evaluation_suggested'] else ''}）")


@feedback_app.command("list")
def feedback_list(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: ReadAsOpt = None,
                  json_: JsonOpt = False) -> None:
    """公众意见 / the opinions received (--as: exit 4 outside that user's scope)."""
    from decisions import aftercare

    _run(lambda: aftercare.feedback(ident, as_user=as_user), json_,
         lambda rows: "\n".join(f"#{r['id']} {r['received_at'][:10]} [{r['channel']}] {r['content']}" for r in rows)
         or "（无 / none）")


evaluation_app = typer.Typer(no_args_is_help=True, help="决策后评估（第36条）/ post-decision evaluation")
app.add_typer(evaluation_app, name="evaluation")


@evaluation_app.command("start")
def evaluation_start(ident: Annotated[str, typer.Argument(metavar="ID")],
                     trigger: Annotated[str, typer.Option("--trigger",
                                                          help="missed_targets|feedback_volume|organ_choice")],
                     evaluator: Annotated[str, typer.Option("--evaluator", help="评估单位代码")],
                     reason: Annotated[str, typer.Option("--reason")], as_user: AsOpt, json_: JsonOpt = False) -> None:
    """组织决策后评估 / order a post-evaluation (independence checked)."""
    from decisions import aftercare

    _run(lambda: aftercare.start_evaluation(ident, trigger=trigger, evaluator=evaluator, reason=reason,
                                            as_user=as_user), json_,
         lambda r: f"#{r['decision_id']}: 后评估 #{r['id']} 由 {r['evaluator']} 承担（{r['trigger']}）")


@evaluation_app.command("report")
def evaluation_report(ident: Annotated[str, typer.Argument(metavar="ID")], file: Annotated[Path, typer.Argument()],
                      conclusion: Annotated[str, typer.Option("--conclusion")],
                      recommendation: Annotated[str, typer.Option("--recommendation")],
                      participants: Annotated[str, typer.Option("--participants")], as_user: AsOpt,
                      json_: JsonOpt = False) -> None:
    """提交评估报告 / file the evaluation report."""
    from decisions import aftercare

    def go() -> dict:
        data = _read_file(file, "FILE")
        return aftercare.report_evaluation(ident, filename=file.name, data=data, conclusion=conclusion,
                                           recommendation=recommendation, participants=participants, as_user=as_user)

    _run(go, json_, lambda r: f"#{r['decision_id']}: 评估报告已提交 {r['conclusion']} → {r['recommendation']}")


@decision_app.command("adjust")
def decision_adjust(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt,
                    reason: Annotated[str, typer.Option("--reason")], title: Annotated[str, typer.Option("--title")] = "",
                    minor: Annotated[bool, typer.Option("--minor", help="一般调整：只作记录")] = False,
                    json_: JsonOpt = False) -> None:
    """调整决策（第37条）：重大调整另立新决策并重走程序 / adjust: a major one is a new linked decision."""
    from decisions import aftercare

    _run(lambda: aftercare.adjust(ident, title=title, reason=reason, as_user=as_user, minor=minor), json_,
         lambda r: f"#{r['id']}: 一般调整已记录 / minor adjustment recorded" if r["minor"]
         else f"已立新决策 #{r['id']} {r['code']}（调整 {r['parent']}）/ new decision for the major adjustment")


@decision_app.command("close")
def decision_close(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt, json_: JsonOpt = False) -> None:
    """执行完毕，办结 / execution finished: close."""
    from decisions import aftercare

    _run(lambda: aftercare.close(ident, as_user=as_user), json_, lambda r: f"#{r['id']}: {r['from']} → {r['to']}")


@decision_app.command("after", help=(
    "决策作出后：执行、报告、意见、评估、调整 / life after the decision.\n\n"
    "--as：决策不在该用户查看范围内时退出码 4；原决策和调整形成的新决策只列出其可查看的。\n\n"
    "--as: exits 4 outside that user's scope; the parent and the adjustments are listed only where that user may "
    "open them."))
def decision_after(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: ReadAsOpt = None,
                   json_: JsonOpt = False) -> None:
    """决策作出后：执行、报告、意见、评估、调整 / life after the decision."""
    from decisions import aftercare

    _run(lambda: aftercare.status(ident, as_user=as_user), json_, None)


def _verify_dossier(path: Path, ident: str | None, json_: bool) -> None:
    """`juece verify --dossier FILE`: exit 6 naming what differs, 0 when the file matches the record."""
    from decisions import archive

    def go() -> dict:
        data = _read_file(path, "--dossier")
        result = archive.verify_dossier(data)
        dec = result.get("decision") or {}
        if ident is not None and dec and ident not in (str(dec.get("id")), dec.get("code")):
            result["ok"] = False
            result["problems"].append(f"案卷属于 {dec.get('code')}，不是 {ident} / the dossier is of another decision")
        if not result["ok"]:
            if json_ or _state["json"]:
                typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
            else:
                typer.echo(f"案卷核验失败 / dossier does not match: {path}", err=True)
                for p in result["problems"]:
                    typer.echo(f"  - {p}", err=True)
            raise typer.Exit(6)
        return result

    def human(r: dict) -> str:
        lines = [f"案卷核验通过 / dossier matches: {r['decision']['code']} sha256={r['sha256']}"]
        lines += [f"  {n}" for n in r["notes"]]
        return "\n".join(lines)

    _run(go, json_, human)


@app.command("dossier")
def dossier_cmd(ident: Annotated[str, typer.Argument(metavar="ID")],
                output: Annotated[Path, typer.Option("-o", "--output", help="输出 PDF 文件 / output PDF file")],
                as_user: Annotated[str | None, typer.Option("--as", help="执行操作的用户名 / acting username")] = None,
                json_: JsonOpt = False) -> None:
    """生成决策案卷（PDF/A-3b，一事一档）/ render the decision's archived dossier."""
    from decisions import archive

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

    _run(go, json_, human)


consultation_app = typer.Typer(no_args_is_help=True, help="公开征求意见（第15条）/ open comment periods (issue 8)")
opinion_app = typer.Typer(no_args_is_help=True, help="公众意见台账（第18条）/ the opinion ledger")
app.add_typer(consultation_app, name="consultation")
app.add_typer(opinion_app, name="opinion")
_IdArg = Annotated[str, typer.Argument(metavar="ID")]


@consultation_app.command("open")
def consultation_open(ident: _IdArg, start: Annotated[str, typer.Option("--start")],
                      end: Annotated[str, typer.Option("--end")], as_user: AsOpt,
                      explanation: Annotated[str, typer.Option("--explanation", help="草案说明 / the explanation")] = "",
                      explanation_file: Annotated[Path | None, typer.Option("--explanation-file")] = None,
                      shortened_reason: Annotated[str, typer.Option("--shortened-reason")] = "",
                      title: Annotated[str, typer.Option("--title")] = "",
                      draft: Annotated[int | None, typer.Option("--draft", help="草案材料编号 / draft evidence id")] = None,
                      json_: JsonOpt = False) -> None:
    """公布草案及说明，公开征求意见 / publish the draft and its explanation for comment."""
    from decisions import participation

    def go() -> dict:
        text = explanation
        if explanation_file is not None:
            text = _read_file(explanation_file, "--explanation-file").decode("utf-8", errors="replace")
        return participation.open_consultation(ident, start=start, end=end, explanation=text, as_user=as_user,
                                               shortened_reason=shortened_reason, title=title,
                                               draft_evidence_id=draft)

    _run(go, json_, lambda r: f"征求意见 #{r['id']} {r['code']}: {r['start']} — {r['end']} ({r['status']})")


@consultation_app.command("list")
def consultation_list(json_: JsonOpt = False) -> None:
    """公开征求意见中的决策 / consultations on the public page."""
    from decisions import participation

    _run(participation.public_consultations, json_,
         lambda rows: "\n".join(f"#{r['id']} {r['code']} {r['start']} — {r['end']} [{r['status']}] {r['title']}"
                                for r in rows) or "（无 / none）")


@opinion_app.command("submit")
def opinion_submit(consultation: Annotated[int, typer.Argument(metavar="CONSULTATION")],
                   text: Annotated[str, typer.Option("--text")], name: Annotated[str, typer.Option("--name")] = "",
                   contact: Annotated[str, typer.Option("--contact")] = "",
                   client: Annotated[str, typer.Option("--client", help="限流用的来源标识 / client id")] = "cli",
                   json_: JsonOpt = False) -> None:
    """以公众身份提交意见（同公开页面）/ submit an opinion as the public page does."""
    from decisions import participation

    _run(lambda: participation.submit_opinion(consultation, content=text, name=name, contact=contact, client=client),
         json_, lambda r: f"已收到 / received: 回执号 {r['receipt']}")


@opinion_app.command("add")
def opinion_add(ident: _IdArg, channel: Annotated[str, typer.Option("--channel")],
                text: Annotated[str, typer.Option("--text")], as_user: AsOpt,
                name: Annotated[str, typer.Option("--name")] = "", contact: Annotated[str, typer.Option("--contact")] = "",
                received: Annotated[str, typer.Option("--received", help="YYYY-MM-DD")] = "",
                json_: JsonOpt = False) -> None:
    """登记其他渠道的意见 / enter an opinion from another channel (letter, symposium, hearing, expert...)."""
    from decisions import participation

    _run(lambda: participation.add_opinion(ident, channel=channel, content=text, name=name, contact=contact,
                                           received=received, as_user=as_user),
         json_, lambda r: f"意见 #{r['id']} 回执号 {r['receipt']} ({r['channel']})")


@opinion_app.command("dispose")
def opinion_dispose(ident: _IdArg, opinions: Annotated[list[int], typer.Argument(metavar="OPINION...")],
                    disposition: Annotated[str, typer.Option("--disposition",
                                                             help="adopted|partially_adopted|not_adopted")],
                    reason: Annotated[str, typer.Option("--reason")], as_user: AsOpt,
                    group: Annotated[str, typer.Option("--group")] = "",
                    draft: Annotated[int | None, typer.Option("--draft", help="吸收意见的草案材料编号")] = None,
                    json_: JsonOpt = False) -> None:
    """处理意见：采纳、部分采纳或不予采纳并说明理由 / disposition opinions with a reason."""
    from decisions import participation

    _run(lambda: participation.dispose(ident, opinions, disposition=disposition, reason=reason, group=group,
                                       draft_evidence_id=draft, as_user=as_user),
         json_, lambda r: f"{r['decision']}: {len(r['opinions'])} 条 → {r['disposition']}")


@opinion_app.command("hide")
def opinion_hide(opinion: Annotated[int, typer.Argument(metavar="OPINION")], reason: Annotated[str, typer.Option("--reason")],
                 as_user: AsOpt, json_: JsonOpt = False) -> None:
    """屏蔽不当内容（保留记录）/ hide abusive content (kept, marked)."""
    from decisions import participation

    _run(lambda: participation.hide_opinion(opinion, reason=reason, as_user=as_user), json_,
         lambda r: f"已屏蔽 / hidden: {r['receipt']}")


@opinion_app.command("list")
def opinion_list(ident: _IdArg, as_user: AsOpt, json_: JsonOpt = False) -> None:
    """意见台账 / the ledger."""
    from decisions import participation

    def human(r: dict) -> str:
        n = r["counts"]
        head = (f"{r['decision']['code']}: 收到 {n['received']}，采纳 {n['adopted']}，部分采纳 {n['partially_adopted']}，"
                f"不予采纳 {n['not_adopted']}，待处理 {n['pending']}，屏蔽 {n['hidden']}")
        return "\n".join([head, *(f"#{o['id']} {o['receipt']} [{o['channel']}] {o['disposition'] or '-'}"
                                  f"{' (hidden)' if o['hidden'] else ''} {o['content'][:60]!r}" for o in r["opinions"])])

    _run(lambda: participation.ledger(ident, as_user=as_user), json_, human)


@opinion_app.command("register")
def opinion_register(ident: _IdArg, as_user: AsOpt, json_: JsonOpt = False) -> None:
    """由台账生成「意见采纳情况登记」材料 / generate the opinion_register evidence from the ledger."""
    from decisions import participation

    _run(lambda: participation.generate_register(ident, as_user=as_user), json_,
         lambda r: f"材料 #{r['evidence_id']} opinion_register {r['meta']}")


@opinion_app.command("feedback")
def opinion_feedback(ident: _IdArg, as_user: AsOpt, json_: JsonOpt = False) -> None:
    """阶段结束后生成并公布意见采纳情况说明 / generate (and publish) the feedback after the stage."""
    from decisions import participation

    _run(lambda: participation.generate_feedback(ident, as_user=as_user), json_,
         lambda r: f"意见采纳情况说明 #{r['id']} {'已公布 / published' if r['published'] else '不予公开 / not published'}")


@opinion_app.command("lookup")
def opinion_lookup(receipt: Annotated[str, typer.Argument(metavar="RECEIPT")], json_: JsonOpt = False) -> None:
    """凭回执号查询 / look up an opinion by receipt number."""
    from decisions import participation

    _run(lambda: participation.lookup(receipt), json_,
         lambda r: f"{r['receipt']} {r['code']}: {r['status']} {r['disposition']} {r['reason']}")


def main() -> None:
    from decisions.crashlog import run_guarded  # an unexpected exception: one line and a log file, exit 1

    sys.exit(run_guarded(lambda: app(prog_name="juece")))


if __name__ == "__main__":
    main()
