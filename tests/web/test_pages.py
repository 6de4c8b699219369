"""What the pages show: counts in scope, filters and pagination, the enterprise and permit pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from qingshan.core.models import Region
from qingshan.permits.models import AnnualCap, Permit
from tests.conftest import KEQIAO, SHANGYU


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_home_counts_what_is_in_scope(users, client_as) -> None:
    soon = timezone.localdate() + dt.timedelta(days=30)
    Permit.objects.filter(pk=users["keqiao"]["permit"].pk).update(valid_to=soon)
    city = client_as(users["regulator"]).get(reverse("home"))
    county = client_as(users["county"]).get(reverse("home"))
    cards = {str(label): count for label, count, _icon, _url in city.context["cards"]}
    assert cards == {
        "排污单位": 2,
        "重点排污单位": 2,
        "排放口": 2,
        "监控点": 2,
        "数采仪": 2,
        "有效许可证": 2,
    }
    assert city.context["expiring_count"] == 1  # the expiring ones: tests/web/test_home.py
    assert [c for _l, c, _i, _u in county.context["cards"]] == [1, 1, 1, 1, 1, 1]
    assert users["keqiao"]["permit"].number in text(county)


def test_other_enterprise_sees_only_itself(users, client_as) -> None:
    page = text(client_as(users["other_enterprise"]).get(reverse("enterprise-list")))
    assert users["shangyu"]["enterprise"].name in page
    assert users["keqiao"]["enterprise"].name not in page


def test_enterprise_search_and_filters(users, client_as, make_enterprise) -> None:
    Region.objects.update_or_create(
        code=KEQIAO, defaults={"name": "柯桥区", "name_en": "Keqiao", "level": "county"}
    )
    make_enterprise(
        KEQIAO, name="绍兴兰亭化工有限公司", address="柯桥区兰亭街道", industry_code="2614"
    )
    make_enterprise(SHANGYU, name="上虞纺织厂", is_key_discharger=False, industry_code="1713")
    client = client_as(users["regulator"])

    def names(**query) -> list[str]:
        response = client.get(reverse("enterprise-list"), query)
        return [e.name for e in response.context["page"]]

    assert names(q="兰亭") == ["绍兴兰亭化工有限公司"]
    credit_code = users["shangyu"]["enterprise"].credit_code
    assert names(q=credit_code) == [users["shangyu"]["enterprise"].name]
    assert len(names(region=SHANGYU)) == 2
    assert names(industry="2614") == ["绍兴兰亭化工有限公司"]
    assert names(key="0") == ["上虞纺织厂"]
    page = text(client.get(reverse("enterprise-list")))
    assert "柯桥区（330603）" in page  # the region select and the table use the region table


def test_the_region_select_offers_only_the_users_jurisdiction(users, client_as) -> None:
    county = client_as(users["county"]).get(reverse("enterprise-list"))
    codes = [code for code, _label in county.context["filters"].fields["region"].choices]
    assert codes == ["", KEQIAO]


def test_pagination_keeps_the_filters(users, client_as, make_enterprise) -> None:
    for n in range(30):
        make_enterprise(KEQIAO, name=f"分页测试企业{n:02d}")
    client = client_as(users["regulator"])
    first = client.get(reverse("enterprise-list"), {"region": KEQIAO, "key": "1"})
    assert len(first.context["page"]) == 25
    assert first.context["page"].paginator.count == 31
    assert "?region=330603&amp;key=1&amp;page=2" in text(first)
    second = client.get(reverse("enterprise-list"), {"region": KEQIAO, "key": "1", "page": 2})
    assert len(second.context["page"]) == 6


@pytest.mark.parametrize("role", ["regulator", "inspector", "enterprise"])
def test_enterprise_page_shows_everything_it_owns(users, client_as, role: str) -> None:
    site = users["keqiao"]
    AnnualCap.objects.create(permit=site["permit"], pollutant="a21026", tonnes_per_year=12)
    page = text(
        client_as(users[role]).get(reverse("enterprise-detail", args=[site["enterprise"].pk]))
    )
    for expected in [
        site["enterprise"].credit_code,
        "DA001",
        "锅炉出口",
        "二氧化硫（a21026）",
        "氮氧化物（a21002）",
        site["device"].mn,
        site["permit"].number,
    ]:
        assert expected in page
    assert "sha256$" not in page and site["device"].password_digest not in page
    edit_url = reverse("enterprise-edit", args=[site["enterprise"].pk])
    assert (edit_url in page) is (role == "regulator")
    assert (reverse("device-password", args=[site["device"].pk]) in page) is (role == "regulator")


def test_permit_page_shows_limits_and_caps(users, client_as) -> None:
    site = users["keqiao"]
    AnnualCap.objects.create(
        permit=site["permit"], pollutant="a21002", tonnes_per_year=Decimal("100.5")
    )
    page = text(
        client_as(users["inspector"]).get(reverse("permit-detail", args=[site["permit"].pk]))
    )
    assert "二氧化硫（a21026）" in page
    assert ">35<" in page  # 35.0000 shown as 35
    assert ">6<" in page  # reference O2
    assert "小时均值" in page
    assert "氮氧化物（a21002）" in page and "100.5" in page
    assert reverse("permit-edit", args=[site["permit"].pk]) not in page


def test_history_shows_who_when_where_and_what(users, client_as) -> None:
    site = users["keqiao"]
    client = client_as(users["county"])
    url = reverse("enterprise-edit", args=[site["enterprise"].pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(name="柯桥新名称印染有限公司", is_key_discharger="on")
    assert client.post(url, data, REMOTE_ADDR="10.1.2.3").status_code == 302
    page = text(client.get(reverse("enterprise-detail", args=[site["enterprise"].pk])))
    assert users["county"].username in page
    assert "10.1.2.3" in page
    assert "名称" in page and "柯桥新名称印染有限公司" in page
    assert site["enterprise"].name in page  # the old value


def test_device_list_filters(users, client_as) -> None:
    device = users["shangyu"]["device"]
    device.is_active = False
    device.save()
    client = client_as(users["admin"])
    inactive = client.get(reverse("device-list"), {"active": "0"}).context["page"]
    assert [d.mn for d in inactive] == [device.mn]
    in_keqiao = client.get(reverse("device-list"), {"region": KEQIAO}).context["page"]
    assert [d.mn for d in in_keqiao] == [users["keqiao"]["device"].mn]


def test_permit_list_filters(users, client_as) -> None:
    Permit.objects.filter(pk=users["shangyu"]["permit"].pk).update(
        status="suspended", permit_class="simplified"
    )
    client = client_as(users["regulator"])

    def numbers(**query) -> list[str]:
        return [p.number for p in client.get(reverse("permit-list"), query).context["page"]]

    assert numbers(status="suspended") == [users["shangyu"]["permit"].number]
    assert numbers(permit_class="key") == [users["keqiao"]["permit"].number]
    assert numbers(region=KEQIAO) == [users["keqiao"]["permit"].number]
    assert numbers(q=users["shangyu"]["enterprise"].name) == [users["shangyu"]["permit"].number]


def test_point_list_shows_factor_names(users, client_as) -> None:
    page = text(client_as(users["enterprise"]).get(reverse("point-list")))
    assert "烟尘（a34013）" in page
    assert users["shangyu"]["enterprise"].name not in page


def test_login_page_and_logout(users, client) -> None:
    assert "登录青山" in text(client.get(reverse("login")))
    response = client.post(
        reverse("login"), {"username": users["county"].username, "password": "pw-for-tests"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "监管人员" in text(client.get(reverse("home")))
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302
