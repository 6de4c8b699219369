"""The case list's filter bar: every label in Chinese, an enterprise filter that can be
chosen and filters within the user's scope, and people named by their display name."""

from __future__ import annotations

import re

from django.urls import reverse

from qingshan.supervision import services
from tests.conftest import client_for

LIST = "/supervision/"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _options(html: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}>"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)))


def test_every_filter_label_is_chinese(users) -> None:
    for role in ("regulator", "county", "enterprise"):
        form = client_for(users[role]).get(LIST).context["filters"]
        labels = {name: str(field.label) for name, field in form.fields.items()}
        assert all(CJK.search(label) for label in labels.values()), labels
    html = client_for(users["regulator"]).get(LIST).content.decode()
    assert "Enterprise" not in html


def test_the_enterprise_filter_is_a_choice_of_the_enterprises_in_scope(users) -> None:
    keqiao, shangyu = users["keqiao"]["enterprise"], users["shangyu"]["enterprise"]
    city = _options(client_for(users["regulator"]).get(LIST).content.decode(), "enterprise")
    assert city[str(keqiao.pk)] == keqiao.name and city[str(shangyu.pk)] == shangyu.name
    county = _options(client_for(users["county"]).get(LIST).content.decode(), "enterprise")
    assert str(keqiao.pk) in county and str(shangyu.pk) not in county


def test_the_enterprise_filter_filters(users, open_case) -> None:
    mine, other = open_case("keqiao"), open_case("shangyu")
    client = client_for(users["regulator"])
    response = client.get(LIST, {"enterprise": users["keqiao"]["enterprise"].pk})
    assert [c.pk for c in response.context["page"]] == [mine.pk]
    tabs = {t["value"]: t["count"] for t in response.context["tabs"]}
    assert tabs["open"] == 1 and tabs["pending"] == 1
    assert {c.pk for c in client.get(LIST).context["page"]} == {mine.pk, other.pk}


def test_the_enterprise_filter_never_widens_the_scope(users, open_case) -> None:
    mine, other = open_case("keqiao"), open_case("shangyu")
    client = client_for(users["county"])
    # another county's enterprise is no choice: the value is ignored, the scope stays
    response = client.get(LIST, {"enterprise": users["shangyu"]["enterprise"].pk})
    assert [c.pk for c in response.context["page"]] == [mine.pk]
    assert other.pk not in [c.pk for c in response.context["page"]]


def test_the_enterprise_sees_no_enterprise_or_assignee_filter(users, open_case) -> None:
    open_case("keqiao")
    form = client_for(users["enterprise"]).get(LIST).context["filters"]
    assert {"enterprise", "assignee", "region"}.isdisjoint(form.fields)


def test_people_are_chosen_by_display_name(users, open_case) -> None:
    inspector = users["inspector"]
    inspector.first_name = "王执法"
    inspector.save()
    html = client_for(users["regulator"]).get(LIST).content.decode()
    assert _options(html, "assignee")[str(inspector.pk)] == "王执法"
    case = open_case("keqiao")
    detail = client_for(users["regulator"]).get(reverse("supervision:case", args=[case.pk]))
    page = detail.content.decode()
    assert _options(page, "dispatch-assignee")[str(inspector.pk)] == "王执法"
    assert inspector.username not in page


def test_the_timeline_and_the_list_name_the_assignee_by_display_name(users, open_case) -> None:
    inspector = users["inspector"]
    inspector.first_name = "王执法"
    inspector.save()
    case = open_case("keqiao")
    services.case_act(
        user=users["regulator"],
        case=case,
        action="dispatch",
        version=case.version,
        assignee=inspector,
    )
    client = client_for(users["regulator"])
    for url in (reverse("supervision:case", args=[case.pk]), LIST, reverse("supervision:inbox")):
        html = client.get(url).content.decode()
        assert inspector.username not in html, url
    assert (
        "承办人：王执法" in client.get(reverse("supervision:case", args=[case.pk])).content.decode()
    )
