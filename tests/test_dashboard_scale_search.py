"""The workbench search at province scale (issue 7 item 4a): a substring of the title or the code, found the
same whether PostgreSQL answers it from the trigram indexes (three letters or digits in a row: a code
fragment) or by reading the rows (a two-character Chinese word, which has no trigram)."""

from __future__ import annotations

from decisions.workbench import views as workbench
from tests.helpers import Walker


def test_search_by_title_word_and_code_fragment(org):
    titles = ["示例市公共停车设施建设管理办法", "示例市停车场收费标准", "示例市城市更新专项规划",
              "示例市老旧小区改造三年行动计划"]
    made = [Walker().new(t) for t in titles]
    everything = workbench.decisions("auditor", limit=100)["rows"]
    codes = {r["id"]: r["code"] for r in everything}
    by_title = {r["id"]: r["title"] for r in everything}
    middle = codes[made[2].id][-7:]          # e.g. '2026-00003' without its organ: a fragment inside the code
    for query in ("停车", "车", "城市更新", codes[made[1].id], middle, "CITY-2026", "无此决策", "XYZ"):
        found = workbench.decisions("auditor", query=query, limit=100)
        want = {i for i in codes if query in codes[i] or query in by_title[i]}
        assert {r["id"] for r in found["rows"]} == want, query
        assert found["total"] == len(want), query
