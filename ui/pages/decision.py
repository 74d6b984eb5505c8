"""决策详情 / The decision page: procedure diagram, determinations, evidence (list and upload),
audit trail, and the advance button that names every unmet requirement with its article."""

from __future__ import annotations

import streamlit as st

from decisions.procedure import service
from decisions.workbench import views as workbench
from ui import common, forms, oa_panel, preview, return_form
from ui.common import escape, t

user = common.require_user()
common.show_flash()
st.title(t("nav_decision"))
recent = workbench.decisions(user["username"], limit=50, count=False)["rows"]
current = st.session_state.get(common.DECISION_KEY)
if current and current not in [r["id"] for r in recent]:
    recent.insert(0, {"id": current, "code": "", "title": ""})
did = common.pick_decision(recent, key="decision_pick") if recent else None
if not did:
    st.info(t("no_decision"))
    st.stop()
ok, page = common.call(workbench.decision_page, did, user["username"], lang=common.lang())
if not ok:
    st.stop()
did = page["id"]
st.session_state[common.DECISION_KEY] = did
acts = page["actions"]

st.header(escape(page["title"]))
st.caption(f"{page['code']} · {escape(common.name(page['state']))} · {escape(page['organ']['name'])} · "
           f"{t('labelled', label=t('undertaker'), value=escape(page['undertaker']['name']))} · "
           f"{escape(page['law']) if common.lang() == 'zh' else escape(page['profile'] + ' ' + page['profile_version'])}")

IRREVERSIBLE_ADVANCE = ("collective_discussion", "execution")

tab_over, tab_trig, tab_ev, tab_audit, tab_other = st.tabs(
    [t("overview"), t("triggers"), t("evidence"), t("flow"), t("other_actions")], key="decision_tabs",
    on_change="rerun", default=t("evidence") if st.session_state.get(common.FILE_KEY) else None)
if tab_ev.open is False or not page["evidence"]:
    common.show_in_address(did)  # the address bar opens this decision again (the evidence tab: the file shown)


def dot_graph(p: dict) -> str:
    """The procedure diagram from the profile's stages; statuses from the record (no user text)."""
    colours = {"done": ("#2e7d32", "#e8f5e9", "solid"), "current": ("#1565c0", "#e3f2fd", "bold"),
               "skipped": ("#9e9e9e", "#f5f5f5", "dashed"), "pending": ("#616161", "#ffffff", "solid"),
               "blocked": ("#c62828", "#ffebee", "bold")}
    lines = ['digraph procedure {', 'rankdir=LR; node [shape=box, style="rounded,filled", fontname="WenQuanYi Zen Hei"];']
    status = {s["key"]: s["status"] for s in p["stages"]}
    keys = [s["key"] for s in p["profile_stages"]]
    for s in p["profile_stages"]:
        st_ = status.get(s["key"], "pending")
        if st_ == "current" and p["blocked"]:
            st_ = "blocked"
        border, fill, style = colours[st_]
        label = f"{s['name']}\\n{common.status_label(st_)}".replace('"', "'")
        lines.append(f'"{s["key"]}" [label="{label}", color="{border}", fillcolor="{fill}", '
                     f'style="rounded,filled,{style}"];')
    lines += [f'"{a}" -> "{b}";' for a, b in zip(keys, keys[1:], strict=False)]
    if p["state"] not in keys:
        side = common.name(p["state"]).replace('"', "'")  # a side state (closed, suspended, …) by its name
        lines.append(f'"{p["state"]}" [label="{side}", shape=octagon, color="#6a1b9a", fillcolor="#f3e5f5"];')
    lines.append("}")
    return "\n".join(lines)


with tab_over:
    if tab_over.open is not False:  # only the selected tab runs
        st.subheader(t("diagram"))
        st.graphviz_chart(dot_graph(page), width="stretch")
        common.table([{t("stage"): s["name"], t("state"): common.status_label(s["status"]), t("article"): s["article"],
                       t("entered"): s["entered_at"], t("left"): s["left_at"], t("note"): common.plain(s["note"])}
                      for s in page["stages"]], hide_index=True, width="stretch", height=36 * (len(page["stages"]) + 1) + 4)
        if page["deadlines"]:
            st.subheader(t("deadlines"))
            for d in page["deadlines"]:
                line = f"{common.when(d['due'])} — {escape(common.plain(d['what']))} [{escape(common.art(d['article']))}]"
                (st.error if d["overdue"] else st.info)((t("overdue") + " · " if d["overdue"] else "") + line)
        left, right = st.columns([1, 2])
        with right:
            if page["blocked"]:
                st.warning(t("blocking_now") + "\n\n" + "\n".join(common.unmet_lines(page["blocked"])),
                           icon=":material/block:")
            elif page["state"] in [s["key"] for s in page["profile_stages"]]:
                st.success(t("nothing_blocks"))
        with left:
            if acts["can_advance"]:
                final = page["state"] in IRREVERSIBLE_ADVANCE  # after the meeting's decision; closing the execution
                sure = common.confirmed(f"advance_sure_{did}_{page['state']}") if final else True
                clicked = st.button(t("advance"), type="primary", key="advance")
                if clicked and not sure:
                    right.error(t("confirm_first"), icon=":material/warning:")
                elif clicked:
                    ok, res = common.call(service.advance, did, as_user=user["username"], where=right)
                    if ok:
                        common.flash(t("advanced", src=common.name(res["from"]), dst=common.name(res["to"])))
                        st.rerun()
            elif page["state"] in [s["key"] for s in page["profile_stages"]]:
                st.caption(t("cannot_advance"))

