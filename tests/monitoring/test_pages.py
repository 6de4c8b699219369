"""The monitoring pages for every role: what each sees, and what each may do."""

from __future__ import annotations

import pytest
from django.urls import reverse

from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import DeviceState
from tests.monitoring.conftest import T0, add_readings

ROLES = ["admin", "regulator", "county", "inspector", "enterprise"]


@pytest.fixture
def alarm(users, make_alarm):
    return make_alarm(users["keqiao"])


@pytest.mark.parametrize("role", ROLES)
def test_pages_render_for_every_role(users, client_as, alarm, role):
    client = client_as(users[role])
    point = users["keqiao"]["point"]
    for url in [
        reverse("monitoring:overview"),
        reverse("monitoring:point", args=[point.pk]),
        reverse("monitoring:alarm-list"),
        reverse("monitoring:alarm", args=[alarm.pk]),
        reverse("monitoring:declaration-list"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, (role, url)
        assert (
            users["keqiao"]["enterprise"].name in response.content.decode() or "declaration" in url
        )


@pytest.mark.parametrize("role", ["other_county", "other_enterprise"])
def test_outsiders_get_404(users, client_as, alarm, role):
    client = client_as(users[role])
    point = users["keqiao"]["point"]
    for url in [
        reverse("monitoring:point", args=[point.pk]),
        reverse("monitoring:point-export", args=[point.pk]),
        reverse("monitoring:alarm", args=[alarm.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    page = client.get(reverse("monitoring:alarm-list")).content.decode()
    assert users["keqiao"]["enterprise"].name not in page
    page = client.get(reverse("monitoring:overview")).content.decode()
    assert users["keqiao"]["enterprise"].name not in page
    assert users["shangyu"]["enterprise"].name in page


def test_anonymous_is_sent_to_login(client, db):
    for name in ["monitoring:overview", "monitoring:alarm-list", "monitoring:declaration-list"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_overview_colours_points_by_state(users, client_as, make_alarm):
    DeviceState.objects.create(device=users["keqiao"]["device"], connected=True)
    DeviceState.objects.create(device=users["shangyu"]["device"], connected=True)
    client = client_as(users["regulator"])
    page = client.get(reverse("monitoring:overview")).content.decode()
    assert page.count('data-status="normal"') == 2
    make_alarm(users["keqiao"])
    page = client.get(reverse("monitoring:overview")).content.decode()
    assert 'data-status="exceeding"' in page and 'data-status="normal"' in page
    page = client.get(reverse("monitoring:overview"), {"status": "exceeding"}).content.decode()
    assert users["shangyu"]["enterprise"].name not in page.split('id="point-states"')[1]


def test_point_page_embeds_the_series_with_the_limit(users, client_as):
    point = users["keqiao"]["point"]
    add_readings(point.pk, "a21026", PeriodKind.HOUR, [(T0, 20.0), (T0 + 3600, 40.0, "D")])
    response = client_as(users["county"]).get(
        reverse("monitoring:point", args=[point.pk]),
        {"factor": "a21026", "kind": "hour", "start": "2026-11-01", "end": "2026-11-01"},
    )
    page = response.content.decode()
    assert '"limit": 35.0' in page and '"invalid"' in page and "20.0" in page
    assert 'id="kind-hour" value="hour" autocomplete="off" checked' in page


def test_acknowledge_with_htmx_returns_the_panel(users, client_as, alarm):
    client = client_as(users["county"])
    response = client.post(
        reverse("monitoring:alarm-acknowledge", args=[alarm.pk]),
        {"note": "已派人核查"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'id="acknowledged-badge"' in page
    assert "已派人核查" in page and 'id="acknowledge-form"' not in page
    alarm.refresh_from_db()
    assert alarm.acknowledged_by == users["county"]


def test_enterprise_cannot_acknowledge(users, client_as, alarm):
    client = client_as(users["enterprise"])
    page = client.get(reverse("monitoring:alarm", args=[alarm.pk])).content.decode()
    assert 'id="acknowledge-form"' not in page and 'id="comment-form"' in page
    response = client.post(reverse("monitoring:alarm-acknowledge", args=[alarm.pk]), {})
    assert response.status_code == 403
    alarm.refresh_from_db()
    assert alarm.acknowledged_at is None
