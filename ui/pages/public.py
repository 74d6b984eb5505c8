"""公开信息 / Public page (no login): the published catalog and published decisions only.

Nothing from a draft and nothing of a non_disclosable decision: decisions.procedure.views.published()
returns only decisions whose publication stage is done and that are not non_disclosable.
"""

from __future__ import annotations

import streamlit as st

from decisions import channel
from decisions.catalog import views as catalog_views
from decisions.procedure import views
from ui import common, forms
from ui.common import escape, t

channel.set_channel("public")  # what the public does here comes through the public channel

st.title(t("public_title"))

st.subheader(t("public_decisions"))
rows = views.published()
for r in rows:
    with st.container(border=True):
        st.markdown(f"**{escape(r['title'])}**")
        st.text(f"{r['code']} · {r['organ']} · {t('published_at')}: {common.when(r['published'])} · {t('channel')}: "
                f"{forms.enum_label(r['channel'])}" + (f"\n{t('url')}: {r['url']}" if r["url"] else ""))
if not rows:
    st.info(t("no_data"))

st.subheader(t("public_catalog"))
cat = catalog_views.catalog_overview(None, published_only=True)
for g in cat["groups"]:
    items = [i for i in cat["items"] if i["organ"] == g["organ"] and i["year"] == g["year"]]
    st.text(f"{g['organ_name']} {g['year']}（{len(items)}）")
    common.table([{"#": i["seq"], t("item_name"): i["item_name"], t("undertaker"): i["undertaking_unit"],
                   t("planned_time"): i["planned_time"], t("published_at"): i["published_at"]} for i in items],
                 hide_index=True, width="stretch")
if not cat["groups"]:
    st.info(t("no_data"))
