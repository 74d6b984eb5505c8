"""After the decision: public feedback, post-evaluation, adjustment, closing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from decisions.cli.base import AsOpt, JsonOpt, ReadAsOpt, app, read_file, run
from decisions.cli.procedure import decision_app

feedback_app = typer.Typer(no_args_is_help=True, help="公众意见箱（第35条第2款）/ public feedback")


app.add_typer(feedback_app, name="feedback")


@feedback_app.command("add")
def feedback_add(ident: Annotated[str, typer.Argument(metavar="ID")],
                 channel: Annotated[str, typer.Option("--channel", help="letter|phone|email|web|visit")],
                 text: Annotated[str, typer.Option("--text")], contact: Annotated[str, typer.Option("--contact")] = "",
                 as_user: Annotated[str | None, typer.Option("--as")] = None, json_: JsonOpt = False) -> None:
    """登记公众意见 / record an opinion from the public."""
    from decisions.aftercare import service as aftercare

    run(lambda: aftercare.add_feedback(ident, channel=channel, content=text, contact=contact, as_user=as_user),
         json_, lambda r: f"#{r['decision_id']}: 意见 #{r['id']}（共 {r['count']} 条"
                          f"{'，建议组织决策后评估' if r['post_evaluation_suggested'] else ''}）")


@feedback_app.command("list")
def feedback_list(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: ReadAsOpt = None,
                  json_: JsonOpt = False) -> None:
    """公众意见 / the opinions received (--as: exit 4 outside that user's scope)."""
    from decisions.aftercare import service as aftercare

    run(lambda: aftercare.feedback(ident, as_user=as_user), json_,
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
    from decisions.aftercare import service as aftercare

    run(lambda: aftercare.start_evaluation(ident, trigger=trigger, evaluator=evaluator, reason=reason,
                                            as_user=as_user), json_,
         lambda r: f"#{r['decision_id']}: 后评估 #{r['id']} 由 {r['evaluator']} 承担（{r['trigger']}）")


@evaluation_app.command("report")
def evaluation_report(ident: Annotated[str, typer.Argument(metavar="ID")], file: Annotated[Path, typer.Argument()],
                      conclusion: Annotated[str, typer.Option("--conclusion")],
                      recommendation: Annotated[str, typer.Option("--recommendation")],
                      participants: Annotated[str, typer.Option("--participants")], as_user: AsOpt,
                      json_: JsonOpt = False) -> None:
    """提交评估报告 / file the evaluation report."""
    from decisions.aftercare import service as aftercare

    def go() -> dict:
        data = read_file(file, "FILE")
        return aftercare.report_evaluation(ident, filename=file.name, data=data, conclusion=conclusion,
                                           recommendation=recommendation, participants=participants, as_user=as_user)

    run(go, json_, lambda r: f"#{r['decision_id']}: 评估报告已提交 {r['conclusion']} → {r['recommendation']}")


@decision_app.command("adjust")
def decision_adjust(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt,
                    reason: Annotated[str, typer.Option("--reason")], title: Annotated[str, typer.Option("--title")] = "",
                    minor: Annotated[bool, typer.Option("--minor", help="一般调整：只作记录")] = False,
                    json_: JsonOpt = False) -> None:
    """调整决策（第37条）：重大调整另立新决策并重走程序 / adjust: a major one is a new linked decision."""
    from decisions.aftercare import service as aftercare

    run(lambda: aftercare.adjust(ident, title=title, reason=reason, as_user=as_user, minor=minor), json_,
         lambda r: f"#{r['id']}: 一般调整已记录 / minor adjustment recorded" if r["minor"]
         else f"已立新决策 #{r['id']} {r['code']}（调整 {r['parent']}）/ new decision for the major adjustment")


@decision_app.command("close")
def decision_close(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt, json_: JsonOpt = False) -> None:
    """执行完毕，办结 / execution finished: close."""
    from decisions.aftercare import service as aftercare

    run(lambda: aftercare.close(ident, as_user=as_user), json_, lambda r: f"#{r['id']}: {r['from']} → {r['to']}")


@decision_app.command("after", help=(
    "决策作出后：执行、报告、意见、评估、调整 / life after the decision.\n\n"
    "--as：决策不在该用户查看范围内时退出码 4；原决策和调整形成的新决策只列出其可查看的。\n\n"
    "--as: exits 4 outside that user's scope; the parent and the adjustments are listed only where that user may "
    "open them."))
def decision_after(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: ReadAsOpt = None,
                   json_: JsonOpt = False) -> None:
    """决策作出后：执行、报告、意见、评估、调整 / life after the decision."""
    from decisions.aftercare import service as aftercare

    run(lambda: aftercare.status(ident, as_user=as_user), json_, None)
