"""Evidence forms built from a kind's metadata schema (the profile), validated before saving.

Every error is shown beside its field; nothing is sent to the service until the form is clean (the
service validates again and its refusal is shown too).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import streamlit as st

from decisions.procedure import service, voiding
from decisions.records import filetypes
from decisions.storage.settings import get_settings
from ui import common, i18n
from ui.common import t


def enum_label(value: str) -> str:
    return i18n.enum_name(value, common.lang())


def key_label(key: str) -> str:
    return i18n.key_label(key, common.lang())


def _conditional(schema: dict) -> dict[str, list[dict]]:
    """Keys shown only under a condition (required_when / a shortening reason of a where-limited interval)."""
    cond: dict[str, list[dict]] = {}
    for rw in schema["required_when"]:
        for k in rw["keys"]:
            cond.setdefault(k, []).append(rw["where"])
    for iv in schema["intervals"]:
        if iv["where"]:
            for k in (iv["from"], iv["to"], iv["unless"]):
                if k:
                    cond.setdefault(k, []).append(iv["where"])
    return cond


def _matches(where: dict, raw: dict) -> bool:
    return all(str(raw.get(k) or "") == v for k, v in where.items())


def meta_fields(schema: dict, prefix: str, offices: list[str] | None = None) -> tuple[dict, dict]:
    """Render the widgets of a kind's metadata (all of them, so the form works inside st.form);
    a field needed only in some cases says when. Returns (values, error slots beside each field)."""
    raw: dict[str, Any] = {}
    slots: dict[str, Any] = {}
    cond = _conditional(schema)
    for key, spec in schema["meta"].items():
        when = ""
        if key in cond:
            cases = "、".join(dict.fromkeys(enum_label(v) for w in cond[key] for v in w.values()))
            when = f"（{cases}时填写）" if common.lang() == "zh" else f" (when {cases})"
        label = key_label(key) + (" *" if spec["required"] else "") + when
        wkey = f"{prefix}_{key}"
        if spec["type"] == "enum":
            raw[key] = st.selectbox(label, spec["values"], index=None, format_func=enum_label, key=wkey,
                                    placeholder=common.choose_one())
        elif spec["type"] == "yesno":
            raw[key] = st.radio(label, ["yes", "no"], index=None, format_func=enum_label, horizontal=True, key=wkey)
        elif spec["type"] == "date":
            raw[key] = st.date_input(label, value=None, min_value=date(2000, 1, 1), max_value=date(2100, 12, 31),
                                     format="YYYY-MM-DD", key=wkey)
        elif spec["type"] == "int":
            raw[key] = st.number_input(label, min_value=0, step=1, value=None, key=wkey)
        elif spec["type"] == "office":
            raw[key] = st.selectbox(label, offices or [], index=None, format_func=common.name, key=wkey,
                                    placeholder=common.choose_one())
        else:
            raw[key] = st.text_input(label, key=wkey)
        slots[key] = st.empty()
    return raw, slots


def validate_meta(schema: dict, raw: dict) -> dict[str, str]:
    """Errors by field: required values, date order, counts that add up, minimum periods (with the article)."""
    errors: dict[str, str] = {}
    for key, spec in schema["meta"].items():
        required = spec["required"] or any(key in rw["keys"] and _matches(rw["where"], raw)
                                           for rw in schema["required_when"])
        value = raw.get(key)
        empty = value is None or (isinstance(value, str) and not value.strip())
        if required and empty:
            errors[key] = t("required")
        if spec["type"] == "int" and not empty and (int(value) != value or value < 0):
            errors[key] = t("must_be_int")
    for first, second in schema["order_keys"]:
        a, b = raw.get(first), raw.get(second)
        if isinstance(a, date) and isinstance(b, date) and a > b and second not in errors:
            errors[second] = t("date_order", other=key_label(first))
    sc = schema["sum_check"]
    if sc and all(raw.get(k) is not None for k in [sc["total"], *sc["parts"]]):
        parts = sum(int(raw[p]) for p in sc["parts"])
        if int(raw[sc["total"]]) != parts and sc["total"] not in errors:
            errors[sc["total"]] = t("sum_mismatch", parts=parts, total=int(raw[sc["total"]])) + f" [{common.art(sc['article'])}]"
    for iv in schema["intervals"]:
        if not _matches(iv["where"], raw):
            continue
        a, b = raw.get(iv["from"]), raw.get(iv["to"])
        if not (isinstance(a, date) and isinstance(b, date)) or a > b:
            continue
        days = (b - a).days
        reason = str(raw.get(iv["unless"]) or "").strip() if iv["unless"] else ""
        if days < iv["min_days"] and not reason:
            target = iv["unless"] if iv["unless"] in raw else iv["to"]
            errors.setdefault(target, t("period_short", days=days, min=iv["min_days"], article=common.art(iv["article"])))
    return errors


def clean_meta(raw: dict) -> dict[str, str]:
    out = {}
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, date):
            out[key] = value.isoformat()
        elif isinstance(value, float | int) and not isinstance(value, bool):
            out[key] = str(int(value))
        else:
            out[key] = str(value).strip()
    return out


def check_file(uploaded: Any, required: bool = True) -> tuple[str, bytes, str]:
    """(filename, data, error) of an uploaded file: present, not empty, within the limit, of an allowed type."""
    if uploaded is None:
        return "", b"", t("file_required") if required else ""
    data = uploaded.getvalue()
    name = uploaded.name
    limit = get_settings().max_file_bytes
    if not data:
        return name, data, t("file_empty")
    if len(data) > limit:
        return name, data, t("file_too_big", size=len(data), limit=limit)
    ctype, problem = filetypes.check(name, data)
    if ctype is None:
        return name, data, common.escape(problem)
    return name, data, ""


def show_errors(errors: dict[str, str], slots: dict) -> None:
    for key, message in errors.items():
        if key in slots:
            slots[key].error(message, icon=":material/error:")


# ----------------------------------------------------------------- 代录 (procedure.md §8 "Authors")
def on_behalf_fields(schema: dict, prefix: str) -> tuple[bool, str, Any]:
    """Inside an evidence form: the 代录 choice where the kind admits it (``schema["on_behalf"]``) — forced when the
    user cannot file the kind themselves — and the author's account. Returns (chosen, author, error slot)."""
    if not schema.get("on_behalf"):
        return False, "", None
    if schema.get("own", True):
        chosen = st.checkbox(t("on_behalf_check"), key=f"{prefix}_on_behalf")
    else:
        st.caption(t("on_behalf_only"))
        chosen = True
    author = st.text_input(t("on_behalf_author"), key=f"{prefix}_on_behalf_author", help=t("on_behalf_help"))
    return chosen, author.strip(), st.empty()


