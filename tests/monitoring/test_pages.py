"""The monitoring pages for every role: what each sees, and what each may do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from qingshan.monitoring.choices import PeriodKind
from qingshan.monitoring.models import AnomalyDeclaration, DeviceState
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


def test_point_chart_shades_declared_periods_but_not_rejected_ones(users, client_as):
    site = users["keqiao"]
    add_readings(site["point"].pk, "a21026", PeriodKind.HOUR, [(T0, 20.0), (T0 + 7200, 21.0)])
    for status, start in (("accepted", T0 + 3600), ("rejected", T0 + 5400)):
        AnomalyDeclaration.objects.create(
            point=site["point"],
            enterprise=site["enterprise"],
            kind="maintenance",
            starts_at=start,
            ends_at=start + 1800,
            reason="检修",
            status=status,
        )
    page = (
        client_as(users["county"])
        .get(
            reverse("monitoring:point", args=[site["point"].pk]),
            {"factor": "a21026", "kind": "hour", "start": "2026-11-01", "end": "2026-11-01"},
        )
        .content.decode()
    )
    assert f'"from": {(T0 + 3600) * 1000}' in page and '"kind": "declared"' in page
    assert f'"from": {(T0 + 5400) * 1000}' not in page


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


PDF = b"%PDF-1.7\n%%EOF\n"


def test_enterprise_explains_on_the_web_and_the_regulator_reviews(
    users, client_as, alarm, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("monitoring:alarm-explain", args=[alarm.pk])
    assert client_as(users["county"]).get(url).status_code == 403
    assert client_as(users["other_enterprise"]).get(url).status_code == 404
    enterprise = client_as(users["enterprise"])
    bad = enterprise.post(url, {"text": "说明", "attachment": SimpleUploadedFile("a.exe", b"MZ")})
    assert bad.status_code == 200 and "附件只能是" in bad.content.decode()
    response = enterprise.post(
        url, {"text": "布袋除尘器破损，已更换", "attachment": SimpleUploadedFile("维修单.pdf", PDF)}
    )
    assert response.status_code == 302
    entry = alarm.entries.get(action="explained")
    download = reverse("monitoring:alarm-attachment", args=[entry.pk])
    assert client_as(users["other_county"]).get(download).status_code == 404
    got = client_as(users["county"]).get(download)
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert got["X-Content-Type-Options"] == "nosniff"
    detail = client_as(users["county"]).get(reverse("monitoring:alarm", args=[alarm.pk]))
    assert 'id="review-form"' in detail.content.decode()
    review = reverse("monitoring:alarm-review", args=[alarm.pk])
    assert client_as(users["inspector"]).post(review, {"decision": "accept"}).status_code == 403
    client_as(users["county"]).post(review, {"decision": "reject", "note": "请补充更换记录"})
    alarm.refresh_from_db()
    assert alarm.explanation_status == "rejected"


def test_declaration_on_the_web(users, client_as):
    now = timezone.localtime()
    form = {
        "point": users["keqiao"]["point"].pk,
        "kind": "maintenance",
        "starts_at": (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "更换采样探头",
    }
    create = reverse("monitoring:declaration-create")
    assert client_as(users["county"]).get(create).status_code == 403
    other = client_as(users["other_enterprise"]).post(create, form)
    assert other.status_code == 200 and not AnomalyDeclaration.objects.exists()  # not its point
    backwards = client_as(users["enterprise"]).post(create, {**form, "ends_at": form["starts_at"]})
    assert "结束时间必须晚于开始时间" in backwards.content.decode()
    response = client_as(users["enterprise"]).post(create, form)
    declaration = AnomalyDeclaration.objects.get()
    assert response["Location"] == reverse("monitoring:declaration", args=[declaration.pk])
    url = reverse("monitoring:declaration", args=[declaration.pk])
    assert client_as(users["other_county"]).get(url).status_code == 404
    assert client_as(users["inspector"]).post(url, {"decision": "accept"}).status_code == 403
    assert client_as(users["enterprise"]).post(url, {"decision": "accept"}).status_code == 403
    assert 'id="review-form"' in client_as(users["county"]).get(url).content.decode()
    client_as(users["county"]).post(url, {"decision": "accept", "note": ""})
    declaration.refresh_from_db()
    assert declaration.status == "accepted" and declaration.reviewed_by == users["county"]


def test_alarm_page_shows_the_rule_and_its_evidence(users, client_as, make_alarm):
    alarm = make_alarm(
        users["keqiao"],
        kind="flag_run",
        rule="flag_run",
        evidence={"flag": "D", "since": T0, "minutes": 190, "threshold_minutes": 180},
    )
    page = client_as(users["county"]).get(reverse("monitoring:alarm", args=[alarm.pk]))
    rule = page.content.decode().split('id="alarm-rule"')[1]
    assert "故障（D）" in rule and "2026-11-01 00:00" in rule
    assert "190 分钟（达到 180 分钟即报警）" in rule
    assert "flag_run" not in rule and "threshold_minutes" not in rule  # no internals


def test_an_alarm_under_a_lower_limit_names_the_lower_limit(users, client_as, make_alarm):
    below = make_alarm(
        users["keqiao"],
        factor_code="w01001",
        worst_value=4.8,
        limit_value=6.0,
        evidence={"side": "below", "lower_limit": 6.0, "limit": 9.0},
    )
    page = client_as(users["county"]).get(reverse("monitoring:alarm", args=[below.pk]))
    assert "4.8（低于下限 6）" in page.content.decode()
    above = make_alarm(users["keqiao"])
    page = client_as(users["county"]).get(reverse("monitoring:alarm", args=[above.pk]))
    assert "52.5（限值 35，为限值的 1.5 倍）" in page.content.decode()


def test_the_map_draws_the_worst_points_last(users, client_as, make_alarm):
    """Markers are drawn in order: an exceedance on top of its green neighbours, never under."""
    import json

    for site, (lat, lng) in (
        (users["keqiao"], (30.08, 120.49)),
        (users["shangyu"], (30.08, 120.49)),
    ):
        site["enterprise"].latitude, site["enterprise"].longitude = lat, lng
        site["enterprise"].save(update_fields=["latitude", "longitude"])
        DeviceState.objects.create(device=site["device"], connected=True)
    make_alarm(users["keqiao"])  # the first point: listed first, worst first
    page = client_as(users["regulator"]).get(reverse("monitoring:overview")).content.decode()
    payload = page.split('id="overview-markers" type="application/json">')[1].split("</script>")[0]
    markers = json.loads(payload)
    assert [m["status"] for m in markers] == ["正常", "超标"]
