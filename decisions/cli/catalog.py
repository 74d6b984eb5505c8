"""The annual catalog (Art 3¶3) and the yearly report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from decisions.cli.base import AsOpt, JsonOpt, ReadAsOpt, app, run


@app.command("report")
def report_cmd(year: Annotated[int, typer.Option("--year")], organ: Annotated[str | None, typer.Option("--organ")] = None,
               as_user: ReadAsOpt = None, json_: JsonOpt = False) -> None:
    """年度统计 / yearly figures: catalog coverage, risk-assessment rate, legality window, stage days, overdue, stale
    (--as: only the organs that user oversees)."""
    from decisions.reporting import views as report

    run(lambda: report.yearly(year, organ, as_user=as_user), json_, report.human)


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
    from decisions.catalog import service as catalog

    run(lambda: catalog.import_csv(organ, year, file, source=source, published_at=published,
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
    from decisions.catalog import service as catalog

    run(lambda: catalog.add_item(organ, year, item_name=name, as_user=as_user, undertaking_unit=unit,
                                  procedures=procedures, hearing=hearing, legal_basis=legal_basis,
                                  planned_time=planned, target_date=target), json_, _catalog_item_human)


@catalog_app.command("remove")
def catalog_remove(item: int, reason: Annotated[str, typer.Option("--reason")], as_user: AsOpt,
                   json_: JsonOpt = False) -> None:
    """在调整稿中移出事项 / remove an item in the adjustment draft."""
    from decisions.catalog import service as catalog

    run(lambda: catalog.remove_item(item, reason=reason, as_user=as_user), json_, _catalog_item_human)


@catalog_app.command("consent")
def catalog_consent(organ: str, year: int, date: Annotated[str, typer.Option("--date")],
                    ref: Annotated[str, typer.Option("--ref", help="党委同意的文件或会议")], as_user: AsOpt,
                    json_: JsonOpt = False) -> None:
    """记录同级党委同意 / record the Party committee's consent."""
    from decisions.catalog import service as catalog

    run(lambda: catalog.consent(organ, year, day=date, ref=ref, as_user=as_user), json_,
         lambda r: f"第{r['version']}版：党委同意 {r['party_consent_at']}（{r['party_consent_ref']}）")


@catalog_app.command("publish")
def catalog_publish(organ: str, year: int, date: Annotated[str, typer.Option("--date")], as_user: AsOpt,
                    ref: Annotated[str, typer.Option("--ref", help="公布载体或网址")] = "",
                    json_: JsonOpt = False) -> None:
    """向社会公布（须党委同意在先）/ publish (consent first)."""
    from decisions.catalog import service as catalog

    run(lambda: catalog.publish(organ, year, day=date, ref=ref, as_user=as_user), json_,
         lambda r: f"第{r['version']}版已公布 {r['published_at']}，{r['items']} 项")


@catalog_app.command("adjust")
def catalog_adjust(organ: str, year: int, reason: Annotated[str, typer.Option("--reason")], as_user: AsOpt,
                   json_: JsonOpt = False) -> None:
    """调整目录：形成新版本 / open an adjustment (a new version)."""
    from decisions.catalog import service as catalog

    run(lambda: catalog.adjust(organ, year, reason=reason, as_user=as_user), json_,
         lambda r: f"第{r['version']}版调整稿 / draft version {r['version']}: {r['reason']}")


@catalog_app.command("close")
def catalog_close(organ: str, year: int, as_user: AsOpt, summary: Annotated[str, typer.Option("--summary")] = "",
                  json_: JsonOpt = False) -> None:
    """年终办结 / close the catalog year."""
    from decisions.catalog import service as catalog

    run(lambda: catalog.close_year(organ, year, summary=summary, as_user=as_user), json_,
         lambda r: f"{r['organ']} {r['year']} 年度目录已办结 {r['closed_at']}")


@catalog_app.command("list")
def catalog_list(organ: str, year: int, version: Annotated[int | None, typer.Option("--version")] = None,
                 as_user: ReadAsOpt = None, json_: JsonOpt = False) -> None:
    """目录事项 / the items (current, or as in --version; --as: drafts only within that user's scope)."""
    from decisions.catalog import service as catalog

    run(lambda: catalog.items(organ, year, version=version, as_user=as_user), json_,
         lambda rows: "\n".join(_catalog_item_human(r) for r in rows) or "（无 / none）")


@catalog_app.command("versions")
def catalog_versions(organ: str, year: int, as_user: ReadAsOpt = None, json_: JsonOpt = False) -> None:
    """目录版本及同意、公布记录 / versions with consent and publication (--as: drafts only within scope)."""
    from decisions.catalog import service as catalog

    run(lambda: catalog.versions(organ, year, as_user=as_user), json_,
         lambda rows: "\n".join(f"v{r['version']}\t{r['status']}\t同意 {r['party_consent_at'] or '—'}\t"
                                f"公布 {r['published_at'] or '—'}\t{r['items']} 项\t{r['reason']}" for r in rows)
         or "（无 / none）")


@catalog_app.command("link")
def catalog_link(ident: Annotated[str, typer.Argument(metavar="ID")], item: int, as_user: AsOpt,
                 json_: JsonOpt = False) -> None:
    """把决策关联到目录事项 / link a decision to a catalog item."""
    from decisions.catalog import service as catalog

    run(lambda: catalog.link(ident, item, as_user=as_user), json_,
         lambda r: f"#{r['id']} → 目录事项 #{r['catalog_item_id']} {r['item_name']}")


@catalog_app.command("compare", help=(
    "目录列明的程序与实际履行的程序比对 / declared vs run procedures.\n\n"
    "--as：决策不在该用户查看范围内，或所关联的目录事项是其范围外机关尚未公布的目录草稿（同 catalog list）时，退出码 4。\n\n"
    "--as: exits 4 when the decision is outside that user's scope, or its catalog item is an unpublished draft of "
    "an organ outside it (the rule of catalog list)."))
def catalog_compare(ident: Annotated[str, typer.Argument(metavar="ID")], as_user: ReadAsOpt = None,
                    json_: JsonOpt = False) -> None:
    """目录列明的程序与实际履行的程序比对 / declared vs run procedures."""
    from decisions.catalog import service as catalog

    def human(r: dict) -> str:
        head = (f"#{r['id']} {r['code']}：" + (f"目录事项 #{r['catalog_item']['id']} {r['catalog_item']['item_name']}"
                                               if r["in_catalog"] else "目录外（第10条决策建议）"))
        rows = [f"  {s['stage']}: 目录 {'—' if s['declared'] is None else ('列明' if s['declared'] else '未列')} · "
                f"实际 {s['status']}{' ⚠ ' + s['finding'] if s['finding'] != 'ok' else ''}" for s in r["stages"]]
        return "\n".join([head, *rows, *(f"  - [{f['article']}] {f['message']}" for f in r["findings"])])

    run(lambda: catalog.compare(ident, as_user=as_user), json_, human)