def on_behalf_error(chosen: bool, author: str, name: str, data: bytes) -> str:
    """What is wrong with a 代录 before it is sent: no author, or a file that is not the signed original's scan
    (the service checks both again)."""
    if not chosen:
        return ""
    if not author:
        return t("on_behalf_author_missing")
    ctype, _problem = filetypes.check(name, data) if data else (None, "")
    if ctype is not None and not filetypes.is_scan(ctype, data):
        return t("on_behalf_not_scan")
    return ""


def entry_text(e: dict) -> str:
    """An evidence item's 代录 note with both names ('' when the author filed it by their own account)."""
    if not e.get("on_behalf"):
        return ""
    return t("on_behalf_entry", clerk=e["on_behalf"], author=e.get("author") or e.get("uploader") or "")


# ----------------------------------------------------------------- the upload form, the duplicate question, voiding
def struck(text: str) -> str:
    """A voided file's name struck through in a table (a combining long stroke after every character)."""
    return "".join(c + "\u0336" for c in str(text))


def _version_key(did: int, kind: str) -> str:
    return f"ev_version_{did}_{kind}"


def _saved(did: int, kind: str, message: str) -> None:
    """After a save (or a cancelled duplicate): a fresh, empty form (new widget keys), the message, a rerun."""
    st.session_state[_version_key(did, kind)] = int(st.session_state.get(_version_key(did, kind), 0)) + 1
    common.flash(message)
    st.rerun()


def _store(did: int, item: dict, username: str) -> None:
    ok, res = common.call(service.add_evidence, did, kind=item["kind"], filename=item["name"], data=item["data"],
                          meta=item["meta"], as_user=username, on_behalf=item.get("on_behalf"))
    if ok:
        _saved(did, item["kind"], t("evidence_saved", sha=res["sha256"]))


