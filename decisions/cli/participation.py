"""Public participation: open comment periods and the opinion ledger (Art 15, 18)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from decisions.cli.base import AsOpt, IdArg, JsonOpt, app, read_file, run

consultation_app = typer.Typer(no_args_is_help=True, help="公开征求意见（第15条）/ open comment periods (issue 8)")


opinion_app = typer.Typer(no_args_is_help=True, help="公众意见台账（第18条）/ the opinion ledger")


app.add_typer(consultation_app, name="consultation")


app.add_typer(opinion_app, name="opinion")


@consultation_app.command("open")
def consultation_open(ident: IdArg, start: Annotated[str, typer.Option("--start")],
                      end: Annotated[str, typer.Option("--end")], as_user: AsOpt,
                      explanation: Annotated[str, typer.Option("--explanation", help="草案说明 / the explanation")] = "",
                      explanation_file: Annotated[Path | None, typer.Option("--explanation-file")] = None,
                      shortened_reason: Annotated[str, typer.Option("--shortened-reason")] = "",
                      title: Annotated[str, typer.Option("--title")] = "",
                      draft: Annotated[int | None, typer.Option("--draft", help="草案材料编号 / draft evidence id")] = None,
                      json_: JsonOpt = False) -> None:
    """公布草案及说明，公开征求意见 / publish the draft and its explanation for comment."""
    from decisions.participation import service as participation

    def go() -> dict:
        text = explanation
        if explanation_file is not None:
            text = read_file(explanation_file, "--explanation-file").decode("utf-8", errors="replace")
        return participation.open_consultation(ident, start=start, end=end, explanation=text, as_user=as_user,
                                               shortened_reason=shortened_reason, title=title,
                                               draft_evidence_id=draft)

    run(go, json_, lambda r: f"征求意见 #{r['id']} {r['code']}: {r['start']} — {r['end']} ({r['status']})")


@consultation_app.command("list")
def consultation_list(json_: JsonOpt = False) -> None:
    """公开征求意见中的决策 / consultations on the public page."""
    from decisions.participation import public

    run(public.public_consultations, json_,
         lambda rows: "\n".join(f"#{r['id']} {r['code']} {r['start']} — {r['end']} [{r['status']}] {r['title']}"
                                for r in rows) or "（无 / none）")


@opinion_app.command("submit")
def opinion_submit(consultation: Annotated[int, typer.Argument(metavar="CONSULTATION")],
                   text: Annotated[str, typer.Option("--text")], name: Annotated[str, typer.Option("--name")] = "",
                   contact: Annotated[str, typer.Option("--contact")] = "",
                   client: Annotated[str, typer.Option("--client", help="限流用的来源标识 / client id")] = "cli",
                   json_: JsonOpt = False) -> None:
    """以公众身份提交意见（同公开页面）/ submit an opinion as the public page does."""
    from decisions.participation import public

    run(lambda: public.submit_opinion(consultation, content=text, name=name, contact=contact, client=client),
         json_, lambda r: f"已收到 / received: 回执号 {r['receipt']}")


@opinion_app.command("add")
def opinion_add(ident: IdArg, channel: Annotated[str, typer.Option("--channel")],
                text: Annotated[str, typer.Option("--text")], as_user: AsOpt,
                name: Annotated[str, typer.Option("--name")] = "", contact: Annotated[str, typer.Option("--contact")] = "",
                received: Annotated[str, typer.Option("--received", help="YYYY-MM-DD")] = "",
                json_: JsonOpt = False) -> None:
    """登记其他渠道的意见 / enter an opinion from another channel (letter, symposium, hearing, expert...)."""
    from decisions.participation import service as participation

    run(lambda: participation.add_opinion(ident, channel=channel, content=text, name=name, contact=contact,
                                           received=received, as_user=as_user),
         json_, lambda r: f"意见 #{r['id']} 回执号 {r['receipt']} ({r['channel']})")


@opinion_app.command("dispose")
def opinion_dispose(ident: IdArg, opinions: Annotated[list[int], typer.Argument(metavar="OPINION...")],
                    disposition: Annotated[str, typer.Option("--disposition",
                                                             help="adopted|partially_adopted|not_adopted")],
                    reason: Annotated[str, typer.Option("--reason")], as_user: AsOpt,
                    group: Annotated[str, typer.Option("--group")] = "",
                    draft: Annotated[int | None, typer.Option("--draft", help="吸收意见的草案材料编号")] = None,
                    json_: JsonOpt = False) -> None:
    """处理意见：采纳、部分采纳或不予采纳并说明理由 / disposition opinions with a reason."""
    from decisions.participation import service as participation

    run(lambda: participation.dispose(ident, opinions, disposition=disposition, reason=reason, group=group,
                                       draft_evidence_id=draft, as_user=as_user),
         json_, lambda r: f"{r['decision']}: {len(r['opinions'])} 条 → {r['disposition']}")


@opinion_app.command("hide")
def opinion_hide(opinion: Annotated[int, typer.Argument(metavar="OPINION")], reason: Annotated[str, typer.Option("--reason")],
                 as_user: AsOpt, json_: JsonOpt = False) -> None:
    """屏蔽不当内容（保留记录）/ hide abusive content (kept, marked)."""
    from decisions.participation import service as participation

    run(lambda: participation.hide_opinion(opinion, reason=reason, as_user=as_user), json_,
         lambda r: f"已屏蔽 / hidden: {r['receipt']}")


@opinion_app.command("list")
def opinion_list(ident: IdArg, as_user: AsOpt, json_: JsonOpt = False) -> None:
    """意见台账 / the ledger."""
    from decisions.participation import service as participation

    def human(r: dict) -> str:
        n = r["counts"]
        head = (f"{r['decision']['code']}: 收到 {n['received']}，采纳 {n['adopted']}，部分采纳 {n['partially_adopted']}，"
                f"不予采纳 {n['not_adopted']}，待处理 {n['pending']}，屏蔽 {n['hidden']}")
        return "\n".join([head, *(f"#{o['id']} {o['receipt']} [{o['channel']}] {o['disposition'] or '-'}"
                                  f"{' (hidden)' if o['hidden'] else ''} {o['content'][:60]!r}" for o in r["opinions"])])

    run(lambda: participation.ledger(ident, as_user=as_user), json_, human)


@opinion_app.command("export")
def opinion_export(ident: IdArg, as_user: AsOpt, out: Annotated[Path, typer.Option("--out")],
                   json_: JsonOpt = False) -> None:
    """意见台账导出为 CSV（公式已中和）/ the ledger as CSV for a spreadsheet (formulas neutralised)."""
    from decisions.participation import service as participation

    def go() -> dict:
        name, data = participation.ledger_csv(ident, as_user=as_user)
        out.write_bytes(data)
        return {"file": str(out), "name": name, "bytes": len(data)}

    run(go, json_, lambda r: f"已导出 / exported: {r['file']} ({r['bytes']} bytes)")


@opinion_app.command("register")
def opinion_register(ident: IdArg, as_user: AsOpt, json_: JsonOpt = False) -> None:
    """由台账生成「意见采纳情况登记」材料 / generate the opinion_register evidence from the ledger."""
    from decisions.participation import service as participation

    run(lambda: participation.generate_register(ident, as_user=as_user), json_,
         lambda r: f"材料 #{r['evidence_id']} opinion_register {r['meta']}")


@opinion_app.command("feedback")
def opinion_feedback(ident: IdArg, as_user: AsOpt, json_: JsonOpt = False) -> None:
    """阶段结束后生成并公布意见采纳情况说明 / generate (and publish) the feedback after the stage."""
    from decisions.participation import service as participation

    run(lambda: participation.generate_feedback(ident, as_user=as_user), json_,
         lambda r: f"意见采纳情况说明 #{r['id']} {'已公布 / published' if r['published'] else '不予公开 / not published'}")


@opinion_app.command("lookup")
def opinion_lookup(receipt: Annotated[str, typer.Argument(metavar="RECEIPT")], json_: JsonOpt = False) -> None:
    """凭回执号查询 / look up an opinion by receipt number."""
    from decisions.participation import public

    run(lambda: public.lookup(receipt), json_,
         lambda r: f"{r['receipt']} {r['code']}: {r['status']} {r['disposition']} {r['reason']}")
