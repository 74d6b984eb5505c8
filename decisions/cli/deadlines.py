"""Time: the deadline worker, deadlines, the inbox, the working-day calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from decisions.cli.base import AsOpt, JsonOpt, ReadAsOpt, app, run

worker_note = "juece worker: 期限提醒、逾期督办、久拖不决 / deadline reminders, escalations, stale flags"


@app.command("worker")
def worker_cmd(once: Annotated[bool, typer.Option("--once", help="处理当前到期事项后退出 / run what is due, exit")] = False,
               interval: Annotated[float, typer.Option("--interval", help="扫描间隔秒数 / seconds between scans")] = 300,
               full: Annotated[bool, typer.Option("--full", help="全量扫描 / look at every open decision")] = False,
               json_: JsonOpt = False) -> None:
    """期限工作进程（APScheduler）/ the deadline worker; --once processes everything due at JUECE_NOW."""
    from decisions.deadlines import scheduled

    if once:
        def human(r: dict) -> str:
            if not r["ran"]:
                return f"未运行 / not run: {r['reason']} ({r.get('holder')})"
            return (f"{r['now']}: 提醒 {r['reminders']} · 督办 {r['escalations']} · 久拖不决 {r['stale']} · "
                    f"通知 {r['notices']} · 新期限 {r['created']} · 已办 {r['done']} · 站内信 {r['notifications']} · "
                    f"邮件 {r['emails']}")

        run(lambda: scheduled.run_once(full=full), json_, human)
        return
    import logging

    from workflow import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    typer.echo(f"{worker_note}; every {interval:g}s — Ctrl-C to stop", err=True)
    scheduler.run_forever(interval)


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
    from decisions.deadlines import views as deadline_views

    run(lambda: deadline_views.deadlines(ident, status=status, as_user=as_user), json_,
         lambda rows: "\n".join(f"{r['due']}\t{r['status']}\t{r['decision'] or '目录#' + str(r['catalog_item_id'])}\t"
                                f"{r['title']}\t[{r['article']}]" + ("\t暂定" if r["provisional"] else "")
                                for r in rows) or "（无 / none）")


inbox_app = typer.Typer(no_args_is_help=True, help="站内通知 / in-app inbox")


app.add_typer(inbox_app, name="inbox")


@inbox_app.command("list")
def inbox_list(as_user: AsOpt, unread: Annotated[bool, typer.Option("--unread")] = False,
               json_: JsonOpt = False) -> None:
    """我的通知 / my notifications."""
    from decisions.deadlines import views as deadline_views

    run(lambda: deadline_views.inbox(as_user, unread_only=unread), json_,
         lambda rows: "\n".join(f"{'  ' if r['read'] else '● '}#{r['id']} {r['created_at'][:10]} {r['subject']}"
                                for r in rows) or "（无 / none）")


@inbox_app.command("read")
def inbox_read(notification: Annotated[int, typer.Argument(metavar="ID")], as_user: AsOpt,
               json_: JsonOpt = False) -> None:
    """标记已读并显示 / mark read and show."""
    from decisions.deadlines import service as deadlines

    run(lambda: deadlines.mark_read(notification, as_user), json_,
         lambda r: f"#{r['id']} {r['subject']}\n{r['body']}")


@inbox_app.command("email")
def inbox_email(username: str, address: str, as_user: Annotated[str | None, typer.Option("--as")] = None,
                json_: JsonOpt = False) -> None:
    """设置用户的通知邮箱（空字符串为删除）/ set a user's e-mail for reminders (admin)."""
    from decisions.deadlines import service as deadlines

    run(lambda: deadlines.set_email(username, address, as_user), json_,
         lambda r: f"{r['username']}: {r['email'] or '（已删除 / removed）'}")


calendar_app = typer.Typer(no_args_is_help=True, help="工作日历 / working-day calendar")


app.add_typer(calendar_app, name="calendar")


