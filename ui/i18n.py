"""Interface strings: Simplified Chinese first, English on request. Keys are stable identifiers."""

from __future__ import annotations

import re
from datetime import date, datetime

S: dict[str, tuple[str, str]] = {
    # app and navigation
    "app_title": ("juece 决策 — 重大行政决策工作台", "juece — major administrative decisions workbench"),
    "lang_label": ("语言", "Language"),
    "nav_login": ("登录", "Sign in"),
    "nav_public": ("公开信息", "Public information"),
    "nav_inbox": ("我的待办", "My tasks"),
    "nav_list": ("决策一览", "Decisions"),
    "nav_new": ("新建决策", "New decision"),
    "nav_decision": ("决策详情", "Decision"),
    "nav_legality": ("合法性审查", "Legality review"),
    "nav_meeting": ("集体讨论", "Collective discussion"),
    "nav_catalog": ("决策事项目录", "Decision catalog"),
    "nav_archive": ("归档", "Archive"),
    "nav_dashboard": ("统计", "Dashboard"),
    "sec_work": ("工作", "Work"),
    "sec_overview": ("总览", "Overview"),
    "sec_public": ("公开", "Public"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "logout": ("退出登录", "Sign out"),
    "login_required": ("请先登录。", "Please sign in first."),
    "role_missing": ("您的角色不能使用此页面。", "Your roles cannot use this page."),
    # login
    "login_title": ("登录工作台", "Sign in to the workbench"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "login_button": ("登录", "Sign in"),
    "login_failed": ("用户名或密码不正确。", "Wrong username or password."),
    "required": ("必填。", "Required."),
    "choose_one": ("请选择", "Choose"),
    "choose_many": ("请选择（可多选）", "Choose one or more"),
    "login_demo_hint": ("演示账号见 README（如 hd_organ、czj_drafter、sfj_reviewer、hd_secretary），密码 juece-demo-2026。",
                        "Demo accounts are listed in the README (e.g. hd_organ, czj_drafter, sfj_reviewer, "
                        "hd_secretary), password juece-demo-2026."),
    "sso_button": ("单点登录（OIDC）", "Single sign-on (OIDC)"),
    "sso_unknown": ("单点登录账号在本系统中没有对应用户：", "No local user matches the single sign-on account: "),
    # common
    "open": ("打开", "Open"),
    "none": ("（无）", "(none)"),
    "saved": ("已保存。", "Saved."),
    "error_title": ("操作未执行", "Not done"),
    "blocked_title": ("以下要求尚未满足（操作未执行）：", "These requirements are not met (nothing was changed):"),
    "choose_decision": ("选择决策", "Choose a decision"),
    "decision_id": ("决策编号或代码", "Decision number or code"),
    "no_decision": ("请先选择一个决策。", "Choose a decision first."),
    "total": ("合计", "Total"),
    "state": ("状态", "State"),
    "title": ("标题", "Title"),
    "code": ("代码", "Code"),
    "organ": ("决策机关", "Decision organ"),
    "undertaker": ("承办单位", "Undertaking unit"),
    "labelled": ("{label}：{value}", "{label}: {value}"),  # a label and its value in running text
    "article": ("依据", "Article"),
    "requirement": ("要求", "Requirement"),
    "search": ("搜索标题或代码", "Search title or code"),
    "all_states": ("全部状态", "All states"),
    "page": ("页", "Page"),
    # inbox
    "inbox_title": ("我的待办", "My tasks"),
    "inbox_empty": ("目前没有等待您处理的事项。", "Nothing is waiting for you."),
    "inbox_count": ("共 {total} 项待办，本页逾期 {overdue} 项", "{total} tasks, {overdue} overdue on this page"),
    "due": ("期限", "Due"),
    "overdue": ("已逾期", "Overdue"),
    "reminders": ("提醒", "Reminders"),
    "days_in_stage": ("本阶段已 {days} 天", "{days} days in this stage"),
    "blocking": ("尚缺", "Blocking"),
    "yours": ("需要您处理", "For you"),
    "action_advance": ("可以推进到下一阶段", "Ready to advance"),
    "action_provide": ("需要您提交材料或作出判定", "You need to attach evidence or decide"),
    "action_wait": ("等待其他单位或人员", "Waiting for others"),
    "action_meeting": ("需要记录集体讨论", "Record the meeting"),
    "action_await_meeting": ("待提交会议讨论", "Awaiting the meeting"),
    "action_resume": ("可恢复", "May be resumed"),
    "action_archive": ("待归档", "To archive"),
    # decision page
    "overview": ("概况", "Overview"),
    "triggers": ("判定", "Determinations"),
    "evidence": ("材料", "Evidence"),
    "audit": ("审计记录", "Audit trail"),
    "other_actions": ("其他操作", "Other actions"),
    "diagram": ("程序图", "Procedure"),
    "stages": ("阶段", "Stages"),
    "status_done": ("已完成", "Done"),
    "status_current": ("当前", "Current"),
    "status_skipped": ("跳过", "Skipped"),
    "status_pending": ("未开始", "Not started"),
    "status_blocked": ("受阻", "Blocked"),
    "entered": ("进入", "Entered"),
    "left": ("完成", "Left"),
    "note": ("说明", "Note"),
    "deadlines": ("期限", "Deadlines"),
    "blocking_now": ("离开本阶段尚缺：", "To leave this stage, still missing:"),
    "nothing_blocks": ("本阶段要求均已满足。", "Every requirement of this stage is met."),
    "advance": ("推进到下一阶段", "Advance to the next stage"),
    "advanced": ("已推进：{src} → {dst}", "Advanced: {src} → {dst}"),
    "cannot_advance": ("您的角色不能推进本阶段。", "Your roles cannot advance this stage."),
    "trigger": ("判定项", "Trigger"),
    "value": ("判定", "Value"),
    "reason": ("理由", "Reason"),
    "by": ("判定人", "By"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "reason_needed": ("判定为「否」须说明理由。", "A 'no' needs a reason."),
    "basis_needed": ("判定为「是」须写明法律依据。", "A 'yes' needs its legal basis."),
    "choose_yes_no": ("请选择是或否。", "Choose yes or no."),
    "save_triggers": ("保存判定", "Save determinations"),
    "triggers_readonly": ("只有承办单位可在「决策建议」或「拟订草案」阶段作出判定。",
                          "Only the undertaking unit determines triggers, while proposing or drafting."),
    "kind": ("材料类型", "Evidence kind"),
    "file": ("文件", "File"),
    "filename": ("文件名", "File name"),
    "uploader": ("提交人", "Uploaded by"),
    "on_behalf_col": ("代录", "Entered for the author"),
    "on_behalf_entry": ("{clerk} 代 {author} 录入签名原件扫描件", "{clerk} entered {author}'s signed original (scan)"),
    "on_behalf_check": ("代录：为作者录入其签名纸质原件的扫描件", "Enter the author's signed paper original (scan)"),
    "on_behalf_only": ("本类材料由作者本人提交；您只能代录作者签名原件的扫描件。",
                       "The author files this kind; you may only enter the scan of the author's signed original."),
    "on_behalf_author": ("代录：作者账号", "Author's account"),
    "on_behalf_help": ("须上传作者签名原件的扫描件（含扫描页的PDF，或PNG/JPEG/TIFF图片）；记录将同时载明作者和代录人。",
                       "Upload the scan of the signed original (a PDF with a scanned page, or a PNG/JPEG/TIFF image); "
                       "the record names both the author and you."),
    "on_behalf_author_missing": ("代录须填写作者账号。", "Give the author's account."),
    "on_behalf_not_scan": ("代录须上传签名原件的扫描件（含扫描页的PDF，或图片）。",
                           "Upload the scan of the signed original (a PDF with a scanned page, or an image)."),
    "time": ("时间", "Time"),
    "stage": ("阶段", "Stage"),
    "upload": ("提交材料", "Attach evidence"),
    "upload_button": ("保存材料", "Save evidence"),
    "no_kinds": ("当前阶段没有您可以提交的材料类型。", "There is no evidence kind you can attach in this stage."),
    "file_required": ("请选择要上传的文件。", "Choose a file to upload."),
    "file_too_big": ("文件过大：{size} 字节，上限 {limit} 字节。", "File too large: {size} bytes, limit {limit} bytes."),
    "file_empty": ("文件为空。", "The file is empty."),
    "must_be_int": ("应为非负整数。", "Must be a non-negative integer."),
    "date_order": ("不得早于 {other}。", "Must not be before {other}."),
    "sum_mismatch": ("各项之和（{parts}）应等于收到意见数（{total}）。",
                     "The parts ({parts}) must add up to the total ({total})."),
    "period_short": ("期限仅 {days} 日，不足 {min} 日：须填写缩短理由（{article}）。",
                     "Only {days} days, less than {min}: a reason for shortening is required ({article})."),
    "evidence_saved": ("材料已保存（SHA-256 {sha}）。", "Evidence saved (SHA-256 {sha})."),
    "view_file": ("查看材料", "Read the files"),
    "choose_file": ("选择文件", "Choose a file"),
    "file_checked": ("{name} · {size} · 已与记录核对（SHA-256 {sha}…）", "{name} · {size} · checked against the record (SHA-256 {sha}…)"),
    "download_original": ("下载原件", "Download the original"),
    "converted_note": ("Word/WPS 文件由本机 LibreOffice 转换为 PDF 后预览，版式可能与原件略有差异，以原件为准。",
                       "Word/WPS files are converted to PDF on this server for reading; the original prevails."),
    "prev_page": ("上一页", "Previous"),
    "next_page": ("下一页", "Next"),
    "page_select": ("页码", "Page"),
    "page_n": ("第 {page} 页，共 {pages} 页", "Page {page} of {pages}"),
    "text_truncated": ("内容较长，仅显示开头部分，请下载原件查看全文。", "Long text: only the beginning is shown; download the original."),
    "ofd_note": ("OFD 版式文件暂不能在工作台中直接预览，请下载原件后用 OFD 阅读器打开。",
                 "OFD files cannot be shown in the workbench yet: download the original and open it with an OFD reader."),
    "no_preview": ("此类文件不能在工作台中预览，请下载原件查看。", "This kind of file cannot be shown here: download the original."),
    "preview_failed": ("无法预览：{reason}", "Cannot show the file: {reason}"),
    "side_action": ("操作", "Action"),
    "side_reason": ("理由或依据", "Reason or basis"),
    "side_button": ("执行", "Carry out"),
    # confirmations, duplicates and voiding (issue "The workbench as civil servants expect it", item 5)
    "confirm_irreversible": ("我已核对，确认执行此不可撤销的操作", "I have checked: carry out this irreversible step"),
    "confirm_first": ("此操作不可撤销：请先勾选确认。", "This step cannot be undone: tick the confirmation first."),
    "duplicate_ask": ("此文件已上传过，仍要再次上传吗？", "This file has already been uploaded. Upload it again?"),
    "duplicate_of": ("相同文件（SHA-256 相同）：{files}", "The same file (same SHA-256): {files}"),
    "upload_again": ("仍要上传", "Upload again"),
    "cancel": ("取消", "Cancel"),
    "upload_cancelled": ("未上传。", "Not uploaded."),
    "void_title": ("作废误传的材料", "Void a wrong upload"),
    "void_pick": ("要作废的材料", "File to void"),
    "void_reason": ("作废理由", "Reason"),
    "void_button": ("作废", "Void"),
    "void_done": ("材料 {name} 已作废。", "{name} is void."),
    "void_state": ("状态", "Status"),
    "void_mark": ("作废：{reason}（{by}，{when}）", "void: {reason} ({by}, {when})"),
    "void_none": ("本阶段没有可作废的材料。", "No file of this stage can be voided."),
    "uploader_drop": ("拖放文件到此处，或点击选择文件", "Drag and drop a file here, or click to choose"),
    "uploader_button": ("选择文件", "Choose file"),
    "uploader_limit": ("单个文件不超过 {mb} MB", "{mb} MB per file"),
    "side_none": ("没有您可执行的其他操作。", "No other action is available to you."),
    "side_done": ("已执行：{src} → {dst}", "Done: {src} → {dst}"),
    "side_exclude": ("不纳入（非重大行政决策）", "Exclude (not a major decision)"),
    "side_withdraw": ("撤回", "Withdraw"),
    "side_suspend": ("中止执行", "Suspend"),
    "side_resume": ("恢复", "Resume"),
    "side_terminate": ("终止", "Terminate"),
    "actor": ("操作人", "Actor"),
    "role": ("角色", "Role"),
    "action": ("动作", "Action"),
    "detail": ("内容", "Detail"),
    "meetings": ("会议记录", "Meetings"),
    # new decision
    "new_title": ("新建决策事项（决策建议）", "New decision (proposal)"),
    "category": ("事项类别（条例第三条）", "Category (Art 3)"),
    "source": ("建议来源", "Source"),
    "co_undertakers": ("协办单位", "Co-undertakers"),
    "catalog_item": ("目录事项（可选）", "Catalog item (optional)"),
    "create": ("创建", "Create"),
    "created": ("已创建 {code}。", "Created {code}."),
    "title_too_long": ("标题过长（最多300字）。", "Title too long (300 characters at most)."),
    # legality
    "legality_title": ("合法性审查", "Legality review"),
    "package": ("送审材料", "Submission package"),
    "adviser_opinions": ("法律顾问、公职律师意见", "Legal adviser opinions"),
    "procedure_record": ("履行程序情况（据记录生成）", "Procedure followed (from the record)"),
    "window": ("审查期（工作日）", "Review window (working days)"),
    "workdays_left": ("剩余工作日", "Working days left"),
    "window_end": ("审查期届满日", "Window ends"),
    "no_window": ("尚未报送（缺少送审材料）。", "Not submitted yet (no submission)."),
    "opinion_form": ("审查意见", "Review opinion"),
    "opinion_authority": ("一、决策权限", "1. Authority"),
    "opinion_procedure": ("二、决策程序", "2. Procedure"),
    "opinion_content": ("三、决策内容", "3. Content"),
    "conclusion": ("审查结论", "Conclusion"),
    "opinion_file": ("意见书文件（可选，未上传时由以上内容生成）", "Opinion document (optional; generated from the text above)"),
    "opinion_empty": ("意见不能为空。", "The opinion must not be empty."),
    "save_opinion": ("提交审查意见", "Submit the opinion"),
    "adviser_form": ("法律意见", "Legal opinion"),
    "adviser_name": ("顾问姓名", "Adviser"),
    "adviser_text": ("意见内容", "Opinion"),
    "save_adviser": ("提交法律意见", "Submit the legal opinion"),
    "no_review_tasks": ("没有处于合法性审查阶段、由您审查的决策。", "No decision in legality review for you."),
    # meeting
    "meeting_title": ("集体讨论决定（第三十条）", "Collective discussion (Art 30)"),
    "meeting_type": ("会议类型", "Meeting type"),
    "meeting_date": ("会议日期", "Meeting date"),
    "mtype_executive": ("常务会议", "Executive meeting"),
    "mtype_plenary": ("全体会议", "Plenary meeting"),
    "mtype_office": ("办公会议（局务会议等）", "Office meeting"),
    "members_total": ("组成人员总数", "Total members"),
    "present": ("出席人员（按发言顺序选择，行政首长最后）", "Present (in speaking order; the head last)"),
    "head": ("行政首长", "Head"),
    "position": ("意见", "Position"),
    "pos_approve": ("同意", "approve"),
    "pos_reject": ("不同意", "reject"),
    "pos_abstain": ("弃权", "abstain"),
    "quorum": ("出席 {present} / {total} 人", "{present} of {total} present"),
    "quorum_ok": ("超过半数，可以讨论决定", "more than half: quorum"),
    "quorum_no": ("未超过半数，不得讨论决定", "not more than half: no quorum"),
    "majority": ("其他组成人员多数意见", "Majority of the other members"),
    "no_majority": ("无多数", "no majority"),
    "outcome": ("行政首长决定", "Head's decision"),
    "out_approve": ("通过", "approve"),
    "out_reject": ("不予通过", "reject"),
    "out_revise": ("修改后再议", "revise"),
    "out_defer": ("暂缓", "defer"),
    "out_rediscuss": ("再次讨论", "rediscuss"),
    "head_reason": ("决定与多数意见不一致的理由", "Reason the decision differs from the majority"),
    "rerun_stages": ("修改后须重新进行的阶段（合法性审查总要重新进行）",
                     "Stages the revised draft runs again (legality review always does)"),
    "head_reason_needed": ("行政首长的决定与多数意见不一致，须说明理由（第三十条第二款）。",
                           "The head's decision differs from the majority: a reason is required (Art 30¶2)."),
    "minutes": ("会议纪要", "Minutes"),
    "checklist": ("第二十九条材料清单", "Art 29 package"),
    "package_incomplete": ("材料不齐，不能提交会议。", "The package is incomplete."),
    "record_meeting": ("记录会议", "Record the meeting"),
    "meeting_recorded": ("会议已记录，决策进入「{state}」。", "Meeting recorded; the decision is now in {state}."),
    "no_meeting_tasks": ("没有待集体讨论的决策。", "No decision awaits collective discussion."),
    "quorum_error": ("出席人数须超过组成人员总数的一半（第三十条）。", "More than half of the members must be present (Art 30)."),
    "present_error": ("请选择出席人员。", "Choose the members present."),
    "too_many_present": ("出席人数超过组成人员总数。", "More present than members."),
    "not_secretary": ("只有会议秘书可以记录会议。", "Only the meeting secretary records the meeting."),
    # catalog, archive, dashboard, public
    "catalog_title": ("重大行政决策事项目录", "Major decision catalog"),
    "catalog_group": ("目录", "Catalog"),
    "coverage": ("目录覆盖率", "Catalog coverage"),
    "item_name": ("事项名称", "Item"),
    "planned_time": ("计划完成时间", "Planned"),
    "linked": ("对应决策", "Decisions"),
    "published_at": ("公布日期", "Published"),
    "archive_title": ("归档与档案", "Archive and dossier"),
    "dossier_missing": ("档案生成模块尚未安装（decisions.archive）；此功能将在其上线后可用。",
                        "The dossier module (decisions.archive) is not installed yet; this feature appears once it lands."),
    "generate": ("生成档案", "Generate the dossier"),
    "file_title": ("归档（立卷）", "File the decision"),
    "file_caption": ("依据：{article}。立卷后须由第二人检查；归档后本决策只读。",
                     "Article: {article}. A second person checks the file; the decision is read-only once filed."),
    "file_checker": ("检查人", "Checked by"),
    "file_button": ("归档", "File"),
    "file_done": ("已归档，档号 {code}（立卷人 {filer}，检查人 {checker}）。",
                  "Filed as {code} (filed by {filer}, checked by {checker})."),
    "filed_as": ("已归档，档号 {code}", "Filed as {code}"),
    "generating": ("正在生成档案……", "Generating the dossier…"),
    "download": ("下载档案 PDF", "Download the dossier PDF"),
    "dossier_done": ("已生成 {name}：{pages} 页，SHA-256 {sha}", "Generated {name}: {pages} pages, SHA-256 {sha}"),
    "dashboard_title": ("统计", "Dashboard"),
    "by_stage": ("各阶段决策数", "Decisions by stage"),
    "median_days": ("各阶段用时中位数（天）", "Median days per stage"),
    "median_days_as_of": ("中位数统计于 {at}（定时及每次期限扫描后重新计算）",
                          "medians as of {at} (recomputed periodically and after each deadline scan)"),
    "overdue_items": ("逾期事项", "Overdue items"),
    "risk_rate": ("风险评估率（涉稳决策）", "Risk-assessment rate (decisions that may affect stability)"),
    "decisions_total": ("决策总数", "Decisions"),
    "no_data": ("暂无数据。", "No data."),
    "public_title": ("公开信息", "Public information"),
    "public_catalog": ("已公布的决策事项目录", "Published decision catalog"),
    "public_decisions": ("已公布的重大行政决策", "Published major decisions"),
    "channel": ("公布渠道", "Channel"),
    "url": ("网址", "URL"),
}


def text(key: str, lang: str = "zh", **fmt: object) -> str:
    zh, en = S.get(key, (key, key))
    out = en if lang == "en" else zh
    return out.format(**fmt) if fmt else out


# ----------------------------------------------------------------- Chinese legal numbering and dates
_DIGITS = "零一二三四五六七八九"


def number_zh(n: int) -> str:
    """1 → 一, 10 → 十, 25 → 二十五, 105 → 一百零五, 110 → 一百一十 (article numbers run below 1000)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = "" if rest == 0 else ("零" + _DIGITS[rest] if rest < 10 else
                                     ("一" + number_zh(rest) if rest < 20 else number_zh(rest)))
        return _DIGITS[n // 100] + "百" + tail
    return str(n)


_ITEM = r"\d+(?:¶\d+)?(?:\(\d+\))?"
_ART = re.compile(rf"\bArt\.?\s*({_ITEM}(?:\s*(?:,|、|-|–|and)\s*{_ITEM})*)")
_ITEM_PARTS = re.compile(r"(\d+)(?:¶(\d+))?(?:\((\d+)\))?")
_ARABIC = re.compile(r"第(\d+)(条|款|项)")


def _article(item: str) -> str:
    m = _ITEM_PARTS.fullmatch(item.strip())
    if not m:
        return item
    art, para, point = m.groups()
    out = f"第{number_zh(int(art))}条"
    if para:
        out += f"第{number_zh(int(para))}款"
    if point:
        out += f"第{number_zh(int(point))}项"
    return out


def _articles(m: re.Match) -> str:
    pieces = re.split(r"\s*(,|、|-|–|and)\s*", m.group(1))
    out = ""
    for i, piece in enumerate(pieces):
        if i % 2:
            out += "至" if piece in ("-", "–") else "、"
        else:
            out += _article(piece)
    return out


def article_zh(text: str | None) -> str:
    """Article citations in Chinese legal numbering: "Art 25¶2" → 第二十五条第二款, "Art 29(1)" → 第二十九条第一项,
    "Art 26¶1, 27(2)" → 第二十六条第一款、第二十七条第二项, "第30条" → 第三十条; anything else unchanged."""
    if not text:
        return ""
    out = _ART.sub(_articles, str(text))
    return _ARABIC.sub(lambda m: f"第{number_zh(int(m.group(1)))}{m.group(2)}", out)


def article(text: str | None, lang: str = "zh") -> str:
    """An article citation in the active language (the profiles write "Art 25¶2")."""
    if lang == "en":
        return str(text or "")
    return article_zh(text)


def date_zh(value: object) -> str:
    """2026-12-07 → 2026年12月7日; a timestamp → 2026年3月2日 09:05 (its own wall-clock time); else unchanged."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        dt: datetime | None = value
    elif isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    else:
        raw = str(value).strip()
        dt = None
        try:
            if len(raw) == 10:
                d = date.fromisoformat(raw)
                return f"{d.year}年{d.month}月{d.day}日"
            dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return raw
    assert dt is not None
    return f"{dt.year}年{dt.month}月{dt.day}日 {dt:%H:%M}"


def when(value: object, lang: str = "zh") -> str:
    """A date or timestamp for the screen: Chinese style in the Chinese UI, ISO (to the minute) in English."""
    if lang == "zh":
        return date_zh(value)
    if value is None:
        return ""
    raw = str(value)
    return raw[:16].replace("T", " ") if len(raw) > 10 else raw


ENUM_NAMES = {
    "zh": {
        "leader": "领导提出", "department": "部门提出", "npc_cppcc": "人大代表、政协委员建议", "public": "公众提出",
        "symposium": "座谈会", "hearing": "听证会", "field_visit": "实地走访", "written": "书面征求意见",
        "open_comment": "向社会公开征求意见", "questionnaire": "问卷调查", "poll": "民意调查",
        "group_consultation": "与特定群体沟通协商", "enterprise_consultation": "听取市场主体意见",
        "controllable": "可控", "uncontrollable": "不可控", "low": "低", "medium": "中", "high": "高",
        "pass": "通过", "fail": "不通过", "lawful": "合法", "lawful_with_amendments": "修改后合法",
        "unlawful": "不合法", "returned": "退回补充", "gazette": "政府公报", "website": "政府网站",
        "newspaper": "报刊", "problem": "执行问题", "major_change": "客观情况重大变化", "force_majeure": "不可抗力",
        "yes": "是", "no": "否", "approve": "同意", "reject": "不同意", "abstain": "弃权", "revise": "修改后再议",
        "defer": "暂缓", "rediscuss": "再次讨论", "executive": "常务会议", "plenary": "全体会议", "office": "办公会议",
        "done": "已完成", "current": "当前", "skipped": "跳过", "pending": "未开始", "blocked": "受阻",
        "signed": "署名", "unsigned": "未署名", "adopted": "采纳", "partially_adopted": "部分采纳",
        "not_adopted": "未采纳", "terminate": "终止执行", "minor_adjustment": "一般调整", "ledger": "意见台账",
    },
}


ENUM_NAMES["en"] = {
    "leader": "Proposed by a leader", "department": "Proposed by a department",
    "npc_cppcc": "Suggested by NPC deputies or CPPCC members", "public": "Proposed by the public",
    "symposium": "Symposium", "hearing": "Hearing", "field_visit": "Field visit", "written": "Written consultation",
    "open_comment": "Public comment", "questionnaire": "Questionnaire", "poll": "Opinion poll",
    "group_consultation": "Consultation with the groups concerned", "enterprise_consultation": "Hearing market entities",
    "controllable": "Controllable", "uncontrollable": "Not controllable", "low": "Low", "medium": "Medium",
    "high": "High", "pass": "Passed", "fail": "Not passed", "lawful": "Lawful",
    "lawful_with_amendments": "Lawful after amendments", "unlawful": "Unlawful", "returned": "Returned for more",
    "gazette": "Government gazette", "website": "Government website", "newspaper": "Newspaper",
    "problem": "Problem in execution", "major_change": "Major change of circumstances", "force_majeure": "Force majeure",
    "yes": "Yes", "no": "No", "approve": "Approve", "reject": "Reject", "abstain": "Abstain",
    "revise": "Revise and discuss again", "defer": "Defer", "rediscuss": "Discuss again", "executive": "Executive meeting",
    "plenary": "Plenary meeting", "office": "Office meeting", "done": "Done", "current": "Current", "skipped": "Skipped",
    "pending": "Not started", "blocked": "Blocked", "signed": "Signed", "unsigned": "Unsigned", "adopted": "Adopted",
    "partially_adopted": "Partly adopted", "not_adopted": "Not adopted", "terminate": "Terminate execution",
    "minor_adjustment": "Minor adjustment", "ledger": "Opinion ledger",
}


def enum_name(value: str, lang: str = "zh") -> str:
    """An enum value of the profile in words (forms, tables); the key itself only for a value no table names."""
    return ENUM_NAMES.get(lang, ENUM_NAMES["en"]).get(value, value)


def key_label(key: str, lang: str = "zh") -> str:
    """A metadata field's name (the evidence forms' labels, the tables' details), never the key on screen."""
    return (KEY_LABELS if lang == "zh" else KEY_LABELS_EN).get(key) or key.replace("_", " ").capitalize()


#: names of the evidence metadata fields (the forms' labels, the tables' details)
KEY_LABELS = {
    "source": "来源", "date": "日期", "version": "版本", "alternative": "备选方案", "laws": "依据", "consensus": "是否达成一致",
    "units": "协商单位", "reference": "已有评估文号", "form": "形式", "start": "开始日期", "end": "截止日期",
    "shortened_reason": "缩短期限理由", "hearing_date": "听证日期", "materials_delivered": "材料送达日期",
    "participants": "参与者", "received": "收到意见数", "adopted": "采纳", "partially_adopted": "部分采纳",
    "not_adopted": "未采纳", "expert": "专家", "signed": "是否署名", "direct_interest": "是否有直接利害关系",
    "institution": "单位", "conclusion": "结论", "level": "风险等级", "method": "评估方法", "submitted": "报送日期",
    "short_review_reason": "审查期缩短理由", "adviser": "顾问", "authority": "权限", "procedure": "程序",
    "content": "内容", "reported": "报告日期", "channel": "渠道", "url": "网址", "executing_unit": "执行单位",
    "period": "报告期", "nature": "性质", "doc_number": "文号", "change": "决定事项", "basis": "会议或文件",
    "generated_from": "生成自", "expert_account": "专家账户",
}
KEY_LABELS_EN = {
    "source": "Source", "date": "Date", "version": "Version", "alternative": "Alternatives", "laws": "Legal basis",
    "consensus": "Agreement reached", "units": "Units consulted", "reference": "Number of the existing assessment",
    "form": "Form", "start": "Start date", "end": "End date", "shortened_reason": "Reason for a shorter period",
    "hearing_date": "Hearing date", "materials_delivered": "Materials delivered on", "participants": "Participants",
    "received": "Opinions received", "adopted": "Adopted", "partially_adopted": "Partly adopted",
    "not_adopted": "Not adopted", "expert": "Expert", "signed": "Signed", "direct_interest": "Direct interest",
    "institution": "Institution", "conclusion": "Conclusion", "level": "Risk level", "method": "Method",
    "submitted": "Submitted on", "short_review_reason": "Reason for a shorter review", "adviser": "Adviser",
    "authority": "Authority", "procedure": "Procedure", "content": "Content", "reported": "Reported on",
    "channel": "Channel", "url": "Web address", "executing_unit": "Executing unit", "period": "Reporting period",
    "nature": "Nature", "doc_number": "Document number", "change": "What the organ decided",
    "basis": "Meeting or document", "generated_from": "Generated from",
}


# ----------------------------------------------------------------- the administration pages (ui/pages/admin_*.py)
S.update({
    "sec_admin": ("管理", "Administration"),
    "nav_admin_users": ("用户与单位", "Users and offices"),
    "nav_admin_registers": ("登记簿", "Registers"),
    "nav_admin_experts": ("论证专家", "Expert panel"),
    "nav_admin_calendar": ("工作日历", "Working-day calendar"),
    "nav_admin_catalog": ("目录编制", "Catalog drafting"),
    "who_may": ("谁可以做什么", "Who may do what"),
    "task": ("事项", "Task"),
    "roles": ("角色", "Roles"),
    "ability_users": ("创建用户、设置角色、停用/启用、解除锁定、重置密码", "Create users, set roles, disable/enable, unlock, reset passwords"),
    "ability_offices": ("添加单位", "Add offices"),
    "ability_members": ("登记会议组成人员（本机关办公室可登记本机关的）", "Keep the register of meeting members (an organ's office: its own)"),
    "ability_review_office": ("登记合法性审查机构", "Register the legality review office"),
    "ability_experts": ("为本单位承办的决策选定论证专家", "Assign the expert panel of a decision the unit undertakes"),
    "ability_calendar": ("导入节假日安排、确认年度工作日历", "Import the holiday notice, confirm a year's calendar"),
    "ability_catalog": ("编制目录草案、记录党委同意、公布目录（本机关办公室可编制本机关的）",
                        "Draft the catalog, record the Party committee's consent, publish (an organ's office: its own)"),
    "users_title": ("用户与单位", "Users and offices"),
    "users_list": ("用户一览", "Users"),
    "offices_list": ("单位一览", "Offices"),
    "name": ("姓名", "Name"),
    "office": ("单位", "Office"),
    "active": ("状态", "Status"),
    "user_active": ("在用", "active"),
    "user_disabled": ("已停用", "disabled"),
    "user_locked": ("登录已锁定", "locked"),
    "user_ok": ("正常", "normal"),
    "login_state": ("登录", "Sign-in"),
    "add_user": ("新建用户", "New user"),
    "initial_password": ("初始密码（至少12位，不能全为数字）", "Initial password (at least 12 characters, not all digits)"),
    "user_created": ("已新建用户 {username}。", "User {username} created."),
    "manage_user": ("管理用户", "Manage a user"),
    "choose_user": ("选择用户", "Choose a user"),
    "save_roles": ("保存角色", "Save the roles"),
    "roles_saved": ("已保存 {username} 的角色。", "Roles of {username} saved."),
    "disable_user": ("停用账户", "Disable the account"),
    "enable_user": ("启用账户", "Enable the account"),
    "unlock_user": ("解除登录锁定", "Unlock sign-in"),
    "user_disabled_done": ("已停用 {username}。", "{username} disabled."),
    "user_enabled_done": ("已启用 {username}。", "{username} enabled."),
    "user_unlocked_done": ("已解除 {username} 的登录锁定。", "{username} unlocked."),
    "new_password": ("新密码", "New password"),
    "reset_password": ("重置密码", "Reset the password"),
    "password_reset_done": ("已重置 {username} 的密码。", "Password of {username} reset."),
    "add_office": ("添加单位", "Add an office"),
    "office_code": ("单位代码（字母、数字、-_.）", "Office code (letters, digits, -_.)"),
    "office_name": ("单位名称", "Office name"),
    "level": ("层级", "Level"),
    "parent": ("上级单位", "Parent office"),
    "no_parent": ("（无）", "(none)"),
    "profile": ("程序规则", "Procedure profile"),
    "profile_inherit": ("（沿用上级单位的）", "(the parent's)"),
    "office_created": ("已添加单位 {code}。", "Office {code} added."),
    "registers_title": ("登记簿", "Registers"),
    "choose_organ": ("决策机关", "Decision organ"),
    "members_register": ("会议组成人员", "Meeting members"),
    "member_title": ("职务", "Title"),
    "from_date": ("任职起始日", "From"),
    "to_date": ("离任日", "To"),
    "is_head": ("行政首长", "Head"),
    "add_member": ("登记组成人员", "Register a member"),
    "member_added": ("已登记 {username}。", "{username} registered."),
    "member_leaves": ("登记离任", "Register leaving"),
    "member_left": ("已登记 {username} 离任。", "{username} leaves the body."),
    "review_office": ("合法性审查机构", "Legality review office"),
    "review_office_none": ("尚未登记合法性审查机构。", "No legality review office registered."),
    "set_review_office": ("登记合法性审查机构", "Register the review office"),
    "review_office_set": ("已登记合法性审查机构：{name}。", "Review office registered: {name}."),
    "expert_pool": ("专家库", "Expert pool"),
    "experts_title": ("论证专家选定（第二十条）", "Expert panel (Art 20)"),
    "assigned": ("已选定的专家", "Assigned experts"),
    "choose_experts": ("选定专家", "Experts to assign"),
    "interest_declared": ("声明与本事项有直接利害关系的专家", "Experts declaring a direct interest"),
    "assign": ("选定", "Assign"),
    "experts_assigned": ("已选定：{names}。", "Assigned: {names}."),
    "no_decisions_to_staff": ("没有由您单位承办的决策。", "No decision undertaken by your unit."),
    "calendar_title": ("工作日历", "Working-day calendar"),
    "year": ("年度", "Year"),
    "confirmed_years": ("已确认的年度", "Confirmed years"),
    "notice_ref": ("国务院办公厅通知文号", "The State Council notice"),
    "confirmed_at": ("确认时间", "Confirmed"),
    "confirmed_by": ("确认人", "By"),
    "overrides": ("节假日调整", "Holiday adjustments"),
    "day": ("日期", "Day"),
    "workday": ("工作日", "Working day"),
    "restday": ("休息日", "Rest day"),
    "import_year": ("导入节假日安排（CSV：日期,是否上班,说明）", "Import the holiday table (CSV: day,workday,note)"),
    "import": ("导入", "Import"),
    "imported": ("已导入 {rows} 行（{years} 年）。", "{rows} rows imported ({years})."),
    "confirm_year": ("确认年度工作日历", "Confirm the year's calendar"),
    "year_confirmed": ("已确认 {year} 年工作日历（{ref}）。", "Calendar {year} confirmed ({ref})."),
    "catalog_admin_title": ("决策事项目录编制（第三条第三款）", "Catalog drafting (Art 3¶3)"),
    "versions": ("版本", "Versions"),
    "version": ("版本号", "Version"),
    "status": ("状态", "Status"),
    "cat_draft": ("草案", "draft"),
    "cat_consented": ("党委已同意", "consented"),
    "cat_published": ("已公布", "published"),
    "add_catalog_item": ("增加目录事项（草案）", "Add an item (draft)"),
    "item_added": ("已增加事项「{name}」。", "Item added: {name}."),
    "consent": ("记录党委同意", "Record the Party committee's consent"),
    "consent_ref": ("党委同意的文件或会议", "Consent document or meeting"),
    "consented": ("已记录党委同意。", "Consent recorded."),
    "publish": ("公布目录", "Publish the catalog"),
    "publish_ref": ("公布渠道或网址", "Where published"),
    "published": ("已公布。", "Published."),
    "adjust": ("调整目录（新版本草案）", "Adjust (a new draft version)"),
    "adjusted": ("已开始调整：第 {version} 版草案。", "Adjustment started: draft version {version}."),
    "confirm_action": ("确认执行", "Confirm"),
    "bad_value": ("「{value}」无效：{why}", "{value!r} is not valid: {why}"),
    # sending back (退回)
    "return_title": ("退回", "Send back"),
    "return_to": ("退回到阶段", "Send back to"),
    "return_reason": ("退回理由", "Reason"),
    "return_confirm": ("我确认将本决策退回到所选阶段（其后各阶段须重新办理）", "I confirm: send the decision back (every later stage runs again)"),
    "return_send": ("退回", "Send back"),
    "return_need_confirm": ("请先勾选确认。", "Tick the confirmation first."),
    "return_done": ("已退回到「{stage}」（第 {round} 轮）。", "Sent back to {stage} (round {round})."),
    "return_article": ("依据：{article}", "Article: {article}"),
})


# working like an OA (待办 / 已办 / 我发起的, 催办, 批示, 流转记录, 呈批件): ui/pages/inbox.py, ui/oa_panel.py
S.update({
    "tab_todo": ("待办", "To do"),
    "tab_done": ("已办", "Done"),
    "tab_mine": ("我发起的", "Started by me"),
    "tab_notes": ("提醒通知", "Notifications"),
    "filter_stage": ("阶段", "Stage"),
    "filter_organ": ("决策机关", "Decision organ"),
    "filter_overdue": ("只看逾期", "Overdue only"),
    "filter_all": ("全部", "All"),
    "sort_by": ("排序", "Sort by"),
    "sort_due": ("按期限", "Due date"),
    "sort_updated": ("按最近变更", "Last change"),
    "list_count": ("共 {total} 项，逾期 {overdue} 项", "{total} items, {overdue} overdue"),
    "list_capped_todo": ("（按进入本阶段先后，只查看了最早的 {n} 件决策；其后的待办在办完前面的之后列出）",
                         " (only the {n} decisions longest in their stage were looked at; later ones appear as these "
                         "are done)"),
    "list_capped_done": ("（只列出最近办理的 {n} 件）", " (only the {n} most recent are listed)"),
    "list_empty": ("没有符合条件的事项。", "Nothing matches."),
    "todo_advance": ("可以推进到下一阶段", "Ready to advance"),
    "todo_provide": ("需要您提交材料或作出判定", "You need to attach evidence or decide"),
    "todo_meeting": ("需要记录集体讨论", "Record the meeting"),
    "todo_report": ("需要报送执行情况报告", "An execution report is due"),
    "todo_close": ("可以审定执行情况、结束执行", "The execution may be closed"),
    "todo_resume": ("需要决定恢复或终止", "Resume or terminate"),
    "todo_archive": ("待归档", "To archive"),
    "todo_notice": ("有督办、催办或批示待阅", "An escalation, urge or instruction to read"),
    "flag_urge": ("催办", "Urged"),
    "flag_escalation": ("督办", "Escalated"),
    "flag_stale": ("久拖不决督办", "Stale"),
    "flag_instruction": ("领导批示", "Instruction"),
    "flag_returned": ("已退回重办", "Sent back"),
    "acted": ("我的办理", "What I did"),
    "last_change": ("最近变更", "Last change"),
    "created_on": ("发起时间", "Created"),
    "mark_read": ("标为已读", "Mark read"),
    "notes_empty": ("没有未读通知。", "No unread notifications."),
    "marked_read": ("已标为已读。", "Marked read."),
    "flow": ("流转记录", "Routing record"),
    "flow_who": ("办理人", "Who"),
    "flow_role": ("角色", "Role"),
    "flow_office": ("单位", "Office"),
    "flow_action": ("操作", "Action"),
    "flow_comment": ("意见或说明", "Opinion or comment"),
    "flow_time": ("时间", "Time"),
    "flow_raw": ("原始审计事件（审计人员）", "Raw audit events (auditors)"),
    "next_actors": ("下一步办理：{roles}（{users}）", "Acts next: {roles} ({users})"),
    "next_nobody": ("目前没有待办理的人员。", "Nobody acts next."),
    "instructions": ("领导批示", "Instructions"),
    "instruct_text": ("批示内容", "Instruction"),
    "instruct_button": ("批示", "Record the instruction"),
    "instructed": ("已批示，已送下一步办理人。", "Instruction recorded and sent to those who act next."),
    "urge_text": ("催办内容", "What to press for"),
    "urge_button": ("催办", "Urge"),
    "urged": ("已催办：{users}", "Urged: {users}"),
    "sheet_make": ("生成呈批件", "Prepare the approval sheet"),
    "sheet_download": ("下载呈批件（PDF）", "Download the approval sheet (PDF)"),
    "sheet_caption": ("当前阶段的呈批件：事项、请示内容、办理意见，留有批示和签字栏。",
                      "The approval sheet of the current stage: the matter, the request, the opinions, room for "
                      "the instruction and signature."),
})
