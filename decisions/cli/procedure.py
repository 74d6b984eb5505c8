"""The procedure of one decision: register, triggers, evidence, advance, the meeting, side transitions, show, list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from decisions.cli.base import AsOpt, JsonOpt, ReadAsOpt, app, read_file, run
from decisions.errors import BadInput

decision_app = typer.Typer(no_args_is_help=True, help="决策事项 / decisions")


evidence_app = typer.Typer(no_args_is_help=True, help="材料 / evidence")


app.add_typer(decision_app, name="decision")


app.add_typer(evidence_app, name="evidence")


@decision_app.command("new")
def decision_new(title: Annotated[str, typer.Option("--title")], organ: Annotated[str, typer.Option("--organ")],
                 undertaker: Annotated[str, typer.Option("--undertaker")],
                 category: Annotated[str, typer.Option("--category")],
                 source: Annotated[str, typer.Option("--source")], as_user: AsOpt,
                 co_undertaker: Annotated[list[str] | None, typer.Option("--co-undertaker")] = None,
                 catalog: Annotated[str | None, typer.Option("--catalog")] = None, json_: JsonOpt = False) -> None:
    """提出决策事项 / register a proposed decision."""
    from decisions.procedure import service

    run(lambda: service.new_decision(title=title, organ=organ, undertaker=undertaker, category=category,
                                      source=source, as_user=as_user, co_undertakers=co_undertaker or [],
                                      catalog=catalog), json_,
         lambda r: f"已创建决策 / decision created: #{r['id']} {r['code']} 「{r['title']}」 ({r['profile']})")


@decision_app.command("triggers")
def decision_triggers(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt,
                      set_: Annotated[list[str] | None, typer.Option("--set")] = None,
                      reason: Annotated[list[str] | None, typer.Option("--reason")] = None,
                      json_: JsonOpt = False) -> None:
    """作出适用性判定 / record trigger determinations (NAME=yes|no, reasons for 'no')."""
    from decisions.procedure import metadata, service

    def go() -> dict:
        sets = metadata.parse_pairs(set_ or [], "--set")
        reasons = metadata.parse_pairs(reason or [], "--reason")
        return service.set_triggers(ident, sets=sets, reasons=reasons, as_user=as_user)

    run(go, json_, lambda r: "已记录判定 / recorded: " + ", ".join(f"{k}={v['value']}" for k, v in r["triggers"].items()))


def _side(action: str) -> Callable[..., None]:
    def cmd(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt,
            reason: Annotated[str, typer.Option("--reason", help="理由或依据 / reason or basis")],
            json_: JsonOpt = False) -> None:
        from decisions.procedure import service

        run(lambda: service.side_transition(ident, action=action, reason=reason, as_user=as_user), json_,
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
                 meta: Annotated[list[str] | None, typer.Option("--meta")] = None,
                 on_behalf: Annotated[str | None, typer.Option(
                     "--on-behalf", metavar="USER",
                     help="代录：为作者 USER 录入其签名纸质原件，FILE 须为原件扫描件（含扫描页的PDF或图片）/ enter the "
                          "author's signed paper original; FILE must be its scan (procedure.md §8)")] = None,
                 json_: JsonOpt = False) -> None:
    """提交材料 / attach evidence to the current stage (代录 with --on-behalf)."""
    from decisions.procedure import metadata, service

    def go() -> dict:
        pairs = metadata.parse_pairs(meta or [], "--meta")
        data = read_file(file, "FILE")
        return service.add_evidence(ident, kind=kind, filename=file.name, data=data, meta=pairs, as_user=as_user,
                                    on_behalf=on_behalf)

    def human(r: dict) -> str:
        entered = f" 代录 / entered by {r['on_behalf']} for {r['author']}" if r.get("on_behalf") else ""
        return f"已提交 / attached: #{r['id']} {r['kind']} {r['filename']} sha256={r['sha256']}{entered}"

    run(go, json_, human)


@evidence_app.command("void")
def evidence_void(ident: Annotated[str, typer.Argument(metavar="ID")],
                  evidence_id: Annotated[int, typer.Argument(metavar="EVIDENCE_ID")],
                  reason: Annotated[str, typer.Option("--reason")], as_user: AsOpt, json_: JsonOpt = False) -> None:
    """作废误传的材料（保留原件，闸门不再计入）/ void a wrong upload (kept, no longer counted by any gate)."""
    from decisions.procedure import voiding

    run(lambda: voiding.void_evidence(ident, evidence_id, reason, as_user),
        json_, lambda r: f"已作废 / voided: #{r['evidence_id']} {r['filename']} — {r['reason']}")


@app.command("advance")
def advance_cmd(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: AsOpt, json_: JsonOpt = False) -> None:
    """进入下一阶段，或说明缺少什么 / leave the current stage, or say exactly why not."""
    from decisions.procedure import service

    def human(r: dict) -> str:
        lines = [f"#{r['id']}: {r['from']} → {r['to']}"]
        lines += [f"  跳过 / skipped {s['stage']}: {s['reason']}" for s in r["skipped"]]
        return "\n".join(lines)

    run(lambda: service.advance(ident, as_user=as_user), json_, human)


@app.command("return")
def return_cmd(ident: Annotated[str, typer.Argument(metavar="ID")], to: Annotated[str, typer.Option("--to")],
               reason: Annotated[str, typer.Option("--reason", help="退回理由 / why")], as_user: AsOpt,
               json_: JsonOpt = False) -> None:
    """退回到此前的阶段重新办理（新一轮）/ send a decision back to an earlier stage (a new round)."""
    from decisions.procedure.sending_back import return_decision

    run(lambda: return_decision(ident, to=to, reason=reason, as_user=as_user), json_,
        lambda r: f"#{r['id']}: 已退回 / returned {r['from']} → {r['to']}（第{r['round']}轮 / round {r['round']}）")


@app.command("meeting")
def meeting_cmd(ident: Annotated[str, typer.Argument(metavar="ID")],
                type_: Annotated[str, typer.Option("--type")], date: Annotated[str, typer.Option("--date")],
                minutes: Annotated[Path, typer.Option("--minutes")],
                position: Annotated[list[str], typer.Option("--position")], head: Annotated[str, typer.Option("--head")],
                outcome: Annotated[str, typer.Option("--outcome")], as_user: AsOpt,
                members: Annotated[str | None, typer.Option("--members")] = None,
                reason: Annotated[str, typer.Option("--reason")] = "",
                rerun: Annotated[list[str] | None, typer.Option(
                    "--rerun", help="修改后须重新进行的阶段（--outcome revise）/ a stage the revised draft runs again")
                ] = None, json_: JsonOpt = False) -> None:
    """记录集体讨论决定（第30条）/ record the collective discussion."""
    from decisions.procedure import metadata

    def go() -> dict:
        try:
            total = None if members is None else int(members)
        except ValueError:
            raise BadInput(f"--members {members!r}: 应为整数 / must be an integer") from None
        pairs = list(metadata.parse_pairs(position, "--position").items())
        data = read_file(minutes, "--minutes")
        from decisions.procedure.meeting import MeetingInput, record_meeting

        m = MeetingInput(type=type_, date=date, minutes_filename=minutes.name, minutes=data, members=total,
                                 positions=pairs, head=head, outcome=outcome, reason=reason,
                                 rerun=tuple(rerun or ()))
        return record_meeting(ident, m, as_user=as_user)

    run(go, json_, lambda r: f"#{r['id']}: 会议已记录 / meeting recorded, outcome={r['outcome']}, state={r['state']}")


@app.command("show")
def show_cmd(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: ReadAsOpt = None,
             json_: JsonOpt = False) -> None:
    """决策详情 / state, stages, evidence, audit trail (--as: exit 4 outside that user's scope)."""
    from decisions.procedure import views
    from decisions.storage import settings

    lang = settings.get_settings().lang
    run(lambda: views.show(ident, lang=lang, as_user=as_user), json_, _show_human)


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
        entered = f" (代录 / entered by {e['on_behalf']})" if e.get("on_behalf") else ""
        lines.append(f"    #{e['id']} [{e['stage']}] {e['kind_name']} {e['filename']} {e['uploader']}{entered} {e['at']} "
                     f"sha256={e['sha256'][:16]}…"
                     + (f" 作废 / void: {e['void']}（{e['voided']['by']} {e['voided']['at']}）" if e.get("voided") else ""))
    if r["blocked"]:
        lines.append("  尚缺 / blocking:")
        lines += [f"    - [{b['article']}] {b['message']}" for b in r["blocked"]]
    for ret in r.get("returns", []):
        lines.append(f"  退回 / returned {ret['from']} → {ret['to']} by {ret['by']} {ret['at']}: {ret['reason']}")
    lines.append(f"  审计 / audit events: {len(r['audit'])}")
    return "\n".join(lines)


@app.command("list")
def list_cmd(state: Annotated[str | None, typer.Option("--state")] = None,
             organ: Annotated[str | None, typer.Option("--organ")] = None, as_user: ReadAsOpt = None,
             json_: JsonOpt = False) -> None:
    """列出决策 / list decisions (--as: only those that user may open)."""
    from decisions.procedure import views

    run(lambda: views.list_decisions(state=state, organ=organ, as_user=as_user), json_,
         lambda rows: "\n".join(f"#{r['id']}\t{r['code']}\t{r['state']}\t{r['title']}" for r in rows) or "（无 / none）")
