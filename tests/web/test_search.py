"""The global search (issue 17): grouped, capped, and scoped exactly as the lists are, so
nobody finds what their lists would not show them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from qingshan.monitoring.models import Alarm
from qingshan.supervision import services
from qingshan.web.views.search import MIN_QUERY, PER_GROUP
from tests.conftest import KEQIAO, SHANGYU
from tests.web.pagetext import has_element, links_of, text_of

pytestmark = pytest.mark.django_db

GROUPS = ("enterprises", "points", "devices", "permits", "cases")


def search(client: Client, q: str) -> str:
    response = client.get(reverse("search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def found(html: str) -> dict[str, list[str]]:
    """Group → the titles of the hits shown, for the groups that found something."""
    return {
        group: [title for url, title in links_of(html, f"group-{group}") if url and title]
        for group in GROUPS
        if has_element(html, f"group-{group}")
    }


def open_case(site: dict[str, Any], title_word: str = "") -> Any:
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
    if title_word:
        type(case).objects.filter(pk=case.pk).update(title=f"{title_word} {case.title}")
        case.refresh_from_db()
    return case


ROLES_SEEING = {  # which of the two sites each role may see
    "admin": {"keqiao", "shangyu"},
    "regulator": {"keqiao", "shangyu"},
    "inspector": {"keqiao", "shangyu"},
    "county": {"keqiao"},
    "other_county": {"shangyu"},
    "enterprise": {"keqiao"},
    "other_enterprise": {"shangyu"},
}


@pytest.mark.parametrize("role", sorted(ROLES_SEEING))
def test_each_identifier_finds_its_record_only_within_scope(users, client_as, role) -> None:
    """Name, credit code, MN, permit number, case title and case number: found by whoever
    may see the record, and by nobody else (a county searching its neighbour's MN finds
    nothing, not even that it exists)."""
    client = client_as(users[role])
    for site_name in ("keqiao", "shangyu"):
        site = users[site_name]
        case = open_case(site, title_word=f"稽查{site_name}")
        probes = {
            "enterprises": (site["enterprise"].name, site["enterprise"].name),
            "enterprises ": (site["enterprise"].credit_code, site["enterprise"].name),
            "devices": (site["device"].mn, site["device"].mn),
            "permits": (site["permit"].number, site["permit"].number),
            "cases": (f"稽查{site_name}", f"{case.number} {case.title}"),
            "cases ": (case.number, f"{case.number} {case.title}"),
        }
        visible = site_name in ROLES_SEEING[role]
        for group, (q, title) in probes.items():
            html = search(client, q)
            hits = found(html).get(group.strip(), [])
            assert (title in hits) is visible, (role, site_name, group, q)
            if not visible and has_element(html, "search-results"):  # nothing of it at all
                results = text_of(html, "search-results")
                assert site["enterprise"].name not in results, (role, q)


def test_points_are_found_by_their_name(users, client_as) -> None:
    point = users["shangyu"]["point"]
    type(point).objects.filter(pk=point.pk).update(name="江滨污水厂进口")
    assert found(search(client_as(users["regulator"]), "污水厂进口")) == {
        "points": ["江滨污水厂进口"]
    }
    assert found(search(client_as(users["county"]), "污水厂进口")) == {}


def test_groups_are_capped_with_a_link_to_the_full_list(users, client_as, make_enterprise) -> None:
    for n in range(PER_GROUP + 2):
        make_enterprise(KEQIAO, name=f"柯桥兰亭纺织{n}厂")
    make_enterprise(SHANGYU, name="上虞兰亭纺织厂")  # not the county's
    client = client_as(users["county"])
    html = search(client, "兰亭纺织")
    assert text_of(html, "group-enterprises").startswith(f"排污单位 {PER_GROUP + 2}")
    assert len(found(html)["enterprises"]) == PER_GROUP + 1  # the hits and "全部 7 条"
    more = dict((t, u) for u, t in links_of(html, "group-enterprises"))[f"全部 {PER_GROUP + 2} 条"]
    listed = client.get(more).context["page"]
    assert listed.paginator.count == PER_GROUP + 2
    assert {e.name for e in listed} == {f"柯桥兰亭纺织{n}厂" for n in range(PER_GROUP + 2)}


def test_every_more_link_lists_what_its_group_counted(users, client_as, make_site) -> None:
    """Points, loggers and permits match their enterprise's name as their lists do; cases
    their title. Each "more" opens its list holding exactly the group's count."""
    for _ in range(PER_GROUP + 1):
        open_case(make_site(KEQIAO), title_word="测试印染")
    open_case(users["shangyu"], title_word="测试印染")  # the neighbour's: never counted
    client = client_as(users["county"])
    html = search(client, "测试印染")
    for group in GROUPS:
        count = int(text_of(html, f"group-{group}").split()[1])
        assert count == PER_GROUP + 2 - (group == "cases"), group  # + the county's own site
        more = [u for u, t in links_of(html, f"group-{group}") if t == f"全部 {count} 条"]
        assert len(more) == 1, group
        assert client.get(more[0]).context["page"].paginator.count == count, group


def test_no_more_link_when_everything_is_shown(users, client_as) -> None:
    html = search(client_as(users["regulator"]), users["keqiao"]["enterprise"].name)
    assert [t for _u, t in links_of(html, "group-enterprises") if t.startswith("全部")] == []


def test_retired_records_are_found_and_marked(users, client_as) -> None:
    enterprise = users["shangyu"]["enterprise"]
    type(enterprise).objects.filter(pk=enterprise.pk).update(
        retired_at=timezone.now(), retired_reason="企业关停"
    )
    html = search(client_as(users["regulator"]), enterprise.credit_code)
    assert f"{enterprise.name} 已注销" in text_of(html, "group-enterprises")


def test_a_query_shorter_than_the_minimum_searches_nothing(users, client_as) -> None:
    client = client_as(users["admin"])
    html = search(client, "测")
    assert f"请输入至少 {MIN_QUERY} 个字符" in html
    assert found(html) == {}
    assert "请输入至少" not in search(client, "")  # the empty page explains instead
    assert "结果仅包括您有权查看的记录" in search(client, "")


def test_nothing_found_says_so(users, client_as) -> None:
    html = search(client_as(users["county"]), "不存在的企业名称")
    assert "没有与“不存在的企业名称”相符的记录。" in text_of(html, "search-none")


def test_control_characters_search_nothing_and_fail_nothing(users, client_as) -> None:
    """A NUL in a query would be refused by PostgreSQL: the page answers, finding none."""
    html = search(client_as(users["admin"]), "测试\x00印染")
    assert found(html) == {}


def test_a_long_query_is_cut_not_refused(users, client_as) -> None:
    html = search(client_as(users["admin"]), "印" * 500)
    assert found(html) == {}


def test_the_public_cannot_search(users, client_as) -> None:
    response = client_as(None).get(reverse("search"), {"q": users["keqiao"]["enterprise"].name})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