with tab_trig:
    if tab_trig.open is not False:  # only the selected tab runs
        current = {x["name"]: x for x in page["triggers"]}
        if acts["can_set_triggers"]:
            with st.form("triggers_form"):
                values, reasons, slots = {}, {}, {}
                for td in page["trigger_defs"]:
                    c1, c2, c3 = st.columns([2, 1, 3])
                    c1.text(f"{td['label']}\n{common.art(td['article'])}" if common.lang() == "zh"
                            else f"{td['label']}\n{td['name']} · {td['article']}")
                    have = current.get(td["name"])
                    values[td["name"]] = c2.radio(escape(td["name"]), ["yes", "no"], index=None if not have else
                                                  (0 if have["value"] == "yes" else 1), format_func=forms.enum_label,
                                                  key=f"trig_{did}_{td['name']}", label_visibility="collapsed")
                    reasons[td["name"]] = c3.text_input(t("reason"), value=have["reason"] if have else "",
                                                        key=f"trig_{did}_{td['name']}_reason",
                                                        label_visibility="collapsed", placeholder=t("reason"))
                    slots[td["name"]] = st.empty()
                submitted = st.form_submit_button(t("save_triggers"), type="primary")
            if submitted:
                errors = {}
                for td in page["trigger_defs"]:
                    v, r = values[td["name"]], reasons[td["name"]].strip()
                    if v is None:
                        errors[td["name"]] = t("choose_yes_no")
                    elif v == "no" and not r:
                        errors[td["name"]] = t("reason_needed")
                    elif v == "yes" and td["yes_needs_reason"] and not r:
                        errors[td["name"]] = t("basis_needed")
                if errors:
                    forms.show_errors(errors, slots)
                else:
                    ok, _ = common.call(service.set_triggers, did, sets=values,
                                        reasons={k: v.strip() for k, v in reasons.items() if v.strip()},
                                        as_user=user["username"])
                    if ok:
                        common.flash(t("saved"))
                        st.rerun()
        else:
            st.caption(t("triggers_readonly"))
            labels = {td["name"]: td["label"] for td in page["trigger_defs"]}
            common.table([{t("trigger"): labels.get(x["name"], x["name"]),
                           t("value"): forms.enum_label(x["value"]), t("reason"): x["reason"], t("by"): x["by"],
                           t("time"): x["at"]} for x in page["triggers"]], hide_index=True, width="stretch")

with tab_ev:
    if tab_ev.open is not False:  # only the selected tab runs
        common.table([{"#": e["id"], t("stage"): e["stage"], t("kind"): e["kind_name"],
                       t("filename"): forms.struck(e["filename"]) if e.get("void") else e["filename"],
                       t("void_state"): t("void_mark", reason=e["voided"]["reason"], by=e["voided"]["by_name"],
                                          when=common.when(e["voided"]["at"])) if e.get("voided") else "",
                       t("uploader"): f"{e.get('uploader_name') or e['uploader']}（{common.name(e['role'])}，{common.name(e['office'])}）",
                       t("on_behalf_col"): forms.entry_text(e),
                       t("time"): e["at"], "SHA-256": e["sha256"], t("detail"): common.meta_text(e["meta"])}
                      for e in page["evidence"]], hide_index=True, width="stretch")
        shown_file = preview.evidence_viewer(did, page["evidence"], user["username"], "dec")
        if page["evidence"]:  # the address names the file shown: copy it to open it again
            common.show_in_address(did, shown_file)
        st.subheader(t("upload"))
        kinds = {k["kind"]: k for k in acts["kinds"]}
        if not kinds:
            st.caption(t("no_kinds"))
        else:
            kind = st.selectbox(t("kind"), list(kinds), format_func=lambda k: kinds[k]["name"], key=f"ev_kind_{did}")
            schema = kinds[kind]
            offices = [o["code"] for o in workbench.offices()] if any(
                f["type"] == "office" for f in schema["meta"].values()) else []
            forms.evidence_form(did, kind, schema, offices, user["username"])
        forms.void_form(did, page, user)

with tab_audit:
    if tab_audit.open is not False:  # only the selected tab runs
        oa_panel.render(did, user)

with tab_other:
    if tab_other.open is not False:  # only the selected tab runs
        if page["meetings"]:
            st.subheader(t("meetings"))
            for m in page["meetings"]:
                st.text(f"{common.when(m['date'])} {common.name(m['type'])} · {m['present']}/{m['members']} · "
                        f"{t('outcome')}: {common.name(m['outcome'])}"
                        + (f" · {t('reason')}: {m['reason']}" if m["reason"] else ""))
                common.table([{"#": p["seq"], t("head"): "✓" if p["is_head"] else "", t("actor"): f"{p['name']}（{p['user']}）" if p.get("name") else p["user"],
                               t("position"): common.name(p["position"])} for p in m["positions"]], hide_index=True)
        side = {s["action"]: s for s in acts["side"]}
        if not side:
            st.caption(t("side_none"))
        else:
            action = st.selectbox(t("side_action"), list(side), key=f"side_{did}",
                                  format_func=lambda a: f"{t('side_' + a)} [{common.art(side[a]['article'])}]")
            reason = st.text_area(t("side_reason") + " *", key=f"side_reason_{did}")
            reason_slot = st.empty()
            sure = common.confirmed(f"side_sure_{did}_{action}")
            if forms.reasoned_click(t("side_button"), f"side_go_{did}", reason, sure, reason_slot):
                ok, res = common.call(service.side_transition, did, action=action, reason=reason,
                                      as_user=user["username"])
                if ok:
                    common.flash(t("side_done", src=common.name(res["from"]), dst=common.name(res["to"])))
                    st.rerun()
        return_form.render(did, user["username"])  # 退回 with a reason (sending back, procedure.md §8)
