"""Registers (procedure.md §8): `juece register member|list|review-office`, `juece expert assign`."""

from __future__ import annotations

from typing import Annotated

import typer

from decisions.cli.base import AsOpt, IdArg, JsonOpt, app, run

register_app = typer.Typer(no_args_is_help=True, help="登记：会议组成人员、合法性审查机构 / registers")


expert_app = typer.Typer(no_args_is_help=True, help="论证专家 / the expert panel (Art 20)")
assessor_app = typer.Typer(no_args_is_help=True, help="受托风险评估机构 / commissioned risk assessors (Art 22, 23)")


app.add_typer(register_app, name="register")


app.add_typer(expert_app, name="expert")
app.add_typer(assessor_app, name="assessor")


def _member_line(m: dict) -> str:
    period = f"{m['from']} – {m['to'] or '至今 / sitting'}"
    head = " 行政首长 / head" if m["head"] else ""
    return f"{m['user']} {m['name']} {period} {m['title']}{head}".rstrip()


@register_app.command("member")
def register_member(organ: Annotated[str, typer.Argument(metavar="ORGAN")],
                    user: Annotated[str, typer.Argument(metavar="USER")], as_user: AsOpt,
                    from_: Annotated[str | None, typer.Option("--from")] = None,
                    to: Annotated[str | None, typer.Option("--to")] = None,
                    title: Annotated[str, typer.Option("--title")] = "",
                    head: Annotated[bool, typer.Option("--head", help="行政首长 / the organ's head")] = False,
                    json_: JsonOpt = False) -> None:
    """登记会议组成人员（第30条），--to 单独给出为离任 / enter a member of the organ's body; --to alone: leaves."""
    from decisions.procedure import registers

    run(lambda: registers.register_member(organ, user, from_date=from_, to_date=to, title=title, head=head,
                                          as_user=as_user), json_,
        lambda r: f"{r['organ']}: " + _member_line(r))


@register_app.command("list")
def register_list(organ: Annotated[str, typer.Argument(metavar="ORGAN")],
                  date: Annotated[str | None, typer.Option("--date")] = None, json_: JsonOpt = False) -> None:
    """会议组成人员登记 / the register of members (on a date)."""
    from decisions.procedure import registers

    def human(r: dict) -> str:
        head = f"{r['organ']}" + (f"（{r['date']}）" if r["date"] else "") + f": {r['size']} 人 / members"
        office = f"合法性审查机构 / reviewing office: {r['review_office'] or '未登记 / none'}"
        return "\n".join([head, *("  " + _member_line(m) for m in r["members"]), office])

    run(lambda: registers.list_members(organ, on=date), json_, human)


@register_app.command("review-office")
def register_review_office(organ: Annotated[str, typer.Argument(metavar="ORGAN")],
                           office: Annotated[str, typer.Argument(metavar="OFFICE")], as_user: AsOpt,
                           json_: JsonOpt = False) -> None:
    """登记决策机关的合法性审查机构（第25条，管理员）/ the office that does the organ's legality review (admin)."""
    from decisions.procedure import registers

    run(lambda: registers.set_review_office(organ, office, as_user=as_user), json_,
        lambda r: f"{r['organ']}: 合法性审查机构 / reviewing office {r['review_office']}")


@expert_app.command("assign")
def expert_assign(ident: IdArg, users: Annotated[list[str], typer.Argument(metavar="USER [USER ...]")],
                  as_user: AsOpt,
                  interest: Annotated[list[str] | None, typer.Option(
                      "--interest", help="声明与决策事项有直接利害关系的专家（拒绝选定）/ an expert who declared a "
                                         "direct interest (refused, Art 20)")] = None,
                  json_: JsonOpt = False) -> None:
    """承办单位选定论证专家（第20条）/ the undertaking unit assigns experts to the decision."""
    from decisions.procedure import experts

    run(lambda: experts.assign_experts(ident, users, interest=interest or [], as_user=as_user), json_,
        lambda r: f"#{r['id']}: 已选定专家 / experts assigned: {', '.join(r['assigned'])}")


@assessor_app.command("assign")
def assessor_assign(ident: IdArg, users: Annotated[list[str], typer.Argument(metavar="USER [USER ...]")],
                    as_user: AsOpt,
                    interest: Annotated[list[str] | None, typer.Option(
                        "--interest", help="声明与决策事项有直接利害关系的评估人员（拒绝选定）/ an assessor who declared "
                                           "a direct interest (refused)")] = None,
                    json_: JsonOpt = False) -> None:
    """承办单位委托风险评估机构人员（第22、23条）/ the undertaking unit commissions risk assessors for the decision;
    only they (besides the undertaking unit) file its risk_report."""
    from decisions.procedure import experts

    run(lambda: experts.assign_assessors(ident, users, interest=interest or [], as_user=as_user), json_,
        lambda r: f"#{r['id']}: 已委托风险评估人员 / assessors assigned: {', '.join(r['assigned'])}")
