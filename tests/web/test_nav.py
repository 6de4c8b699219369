"""The navigation (issue 17): the unread-notification badge, cheap on every page, and the
search box, for whoever is logged in."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qingshan.exchange.models import ImportJob
from qingshan.monitoring.models import Alarm
from qingshan.supervision import services
from qingshan.supervision.models import Notification, SupervisionCase
from tests.web.pagetext import has_element, text_of

pytestmark = pytest.mark.django_db

PAGES = ["home", "enterprise-list", "permit-list", "supervision:case-list", "search"]


def a_case(site: dict[str, Any]) -> SupervisionCase:
    now = timezone.now().replace(microsecond=0)
    alarm = Alarm.objects.create(
        point=site["point"],
        enterprise=site["enterprise"],
        region_code=site["enterprise"].region_code,
        factor_code="a21026",
        kind="exceedance",
        severity="major",
        period=3,
        first_at=now,
        last_at=now,
        rule="exceedance.hourly",
    )
    case = services.case_open_from_alarm(user=None, alarm=alarm)
    Notification.objects.all().delete()  # the opening told the supervisors: start afresh
    return case


def notices(user: Any, case: SupervisionCase, n: int, *, read: bool = False) -> None:
    Notification.objects.bulk_create(
        Notification(
            user=user,
            case=case,
            kind="opened",
            text=f"新督办案件 {i}",
            read_at=timezone.now() if read else None,
        )
        for i in range(n)
    )


def inbox_text(client: Client, name: str = "home") -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200, name
    return text_of(response.content.decode(), "nav-inbox")


def test_the_badge_counts_the_users_own_unread_notifications(users, client_as) -> None:
    case = a_case(users["keqiao"])
    notices(users["county"], case, 3)
    notices(users["county"], case, 2, read=True)
    notices(users["regulator"], case, 1)
    county = client_as(users["county"])
    for name in PAGES:
        assert inbox_text(county, name) == "3", name
    assert inbox_text(client_as(users["regulator"])) == "1"
    assert inbox_text(client_as(users["enterprise"])) == ""  # none: no badge at all
    html = county.get(reverse("home")).content.decode()
    assert 'aria-label="站内通知：3 条未读"' in html
    # reading them in the inbox clears the badge
    county.post(reverse("supervision:inbox"))
    assert inbox_text(county) == ""


def test_the_badge_shows_99_plus_beyond_99(users, client_as) -> None:
    case = a_case(users["keqiao"])
    notices(users["county"], case, 120)
    assert inbox_text(client_as(users["county"])) == "99+"


def _notice_queries(client: Client, url: str, **headers: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=headers).status_code == 200
    return [q["sql"] for q in captured if "supervision_notification" in q["sql"]]


def test_the_badge_costs_one_query_and_none_where_no_navigation_is_shown(users, client_as) -> None:
    case = a_case(users["keqiao"])
    notices(users["regulator"], case, 4)
    client = client_as(users["regulator"])
    # the home page shows the count twice (the badge and its inbox link): one query
    assert len(_notice_queries(client, reverse("home"))) == 1
    assert len(_notice_queries(client, reverse("enterprise-list"))) == 1
    job = ImportJob.objects.create(user=users["regulator"], file_name="a.xlsx", source="a.xlsx")
    fragment = reverse("exchange:job-progress", args=[job.pk])
    assert _notice_queries(client, fragment, HX_Request="true") == []


@pytest.mark.parametrize("role", ["admin", "regulator", "county", "inspector", "enterprise"])
def test_every_logged_in_user_has_the_search_box(users, client_as, role) -> None:
    html = client_as(users[role]).get(reverse("enterprise-list")).content.decode()
    assert has_element(html, "nav-search") and has_element(html, "nav-search-toggle")
    assert f'action="{reverse("search")}"' in html


def test_the_login_page_has_neither_search_nor_inbox(client_as) -> None:
    html = client_as(None).get(reverse("login")).content.decode()
    assert not has_element(html, "nav-search")
    assert not has_element(html, "nav-inbox")
