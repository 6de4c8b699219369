"""Brute-force protection of the logins (issue 16, item 1) and their audit rows (item 4).

Failures are counted per account and per source address (django-axes); the limits and the
lockout period come from the rule table (5 per account, 20 per address, 30 minutes).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qingshan.core.choices import AuditAction, Role
from qingshan.core.models import AuditLog, LoginAttempt, RuleValue, User

PASSWORD = "pw-for-tests"
TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def person(make_user):
    return make_user(Role.REGULATOR, "3306")


@pytest.fixture
def admin_client(db):
    root = User.objects.create_superuser("root", password="root-pw-for-tests", role="admin")
    client = Client()
    client.force_login(root)
    return client, root


def web_login(username: str, password: str, *, address: str = "198.51.100.7") -> object:
    return Client().post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def token_login(username: str, password: str, *, address: str = "198.51.100.7") -> object:
    body = json.dumps({"username": username, "password": password})
    return Client().post(TOKEN_URL, body, content_type="application/json", REMOTE_ADDR=address)


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_fifty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page(person):
    for _ in range(50):
        assert web_login(person.username, "wrong").status_code in (200, 429)
    response = web_login(person.username, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(response)
    page = response.content.decode()
    assert "登录失败次数过多" in page and "局管理员" in page
    retry = int(response["Retry-After"])
    assert 29 * 60 < retry <= 30 * 60
    until = timezone.localtime(timezone.now() + dt.timedelta(seconds=retry))
    assert f"{until:%H:%M}" in page  # the page says when to come back


def test_fifty_wrong_passwords_then_the_right_one_is_refused_by_the_token_endpoint(person):
    for _ in range(50):
        token_login(person.username, "wrong")
    response = token_login(person.username, PASSWORD)
    assert response.status_code == 429
    body = response.json()
    assert body["error"]["code"] == "locked_out"
    assert body["error"]["fields"] == {}
    assert "登录失败次数过多" in body["error"]["message"]
    assert 29 * 60 < int(response["Retry-After"]) <= 30 * 60
    assert "token" not in body


def test_the_fifth_failure_locks_and_the_fourth_does_not(person):
    for _ in range(4):
        assert web_login(person.username, "wrong").status_code == 200
    assert logged_in(web_login(person.username, PASSWORD))
    # the success did not wipe the count: one more failure is the fifth
    assert web_login(person.username, "wrong").status_code == 429
    assert web_login(person.username, PASSWORD).status_code == 429


def test_the_account_is_locked_from_every_address(person):
    for n in range(5):
        web_login(person.username, "wrong", address=f"203.0.113.{n + 1}")
    assert web_login(person.username, PASSWORD, address="203.0.113.99").status_code == 429
    assert token_login(person.username, PASSWORD, address="203.0.113.99").status_code == 429


def test_an_address_trying_many_accounts_is_locked_but_not_the_others(person):
    for n in range(20):
        web_login(f"guess-{n}", "wrong", address="192.0.2.66")
    assert web_login(person.username, PASSWORD, address="192.0.2.66").status_code == 429
    assert token_login(person.username, PASSWORD, address="192.0.2.66").status_code == 429
    # the account itself was never tried: from its own address it logs in
    assert logged_in(web_login(person.username, PASSWORD, address="192.0.2.1"))


def test_the_lockout_ends_after_the_period(person):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            web_login(person.username, "wrong")
        traveller.shift(dt.timedelta(minutes=29))
        assert web_login(person.username, PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=2))
        assert logged_in(web_login(person.username, PASSWORD))


def test_limit_and_period_come_from_the_rule_table(person):
    RuleValue.objects.filter(rule="core.login_failure_limit", jurisdiction="").update(value=2)
    RuleValue.objects.filter(rule="core.login_lockout_minutes", jurisdiction="").update(value=5)
    web_login(person.username, "wrong")
    response = web_login(person.username, "wrong")
    assert response.status_code == 429
    assert 4 * 60 < int(response["Retry-After"]) <= 5 * 60


def test_the_administrator_sees_the_lockout_and_lifts_it(person, admin_client):
    client, root = admin_client
    for _ in range(5):
        web_login(person.username, "wrong")
    changelist = reverse("admin:core_loginattempt_changelist")
    page = client.get(changelist).content.decode()
    assert person.username in page and "锁定至" in page

    rows = list(LoginAttempt.objects.filter(username=person.username).values_list("pk", flat=True))
    response = client.post(changelist, {"action": "unlock", "_selected_action": rows})
    assert response.status_code == 302
    assert not LoginAttempt.objects.filter(username=person.username).exists()
    assert logged_in(web_login(person.username, PASSWORD))

    [lifted] = AuditLog.objects.filter(action=AuditAction.UNLOCK)
    assert lifted.actor == root and lifted.via == "admin"
    assert lifted.changes["username"] == [person.username, None]


def test_deleting_the_rows_in_the_admin_also_lifts_and_is_audited(person, admin_client):
    client, root = admin_client
    for _ in range(5):
        token_login(person.username, "wrong")
    [row] = LoginAttempt.objects.filter(username=person.username)
    url = reverse("admin:core_loginattempt_delete", args=[row.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert token_login(person.username, PASSWORD).status_code == 200
    assert AuditLog.objects.filter(action=AuditAction.UNLOCK, actor=root).count() == 1


def test_a_web_login_is_audited_with_who_and_where(person):
    assert logged_in(web_login(person.username, PASSWORD, address="198.51.100.20"))
    [row] = AuditLog.objects.filter(action=AuditAction.LOGIN)
    assert (row.actor, row.actor_name, row.ip_address, row.via) == (
        person,
        person.username,
        "198.51.100.20",
        "web",
    )
    assert row.object_id == str(person.pk)


def test_failed_logins_and_the_lockout_are_audited_without_the_password(person):
    for n in range(6):
        web_login(person.username, f"secret-guess-{n}", address="198.51.100.30")
    failed = AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id")
    assert failed.count() == 6
    assert all(r.actor is None and r.ip_address == "198.51.100.30" for r in failed)
    assert [r.changes["reason"][1] for r in failed] == ["bad_credentials"] * 5 + ["locked_out"]
    [lockout] = AuditLog.objects.filter(action=AuditAction.LOCKOUT)
    assert lockout.object_id == str(person.pk) and lockout.object_repr == person.username
    assert lockout.changes["locked_until"][1]
    everything = json.dumps(list(AuditLog.objects.values()), default=str)
    assert "secret-guess" not in everything


def test_a_failed_login_of_an_unknown_account_is_audited(db):
    web_login("nobody-here", "wrong")
    [row] = AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED)
    assert (row.object_id, row.object_repr, row.actor_name) == ("", "nobody-here", "nobody-here")


def test_a_token_login_is_audited_as_a_login_and_an_issue(person):
    response = token_login(person.username, PASSWORD, address="198.51.100.40")
    assert response.status_code == 200
    [login] = AuditLog.objects.filter(action=AuditAction.LOGIN)
    assert (login.actor, login.via, login.ip_address) == (person, "api", "198.51.100.40")
    [issue] = AuditLog.objects.filter(action=AuditAction.TOKEN_ISSUE)
    assert issue.actor == person and issue.object_id == str(response.json()["id"])
    assert response.json()["token"] not in json.dumps(list(AuditLog.objects.values()), default=str)
    token_login(person.username, "wrong")
    assert AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED, via="api").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/login/", TOKEN_URL])
def test_a_lockout_under_the_asgi_server_answers_429_not_500(make_user, path):
    """uvicorn serves the platform through the ASGI handler, where django-axes' middleware
    takes its async path (it once answered the lockout with a 500 there)."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    user = make_user(Role.REGULATOR, "3306")
    client = AsyncClient(REMOTE_ADDR="198.51.100.9")

    def attempt(password: str):
        if path == TOKEN_URL:
            body = json.dumps({"username": user.username, "password": password})
            return async_to_sync(client.post)(path, body, content_type="application/json")
        return async_to_sync(client.post)(path, {"username": user.username, "password": password})

    codes = [attempt("wrong").status_code for _ in range(6)]
    assert 500 not in codes and codes[-1] == 429
    response = attempt(PASSWORD)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_the_lockout_message_follows_the_callers_language(person):
    for _ in range(5):
        token_login(person.username, "wrong")
    body = json.dumps({"username": person.username, "password": PASSWORD})
    response = Client().post(
        TOKEN_URL, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 429
    assert response.json()["error"]["message"].startswith("Too many failed logins")
