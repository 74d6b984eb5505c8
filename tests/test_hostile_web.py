"""Hold under attack (the web side): single sign-on bound to the provider's issuer and subject, citizens'
opinions that never take the decision's version lock, the public page (client address behind trusted proxies
only, user text as text, hash-checked drafts), and safer defaults."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from decisions.accounts import service as directory
from decisions.cli import app as cli_app
from decisions.errors import BadInput, NotPermitted

runner = CliRunner()
ISS = "https://sso.example.gov.cn"


# ----------------------------------------------------------------- 1. single sign-on by issuer + subject
def test_sso_never_maps_by_name_or_unverified_email(org, monkeypatch):
    monkeypatch.delenv("JUECE_OIDC_ALLOWED_DOMAINS", raising=False)
    for claims in ({"iss": "https://attacker.example", "sub": "1", "preferred_username": "admin"},
                   {"iss": "https://attacker.example", "sub": "2", "username": "admin"},
                   {"iss": "https://attacker.example", "sub": "3", "email": "admin@attacker.example",
                    "email_verified": True},
                   {"preferred_username": "admin", "email": "admin@example.gov.cn"}):
        with pytest.raises(NotPermitted) as exc:
            directory.sso_username(claims)
        assert "\n" not in exc.value.message
    # an allowed domain: only a verified address in it, and never another domain
    monkeypatch.setenv("JUECE_OIDC_ALLOWED_DOMAINS", "example.gov.cn")
    verified = {"iss": ISS, "sub": "x", "email": "drafter@example.gov.cn", "email_verified": True}
    assert directory.sso_username(verified) == "drafter"
    for bad in ({**verified, "email_verified": False}, {**verified, "email_verified": None},
                {**verified, "email": "admin@attacker.example"},
                {**verified, "email": "admin@example.gov.cn.attacker.example"}):
        with pytest.raises(NotPermitted):
            directory.sso_username(bad)


def test_sso_bound_identity_by_issuer_and_subject(org, monkeypatch):
    monkeypatch.delenv("JUECE_OIDC_ALLOWED_DOMAINS", raising=False)
    r = runner.invoke(cli_app, ["user", "link-sso", "reviewer", "--issuer", ISS, "--subject", "248289761001"])
    assert r.exit_code == 0, r.output
    assert directory.sso_username({"iss": ISS, "sub": "248289761001", "preferred_username": "admin"}) == "reviewer"
    with pytest.raises(NotPermitted):  # the same subject from another issuer is someone else
        directory.sso_username({"iss": "https://attacker.example", "sub": "248289761001"})
    with pytest.raises(BadInput):  # one identity, one user
        directory.link_identity("admin", ISS, "248289761001")
    with pytest.raises(NotPermitted):  # only an admin links
        directory.link_identity("drafter", ISS, "other", as_user="drafter")


# ----------------------------------------------------------------- 2. opinions never take the decision's lock
def _consultation(org):  # noqa: ANN001, ANN202
    from decisions.participation import service as participation
    from tests.helpers import Walker

    w = Walker().new().walk_to("public_participation")
    c = participation.open_consultation(w.id, start="2026-03-03", end="2026-04-02", explanation="说明",
                                        as_user="drafter")
    return w, c


def test_staff_attachment_loaded_before_public_opinions_still_commits(org, monkeypatch):
    from decisions.integrity import service as integrity
    from decisions.participation import public
    from decisions.procedure import service, views
    from tests.helpers import PDF, set_now

    w, c = _consultation(org)
    set_now("2026-03-10T10:00:00+08:00")
    before = views.show(w.id)["version"]
    original = service.get_decision
    sent: list[str] = []

    def loaded_then_citizens(session, ident):  # noqa: ANN001, ANN202
        d = original(session, ident)
        d.version  # noqa: B018 - the version the staff member writes against
        if not sent:
            for i in range(20):
                sent.append(public.submit_opinion(c["id"], content=f"市民意见{i}", client=f"ip:10.0.0.{i}")["receipt"])
        return d

    monkeypatch.setattr(service, "get_decision", loaded_then_citizens)
    ev = service.add_evidence(w.id, kind="participation_activity", filename="座谈会.pdf", data=PDF,
                              meta={"form": "group_consultation"}, as_user="drafter")
    monkeypatch.setattr(service, "get_decision", original)
    assert ev and len(sent) == 20
    assert views.show(w.id)["version"] == before + 1  # the attachment, not the 20 opinions
    assert integrity.verify()["problems"] == []


def test_an_opinion_never_lands_after_the_stage(org, monkeypatch):
    """The stage ends between an opinion's checks and its insert: the opinion is refused, nothing stored."""
    from sqlmodel import select

    from decisions.errors import BadInput
    from decisions.participation import public
    from decisions.participation.models import Opinion
    from decisions.storage.unit_of_work import UnitOfWork
    from tests.helpers import set_now

    _w, c = _consultation(org)
    set_now("2026-03-10T10:00:00+08:00")
    real = public.new_receipt

    def stage_ends_meanwhile(s):  # noqa: ANN001, ANN202
        from sqlalchemy import text

        from decisions.storage.db import get_engine
        with get_engine().begin() as conn:
            conn.execute(text("UPDATE decision SET state='closed_elsewhere' WHERE id=:i"), {"i": c["decision_id"]})
        return real(s)

    monkeypatch.setattr(public, "new_receipt", stage_ends_meanwhile)
    with pytest.raises(BadInput, match="not open for public comment"):
        public.submit_opinion(c["id"], content="迟到的意见", client="ip:1")
    with UnitOfWork() as uow:
        assert uow.session.exec(select(Opinion)).all() == []