def evidence_form(did: int, kind: str, schema: dict, offices: list[str], username: str) -> None:
    """Attach a file of `kind`: the metadata form, checked before saving; emptied after a save, so a second
    click cannot store a duplicate; the same file (same SHA-256) in this stage again is asked about first."""
    pending_key = f"ev_pending_{did}"
    pending = st.session_state.get(pending_key)
    if pending:
        files = "、".join(f"#{d['id']} {d['filename']}" for d in pending["dups"])
        st.warning(t("duplicate_ask") + "\n\n" + common.escape(t("duplicate_of", files=files)),
                   icon=":material/content_copy:")
        again, cancel = st.columns(2)
        if again.button(t("upload_again"), key=f"ev_again_{did}", type="primary"):
            st.session_state.pop(pending_key, None)
            _store(did, pending, username)
        if cancel.button(t("cancel"), key=f"ev_cancel_{did}"):
            st.session_state.pop(pending_key, None)
            _saved(did, pending["kind"], t("upload_cancelled"))
        return
    n = int(st.session_state.get(_version_key(did, kind), 0))
    sfx = f"_{n}" if n else ""
    with st.form(f"ev_form_{did}_{kind}{sfx}"):
        raw, slots = meta_fields(schema, f"ev_{did}_{kind}{sfx}", offices)
        entered, author, _author_slot = on_behalf_fields(schema, f"ev_{did}_{kind}{sfx}")
        uploaded = st.file_uploader(t("file") + " *" + common.upload_limit(), key=f"ev_file_{did}_{kind}{sfx}")
        file_slot = st.empty()
        submitted = st.form_submit_button(t("upload_button"), type="primary")
    if not submitted:
        return
    errors = validate_meta(schema, raw)
    name, data, file_error = check_file(uploaded)
    file_error = file_error or on_behalf_error(entered, author, name, data)
    if file_error:
        file_slot.error(file_error, icon=":material/error:")
    show_errors(errors, slots)
    if errors or file_error:
        return
    item = {"kind": kind, "name": name, "data": data, "meta": clean_meta(raw), "on_behalf": author if entered else None}
    ok, dups = common.call(voiding.same_file, did, hashlib.sha256(data).hexdigest(), as_user=username)
    if not ok:
        return
    if dups:
        st.session_state[pending_key] = {**item, "dups": dups}
        st.rerun()
    _store(did, item, username)


def void_form(did: int, page: dict, user: dict) -> None:
    """Void a wrong upload of the current stage, with a reason and a confirmation (the service decides who may)."""
    items = [e for e in page["evidence"] if e["stage"] == page["state"] and e["round"] == page["round"]
             and not e.get("void") and (e["uploader"] == user["username"] or "head" in user["roles"])]
    with st.expander(t("void_title")):
        if not items:
            st.caption(t("void_none"))
            return
        labels = {e["id"]: f"#{e['id']} {e['kind_name']} · {e['filename']}" for e in items}
        eid = st.selectbox(t("void_pick"), list(labels), format_func=labels.get, key=f"void_pick_{did}")
        reason = st.text_input(t("void_reason") + " *", key=f"void_reason_{did}_{eid}")
        slot = st.empty()
        sure = common.confirmed(f"void_sure_{did}_{eid}")
        if reasoned_click(t("void_button"), f"void_go_{did}", reason, sure, slot):
            ok, res = common.call(voiding.void_evidence, did, eid, reason, as_user=user["username"], where=slot)
            if ok:
                common.flash(t("void_done", name=common.escape(res["filename"])))
                st.rerun()


def reasoned_click(label: str, key: str, reason: str, sure: bool, slot: Any) -> bool:
    """The button of an irreversible step with a reason (void, close, terminate, …): True once clicked with a
    reason given and the confirmation ticked; otherwise the missing one is named in `slot` and nothing is done."""
    if not st.button(label, key=key):
        return False
    if not reason.strip():
        slot.error(t("required"))
    elif not sure:
        slot.error(t("confirm_first"), icon=":material/warning:")
    else:
        return True
    return False
