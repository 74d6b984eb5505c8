"""Use cases of the inbox: marking a notification read, where a user's reminders are e-mailed."""

from __future__ import annotations

from decisions import clock
from decisions.accounts.service import actor_for, operator_of
from decisions.deadlines.models import Notification, UserContact
from decisions.deadlines.views import notification_view
from decisions.errors import BadInput, NotFound, NotPermitted
from decisions.records import audit
from decisions.storage.unit_of_work import UnitOfWork


def mark_read(notification_id: int, as_user: str) -> dict:
    with UnitOfWork() as uow:
        actor = actor_for(uow.session, as_user)
        n = uow.session.get(Notification, notification_id)
        if n is None:
            raise NotFound(f"未知通知 / unknown notification: {notification_id}")
        if n.user_id != actor.user_id:
            raise NotPermitted(f"通知 {notification_id} 不属于 {as_user} / not this user's notification")
        if not n.read_at:
            n.read_at = clock.now().isoformat(timespec="seconds")
        uow.commit()
        return notification_view(n)


def set_email(username: str, email: str, as_user: str | None = None) -> dict:
    email = email.strip()
    if email and ("@" not in email or any(c in email for c in " \r\n<>,;")):
        raise BadInput(f"电子邮件地址无效 / invalid e-mail address: {email!r}")
    with UnitOfWork() as uow:
        s = uow.session
        who, role, office = operator_of(s, as_user)
        target = actor_for(s, username)
        row = s.get(UserContact, target.user_id)
        if not email:
            if row is not None:
                s.delete(row)
        elif row is None:
            s.add(UserContact(user_id=target.user_id, email=email))
        else:
            row.email = email
        audit.record(s, decision_id=None, actor=who, role=role, office=office, action="user_email",
                     detail={"username": username, "email": email})
        uow.commit()
        return {"username": username, "email": email}