@calendar_app.command("check")
def calendar_check(day: str, profile: Annotated[str | None, typer.Option("--profile")] = None,
                   json_: JsonOpt = False) -> None:
    """某日是否工作日及依据 / is DAY a working day, and why."""
    from decisions.deadlines import calendar as work_calendar

    def human(r: dict) -> str:
        if r["warning"]:
            typer.echo(r["warning"], err=True)
        return (f"{r['day']}: {'工作日 / working day' if r['workday'] else '休息日 / rest day'} "
                f"({r['source']}{', ' + r['holiday'] if r['holiday'] else ''}{', 暂定' if r['provisional'] else ''})")

    run(lambda: work_calendar.check_day(day, profile), json_, human)


@calendar_app.command("add")
def calendar_add(start: str, n: int, profile: Annotated[str | None, typer.Option("--profile")] = None,
                 json_: JsonOpt = False) -> None:
    """START 之后（N<0 为之前）第 N 个工作日 / the N-th working day after START."""
    from decisions.deadlines import calendar as work_calendar

    def human(r: dict) -> str:
        if r["warning"]:
            typer.echo(r["warning"], err=True)
        return f"{r['start']} + {r['working_days']} 个工作日 = {r['day']}{'（暂定）' if r['provisional'] else ''}"

    run(lambda: work_calendar.add_days(start, n, profile), json_, human)


@calendar_app.command("set")
def calendar_set(day: str, workday: Annotated[bool, typer.Option("--workday/--rest")],
                 note: Annotated[str, typer.Option("--note")] = "",
                 as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """管理员设定某日为工作日或休息日 / admin: declare a working or rest day."""
    from decisions.deadlines import calendar as work_calendar

    run(lambda: work_calendar.set_override(day, workday, note, as_user), json_,
         lambda r: f"{r['day']}: {'工作日' if r['workday'] else '休息日'} {r['note']}")


@calendar_app.command("unset")
def calendar_unset(day: str, as_user: Annotated[str | None, typer.Option("--as")] = None,
                   json_: JsonOpt = False) -> None:
    """删除某日的调整 / remove an override."""
    from decisions.deadlines import calendar as work_calendar

    run(lambda: work_calendar.remove_override(day, as_user), json_, lambda r: f"{r['day']}: removed")


@calendar_app.command("import")
def calendar_import(file: Path, as_user: Annotated[str | None, typer.Option("--as")] = None,
                    json_: JsonOpt = False) -> None:
    """导入某年节假日安排（CSV: day,workday[,note]）/ load a year's holiday table into the override table."""
    from decisions.deadlines import calendar as work_calendar

    def human(r: dict) -> str:
        if r["warning"]:
            typer.echo(r["warning"], err=True)
        return f"已导入 {r['rows']} 天 / imported {r['rows']} days: {', '.join(map(str, r['years']))}"

    run(lambda: work_calendar.import_overrides(file, as_user), json_, human)


@calendar_app.command("list")
def calendar_list(year: Annotated[int | None, typer.Option("--year")] = None, json_: JsonOpt = False) -> None:
    """管理员维护的调整表 / the override table."""
    from decisions.deadlines import calendar as work_calendar

    run(lambda: work_calendar.list_overrides(year), json_,
         lambda rows: "\n".join(f"{r['day']}\t{'工作日' if r['workday'] else '休息日'}\t{r['note']}" for r in rows)
         or "（无 / none）")


@calendar_app.command("confirm")
def calendar_confirm(year: int, notice_ref: Annotated[str, typer.Option("--notice-ref", help="国务院办公厅通知文号 / "
                                                                                     "the notice's reference")],
                     as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """确认某年日历（已导入国务院节假日通知）/ confirm a year once the State Council's notice is imported."""
    from decisions.deadlines import calendar as work_calendar

    run(lambda: work_calendar.confirm_year(year, notice_ref=notice_ref, as_user=as_user), json_,
        lambda r: f"{r['year']} 年日历已确认（{r['notice_ref']}，{r['rows']} 条调整）/ confirmed")


@calendar_app.command("unconfirm")
def calendar_unconfirm(year: int, as_user: Annotated[str | None, typer.Option("--as")] = None,
                       json_: JsonOpt = False) -> None:
    """撤销年度日历确认 / take a year's confirmation back (provisional again)."""
    from decisions.deadlines import calendar as work_calendar

    run(lambda: work_calendar.unconfirm_year(year, as_user=as_user), json_,
        lambda r: f"{r['year']} 年日历确认已撤销 / confirmation taken back")
