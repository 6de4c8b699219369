"""API tokens that die (issue 16, item 2): a name, a lifetime, a last-used time, listing and
revoking by the holder and the administrator, and revocation by a password change or a
deactivation, whichever door it comes through."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.contrib.auth.forms import PasswordChangeForm
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qingshan.core.choices import AuditAction, Role
from qingshan.core.models import ApiToken, AuditLog, RuleValue, User

PASSWORD = "pw-for-tests"


def issue(user: User, password: str = PASSWORD, **extra: object) -> dict:
    body = json.dumps({"username": user.username, "password": password, **extra})
    response = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def bearer(token: str, path: str = "/api/v1/enterprises", method: str = "get") -> object:
    return getattr(Client(), method)(path, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def alice(make_user):
    return make_user(Role.REGULATOR, "330603")


@pytest.fixture
def bob(make_user):
    return make_user(Role.REGULATOR, "330604")


@pytest.fixture
def chief(make_user):
    return make_user(Role.ADMIN)


def test_a_token_has_a_name_and_expires_after_the_rule_table_lifetime(alice):
    issued = issue(alice, name="数据对接脚本")
    assert issued["name"] == "数据对接脚本"
    expires = dt.datetime.fromisoformat(issued["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)
    assert bearer(issued["token"]).status_code == 200
    with time_machine.travel(expires - dt.timedelta(minutes=1)):
        assert bearer(issued["token"]).status_code == 200
    with time_machine.travel(expires + dt.timedelta(seconds=1)):
        response = bearer(issued["token"])
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"


def test_a_shorter_lifetime_may_be_asked_a_longer_one_not(alice):
    issued = issue(alice, lifetime_days=7)
    expires = dt.datetime.fromisoformat(issued["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=1)
    body = json.dumps({"username": alice.username, "password": PASSWORD, "lifetime_days": 91})
    response = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 422
    assert "lifetime_days" in response.json()["error"]["fields"]
    assert ApiToken.objects.filter(user=alice).count() == 1


def test_a_province_may_shorten_the_lifetime(alice):
    RuleValue.objects.create(
        jurisdiction="33",
        rule="core.api_token_lifetime_days",
        value=30,
        effective_from=dt.date(2020, 1, 1),
        source="test",
    )
    expires = dt.datetime.fromisoformat(issue(alice)["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)


def test_i_list_my_tokens_never_their_secrets(alice, bob):
    mine = issue(alice, name="one")
    issue(alice, name="two")
    issue(bob, name="bob's")
    response = bearer(mine["token"], "/api/v1/auth/tokens")
    assert response.status_code == 200
    items = response.json()["items"]
    assert sorted(i["name"] for i in items) == ["one", "two"]
    assert {i["status"] for i in items} == {"active"}
    assert items[-1]["last_used_at"] is not None or items[0]["last_used_at"] is not None
    text = response.content.decode()
    assert mine["token"] not in text and "digest" not in text
    # someone else's holder id finds nothing
    response = bearer(mine["token"], f"/api/v1/auth/tokens?user_id={bob.pk}")
    assert response.json()["items"] == []


def test_the_administrator_lists_everyone_s_tokens(alice, bob, chief):
    issue(alice, name="alice's")
    issue(bob, name="bob's")
    token = issue(chief)["token"]
    names = {i["name"] for i in bearer(token, "/api/v1/auth/tokens").json()["items"]}
    assert {"alice's", "bob's"} <= names
    only_bob = bearer(token, f"/api/v1/auth/tokens?user_id={bob.pk}").json()["items"]
    assert [(i["name"], i["username"]) for i in only_bob] == [("bob's", bob.username)]


def test_i_revoke_my_token_and_it_answers_401(alice):
    keep, drop = issue(alice, name="keep"), issue(alice, name="drop")
    response = bearer(keep["token"], f"/api/v1/auth/tokens/{drop['id']}/revoke", "post")
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert bearer(drop["token"]).status_code == 401
    assert bearer(keep["token"]).status_code == 200
    [row] = AuditLog.objects.filter(action=AuditAction.TOKEN_REVOKE)
    assert (row.actor, row.object_id, row.changes["reason"][1]) == (
        alice,
        str(drop["id"]),
        "holder",
    )
    # revoking twice changes nothing and writes nothing
    bearer(keep["token"], f"/api/v1/auth/tokens/{drop['id']}/revoke", "post")
    assert AuditLog.objects.filter(action=AuditAction.TOKEN_REVOKE).count() == 1


def test_i_cannot_revoke_someone_else_s_token_the_administrator_can(alice, bob, chief):
    theirs = issue(bob)
    response = bearer(issue(alice)["token"], f"/api/v1/auth/tokens/{theirs['id']}/revoke", "post")
    assert response.status_code == 404
    assert bearer(theirs["token"]).status_code == 200
    response = bearer(issue(chief)["token"], f"/api/v1/auth/tokens/{theirs['id']}/revoke", "post")
    assert response.status_code == 200
    assert bearer(theirs["token"]).status_code == 401
    revoke = AuditLog.objects.get(action=AuditAction.TOKEN_REVOKE)
    assert (revoke.actor, revoke.changes["reason"][1]) == (chief, "administrator")


def test_anonymous_cannot_list_or_revoke(alice):
    issued = issue(alice)
    assert Client().get("/api/v1/auth/tokens").status_code == 401
    assert Client().post(f"/api/v1/auth/tokens/{issued['id']}/revoke").status_code == 401


def _all_dead(user: User) -> bool:
    return all(t.revoked_at is not None for t in ApiToken.objects.filter(user=user))


def test_a_password_change_through_the_form_revokes_every_token(alice):
    tokens = [issue(alice)["token"], issue(alice)["token"]]
    form = PasswordChangeForm(
        alice,
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-Pass-w0rd!",
            "new_password2": "n3w-Pass-w0rd!",
        },
    )
    assert form.is_valid(), form.errors
    form.save()
    assert all(bearer(t).status_code == 401 for t in tokens)
    assert _all_dead(alice)
    reasons = AuditLog.objects.filter(action=AuditAction.TOKEN_REVOKE).values_list(
        "changes", flat=True
    )
    assert [c["reason"][1] for c in reasons] == ["password", "password"]


def test_a_password_change_in_the_admin_revokes_every_token(alice, db):
    token = issue(alice)["token"]
    root = User.objects.create_superuser("root", password="root-pw-for-tests", role="admin")
    client = Client()
    client.force_login(root)
    url = reverse("admin:auth_user_password_change", args=[alice.pk])
    response = client.post(
        url,
        {"password1": "n3w-Pass-w0rd!", "password2": "n3w-Pass-w0rd!", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert bearer(token).status_code == 401
    assert AuditLog.objects.get(action=AuditAction.TOKEN_REVOKE).actor == root


def test_the_changepassword_command_revokes_every_token(alice, monkeypatch):
    token = issue(alice)["token"]
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "n3w-Pass-w0rd!")
    call_command("changepassword", alice.username, stdout=io.StringIO())
    assert bearer(token).status_code == 401


def test_set_password_in_code_revokes_but_a_plain_save_does_not(alice):
    token = issue(alice)["token"]
    alice.first_name = "爱丽丝"
    alice.save()
    assert bearer(token).status_code == 200
    alice.set_password("n3w-Pass-w0rd!")
    alice.save()
    assert bearer(token).status_code == 401


def test_deactivation_revokes_and_reactivation_does_not_revive(alice):
    token = issue(alice)["token"]
    alice.is_active = False
    alice.save()
    assert _all_dead(alice)
    alice.is_active = True
    alice.save()
    assert bearer(token).status_code == 401
    assert AuditLog.objects.get(action=AuditAction.TOKEN_REVOKE).changes["reason"][1] == "inactive"


def test_the_administrator_revokes_tokens_in_the_admin(alice, db):
    token = issue(alice)
    root = User.objects.create_superuser("root", password="root-pw-for-tests", role="admin")
    client = Client()
    client.force_login(root)
    changelist = reverse("admin:core_apitoken_changelist")
    page = client.get(changelist).content.decode()
    assert alice.username in page and token["token"] not in page
    response = client.post(changelist, {"action": "revoke", "_selected_action": [token["id"]]})
    assert response.status_code == 302
    assert bearer(token["token"]).status_code == 401
    assert AuditLog.objects.get(action=AuditAction.TOKEN_REVOKE).actor == root
