"""Who is told, and how: reminder recipients by role and office, the in-app notification (unique per
dedupe key and user) and its e-mail delivery (claimed before sending: at most once)."""

from __future__ import annotations

import logging
import os
import smtplib
from email.message import EmailMessage

from sqlalchemy import update
from sqlmodel import Session, col, select

from decisions import clock
from decisions.accounts.models import User, UserRole
from decisions.deadlines.models import Notification, UserContact
from decisions.procedure.models import Decision
from decisions.procedure.scope import decision_scope
from decisions.storage.unit_of_work import UnitOfWork

# ----------------------------------------------------------------- recipients
log = logging.getLogger("juece.deadlines")

def users_with_roles(s: Session, office_ids: set[int], roles: list[str]) -> list[User]:
    if not office_ids or not roles:
        return []
    q = (select(User).join(UserRole, col(UserRole.user_id) == col(User.id))
         .where(col(User.office_id).in_(office_ids), col(UserRole.role).in_(roles), col(User.active).is_(True)))
    return list({u.id: u for u in s.exec(q)}.values())


def recipients(s: Session, d: Decision, roles: list[str]) -> list[User]:
    """Users holding one of `roles` within this decision's scope (the same scoping as permissions, with the
    organ's own offices: a county's reviewers are never told about a city's decision, decisions.procedure.scope)."""
    scope = decision_scope(s, d)
    out: dict[int, User] = {}
    for role in roles:
        if role == "drafter":
            offices = set(scope.undertaker_ids)
        elif role in ("decision_organ", "head", "secretary"):
            offices = {scope.organ_id}
        elif role == "legality_reviewer":
            offices = set(scope.organ_subtree) - set(scope.undertaker_ids)
        elif role == "executor":
            offices = {scope.executing_unit_id} if scope.executing_unit_id else set(scope.undertaker_ids)
        else:
            offices = set(scope.organ_subtree)
        for u in users_with_roles(s, offices, [role]):
            out[u.id or 0] = u
    return sorted(out.values(), key=lambda u: u.id or 0)


def escalation_recipients(s: Session, organ_id: int, undertaker_ids: set[int]) -> list[User]:
    """The undertaking unit's head and the decision organ (its head and decision_organ users)."""
    out = {u.id: u for u in users_with_roles(s, undertaker_ids, ["head"])}
    out.update({u.id: u for u in users_with_roles(s, {organ_id}, ["head", "decision_organ"])})
    return sorted(out.values(), key=lambda u: u.id or 0)


# ----------------------------------------------------------------- notifications
def notify(s: Session, users: list[User], *, dedupe: str, kind: str, subject: str, body: str, article: str = "",
           deadline_id: int | None = None, decision_id: int | None = None,
           catalog_item_id: int | None = None) -> int:
    """Put one notice in each user's inbox, once: an existing (dedupe, user) row is left alone."""
    if not users:
        return 0
    have = set(s.exec(select(Notification.user_id).where(Notification.dedupe == dedupe,
                                                        col(Notification.user_id).in_([u.id for u in users]))))
    emails = {c.user_id: c.email for c in s.exec(select(UserContact)
                                                   .where(col(UserContact.user_id).in_([u.id for u in users])))}
    stamp = clock.now().isoformat(timespec="seconds")
    made = 0
    for u in users:
        if u.id in have:
            continue
        s.add(Notification(user_id=u.id or 0, dedupe=dedupe, kind=kind, deadline_id=deadline_id,
                           decision_id=decision_id, catalog_item_id=catalog_item_id, subject=subject, body=body,
                           article=article, created_at=stamp, email_status="pending" if u.id in emails else ""))
        made += 1
    return made


# ----------------------------------------------------------------- e-mail
def smtp_settings() -> dict | None:
    host = os.environ.get("JUECE_SMTP_HOST", "").strip()
    if not host:
        return None
    return {"host": host, "port": int(os.environ.get("JUECE_SMTP_PORT", "25")),
            "sender": os.environ.get("JUECE_SMTP_FROM", "juece@localhost"),
            "user": os.environ.get("JUECE_SMTP_USER", ""), "password": os.environ.get("JUECE_SMTP_PASSWORD", ""),
            "starttls": os.environ.get("JUECE_SMTP_STARTTLS", "") in ("1", "true", "yes")}


def deliver_email(max_attempts: int = 3) -> int:
    """Send pending notifications by SMTP. Each is claimed first (pending → sending), so no two workers send it."""
    cfg = smtp_settings()
    if cfg is None:
        return 0
    with UnitOfWork() as uow:
        rows = uow.session.exec(select(Notification.id, UserContact.email)
                                .join(UserContact, col(UserContact.user_id) == col(Notification.user_id))
                                .where(Notification.email_status == "pending").order_by(col(Notification.id))).all()
    sent = 0
    if not rows:
        return 0
    try:
        smtp = smtplib.SMTP(cfg["host"], cfg["port"], timeout=10)
    except OSError as exc:
        log.warning("SMTP %s:%s unreachable: %s", cfg["host"], cfg["port"], exc)
        return 0
    with smtp:
        if cfg["starttls"]:
            smtp.starttls()
        if cfg["user"]:
            smtp.login(cfg["user"], cfg["password"])
        for nid, address in rows:
            with UnitOfWork() as uow:
                claimed = uow.session.execute(update(Notification)
                                              .where(col(Notification.id) == nid,
                                                     Notification.email_status == "pending")
                                              .values(email_status="sending")).rowcount
                uow.commit()
            if not claimed:
                continue
            with UnitOfWork() as uow:
                n = uow.session.get(Notification, nid)
                assert n is not None
                msg = EmailMessage()
                msg["From"], msg["To"], msg["Subject"] = cfg["sender"], address, n.subject
                msg["Message-ID"] = f"<juece-notification-{nid}@{cfg['sender'].split('@')[-1]}>"
                msg.set_content(f"{n.body}\n\n（{n.article}）\n— juece 决策程序引擎 / notification #{nid}")
                try:
                    smtp.send_message(msg)
                    n.email_status, n.emailed_at = "sent", clock.now().isoformat(timespec="seconds")
                    sent += 1
                except smtplib.SMTPException as exc:
                    n.email_attempts += 1
                    n.email_status = "failed" if n.email_attempts >= max_attempts else "pending"
                    log.warning("notification %s to %s not sent: %s", nid, address, exc)
                uow.commit()
    return sent
