"""新建决策 / Register a proposal (决策建议, Art 10): decision organ or undertaking unit."""

from __future__ import annotations

import streamlit as st

from decisions.catalog import service as catalog
from decisions.procedure import service
from decisions.workbench import views as workbench
from ui import common
from ui.common import t

user = common.require_user(("decision_organ", "drafter"))
st.title(t("new_title"))

offices = workbench.offices()
codes = [o["code"] for o in offices]
names = {o["code"]: o["name"] if common.lang() == "zh" else f"{o['code']} {o['name']}" for o in offices}
organs = [o["code"] for o in offices if o["level"] in ("province", "city", "county", "township")] or codes
default_organ = user["office"] if user["office"] in organs else next(
    (o for o in organs if user["office"].startswith(o + "-")), organs[0])
SOURCES = {"leader": ("领导提出", "leader"), "department": ("部门提出", "department"),
           "npc_cppcc": ("人大代表、政协委员建议", "NPC/CPPCC"), "public": ("公众提出", "public")}
CATEGORIES = {1: "公共服务、市场监管、社会管理、环境保护等重大公共政策和措施",
              2: "经济和社会发展等方面的重要规划", 3: "开发利用、保护重要自然资源和文化资源的重大公共政策和措施",
              4: "在本行政区域实施的重大公共建设项目", 5: "对经济社会发展有重大影响、涉及重大公共利益或者社会公众切身利益的其他重大事项"}

title = st.text_input(t("title"), key="new_title", max_chars=300)
title_err = st.empty()
c1, c2 = st.columns(2)
organ = c1.selectbox(t("organ"), organs, index=organs.index(default_organ), format_func=names.get, key="new_organ")
units = [o["code"] for o in workbench.undertaker_offices(organ)] or [organ]  # the organ's own government only
undertaker_default = user["office"] if user["office"] in units else units[0]
undertaker = c2.selectbox(t("undertaker"), units, index=units.index(undertaker_default), format_func=names.get,
                          key="new_undertaker")
co = st.multiselect(t("co_undertakers"), [c for c in units if c != undertaker], format_func=names.get, key="new_co",
                    placeholder=common.choose_many())
c1, c2 = st.columns(2)
category = c1.selectbox(t("category"), list(CATEGORIES), format_func=lambda c: f"{c}. {CATEGORIES[c]}",
                        key="new_category")
source = c2.selectbox(t("source"), list(SOURCES), index=1,
                      format_func=lambda s: SOURCES[s][0 if common.lang() == "zh" else 1], key="new_source")
items = catalog.items(organ=organ, as_user=user["username"])  # drafts only of organs in scope
item_labels = {0: t("none")} | {i["id"]: f"{i['year']} #{i['seq']} {i['item_name']}" for i in items}
item = st.selectbox(t("catalog_item"), list(item_labels), format_func=item_labels.get, key="new_item")

if st.button(t("create"), type="primary", key="new_create"):
    if not title.strip():
        title_err.error(t("required"))
    elif len(title.strip()) > 300:
        title_err.error(t("title_too_long"))
    else:
        ok, res = common.call(service.new_decision, title=title, organ=organ, undertaker=undertaker,
                              category=category, source=source, as_user=user["username"], co_undertakers=co,
                              catalog=item or None)
        if ok:
            common.flash(t("created", code=res["code"]))
            common.open_decision(res["id"])
