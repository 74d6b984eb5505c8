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

