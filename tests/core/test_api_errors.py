"""Every API error answers {"error": {"code", "message", "fields"}}, and is logged once.

A few routes of a second NinjaAPI, with the platform's error handlers, break the real
database on purpose (a CHECK, a UNIQUE, a too-long value) and raise what no route should.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from ninja import NinjaAPI

from qingshan.core.api import install_error_handlers
from qingshan.permits.models import Permit
from qingshan.registry.models import Device, Outlet
from qingshan.urls import handler400, handler403, handler404, handler500  # noqa: F401
from qingshan.urls import urlpatterns as platform_urls

faults = NinjaAPI(urls_namespace="faults", auth=None, docs_url=None, openapi_url=None)
install_error_handlers(faults)


@faults.post("/check/{pk}")
def permit_period_reversed(request: HttpRequest, pk: int) -> dict[str, Any]:
    with transaction.atomic():
        Permit.objects.filter(pk=pk).update(valid_to=F("valid_from"))  # CHECK valid_to > from
    return {}


@faults.post("/unique/{pk}/{other}")
def device_mn_taken(request: HttpRequest, pk: int, other: int) -> dict[str, Any]:
    with transaction.atomic():
        Device.objects.filter(pk=pk).update(mn=Device.objects.get(pk=other).mn)
    return {}


@faults.post("/too-long/{pk}")
def outlet_code_too_long(request: HttpRequest, pk: int) -> dict[str, Any]:
    with transaction.atomic():
        Outlet.objects.filter(pk=pk).update(code="D" * 300)  # varchar(32)
    return {}


@faults.get("/bug")
def bug(request: HttpRequest) -> dict[str, Any]:
    raise RuntimeError("a bug")


def plain_bug(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug outside ninja")


urlpatterns = [
    path("api/faults/", faults.urls),
    path("api/plain-bug", plain_bug),
    *platform_urls,
]
FAULTS = pytest.mark.urls(__name__)


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


# ── every error in the one shape ─────────────────────────────────────────────────────


def test_an_unknown_api_path_is_a_json_404(users, api_client):
    response = api_client(users["admin"]).get("/api/v1/no-such-thing")
    _error(response, 404, "not_found")
    assert api_client(None).get("/api/v2/enterprises").status_code == 404


def test_an_unknown_page_is_still_a_page(db, api_client):
    response = api_client(None).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_the_path_does_not_have_is_a_json_405(users, api_client):
    response = api_client(users["admin"]).put("/api/v1/enterprises", "{}", "application/json")
    _error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


@FAULTS
def test_a_bug_is_a_json_500_logged_once_with_its_traceback(db, caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.INFO):
        response = client.get("/api/faults/bug")
    error = _error(response, 500, "server_error")
    assert "a bug" not in error["message"]  # nothing of the inside is told
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1 and "a bug" in str(tracebacks[0].exc_info[1])


@FAULTS
def test_a_bug_outside_ninja_is_a_json_500_too(db):
    response = Client(raise_request_exception=False).get("/api/plain-bug")
    _error(response, 500, "server_error")


# ── 422 for a value no row may have, 409 for a clash with another row ────────────────


@FAULTS
def test_a_check_constraint_is_invalid_input_not_a_conflict(users):
    permit = users["keqiao"]["permit"]
    _error(Client().post(f"/api/faults/check/{permit.pk}"), 422, "invalid")
    permit.refresh_from_db()
    assert permit.valid_to > permit.valid_from


@FAULTS
def test_a_unique_clash_stays_a_conflict(users):
    device, other = users["keqiao"]["device"], users["shangyu"]["device"]
    _error(Client().post(f"/api/faults/unique/{device.pk}/{other.pk}"), 409, "conflict")


@FAULTS
def test_a_value_too_long_for_the_column_is_invalid_input(users):
    outlet = users["keqiao"]["outlet"]
    response = Client().post(f"/api/faults/too-long/{outlet.pk}")
    if connection.vendor == "sqlite":  # SQLite keeps any length: nothing to refuse
        assert response.status_code == 200
        return
    _error(response, 422, "invalid")  # PostgreSQL: DataError, a 500 before


# ── anonymous writes: 401, not a CSRF refusal ────────────────────────────────────────


def test_an_anonymous_write_is_unauthenticated_not_a_csrf_failure(users):
    client = Client(enforce_csrf_checks=True)  # as a browser or a script meets it
    outlet = users["keqiao"]["outlet"]
    for response in (
        client.post("/api/v1/enterprises", "{}", content_type="application/json"),
        client.patch(f"/api/v1/outlets/{outlet.pk}", "{}", content_type="application/json"),
        client.delete(f"/api/v1/outlets/{outlet.pk}"),
    ):
        _error(response, 401, "unauthenticated")


def test_a_session_write_without_the_csrf_token_is_still_refused(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    outlet = users["keqiao"]["outlet"]
    response = client.patch(
        f"/api/v1/outlets/{outlet.pk}", json.dumps({"name": "伪造"}), "application/json"
    )
    assert response.status_code == 403
    outlet.refresh_from_db()
    assert outlet.name != "伪造"


# ── a refusal is one line in the log ─────────────────────────────────────────────────


def test_a_refused_page_is_logged_as_one_line(users, api_client, caplog):
    with caplog.at_level(logging.INFO):
        response = api_client(users["enterprise"]).get("/enterprises/new/")
    assert response.status_code == 403
    refusals = [r for r in caplog.records if r.name == "django.request"]
    assert refusals and all(r.exc_info is None for r in refusals)
    assert "Forbidden" in caplog.text and "Traceback" not in caplog.text


def test_a_refused_api_write_is_logged_as_one_line(users, api_client, caplog):
    outlet = users["keqiao"]["outlet"]
    with caplog.at_level(logging.INFO):
        response = api_client(users["inspector"]).patch(
            f"/api/v1/outlets/{outlet.pk}", json.dumps({"name": "x"}), "application/json"
        )
    _error(response, 403, "forbidden")
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
