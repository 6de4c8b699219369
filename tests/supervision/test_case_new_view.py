"""The regulator's new-case form (立案): who may open it, which enterprises it offers, the
services it calls (the API's), the audit row, and its refusals in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from qingshan.core.models import AuditLog
from qingshan.supervision.choices import SourceKind
from qingshan.supervision.models import CASE_DESCRIPTION_MAX, CaseEvent, SupervisionCase
from tests.conftest import client_for

URL = "/supervision/open/"


def post(user: Any, **data: Any) -> Any:
    return client_for(user).post(URL, data)


def errors(response: Any) -> dict[str, list[str]]:
    return {name: list(errs) for name, errs in response.context["form"].errors.items()}


def test_the_url_is_the_case_open_page() -> None:
    assert reverse("supervision:case-open") == URL


@pytest.mark.parametrize(
    ("role", "status"),
    [("regulator", 200), ("county", 200), ("admin", 200), ("inspector", 403), ("enterprise", 403)],
)
def test_who_may_open_the_form(users, role, status) -> None:
    assert client_for(users[role]).get(URL).status_code == status
    # an empty form: refused with its errors, or not at all for those who may not post it
    assert client_for(users[role]).post(URL, {}).status_code == (422 if status == 200 else 403)


def test_anonymous_is_sent_to_the_login(db) -> None:
    response = client_for(None).get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_case_list_offers_the_form_to_those_who_may_open_cases(users) -> None:
    listing = client_for(users["county"]).get(reverse("supervision:case-list"))
    assert f'href="{URL}"' in listing.content.decode()
    for role in ("inspector", "enterprise"):
        html = client_for(users[role]).get(reverse("supervision:case-list")).content.decode()
        assert f'href="{URL}"' not in html


def test_only_enterprises_in_scope_are_offered(users) -> None:
    keqiao, shangyu = users["keqiao"]["enterprise"], users["shangyu"]["enterprise"]
    offered = client_for(users["county"]).get(URL).context["form"].fields["enterprise"].queryset
    assert keqiao in offered and shangyu not in offered
    city = client_for(users["regulator"]).get(URL).context["form"].fields["enterprise"].queryset
    assert {keqiao, shangyu} <= set(city)


def test_a_manual_case_with_its_point_and_factor_is_opened_and_audited(users) -> None:
    site = users["keqiao"]
    response = post(
        users["county"],
        enterprise=site["enterprise"].pk,
        point=site["point"].pk,
        factor="a21026",
        title="夜间现场检查发现锅炉旁路烟道开启",
        severity="critical",
        description="检查时旁路阀门处于开启状态。",
    )
    case = SupervisionCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:case", args=[case.pk])
    assert (case.source_kind, case.severity, case.enterprise) == (
        SourceKind.MANUAL,
        "critical",
        site["enterprise"],
    )
    assert case.description.splitlines() == [
        "监控点：锅炉出口",
        "监测因子：二氧化硫（a21026）",
        "检查时旁路阀门处于开启状态。",
    ]
    assert case.deadline is not None  # the pending state's, from the rule table
    audit = AuditLog.objects.get(object_type="supervision.supervisioncase", action="create")
    assert (audit.actor, audit.via, audit.object_id) == (users["county"], "web", str(case.pk))
    opened = CaseEvent.objects.get(case=case)
    assert opened.action == "open" and opened.actor == users["county"]


def test_a_case_from_a_chosen_alarm_is_the_alarms_case(users, make_alarm) -> None:
    alarm = make_alarm(users["keqiao"])
    site = users["keqiao"]
    shown = client_for(users["county"]).get(URL, {"enterprise": site["enterprise"].pk})
    assert alarm in shown.context["form"].fields["alarm"].queryset
    response = post(
        users["county"],
        enterprise=site["enterprise"].pk,
        alarm=alarm.pk,
        severity="minor",
        description="请属地核查。",
    )
    case = SupervisionCase.objects.get(alarm=alarm)
    assert response.status_code == 302 and case.source_kind == SourceKind.ALARM
    assert case.severity == "major"  # the alarm's, not the form's
    assert CaseEvent.objects.get(case=case).comment == "请属地核查。"
    again = post(users["county"], enterprise=site["enterprise"].pk, alarm=alarm.pk)
    assert again.status_code == 422  # the alarm has its case: it is no choice any more
    assert errors(again)["alarm"] == ["该报警不属于所选排污单位、已立案或无权访问"]


def test_an_enterprise_outside_the_scope_is_refused(users) -> None:
    response = post(users["county"], enterprise=users["shangyu"]["enterprise"].pk, title="越权")
    assert response.status_code == 422
    assert errors(response)["enterprise"] == ["该排污单位不存在或不在您的辖区内"]
    assert not SupervisionCase.objects.exists()


@pytest.mark.parametrize("forged", ["abc", "-1", str(2**63), "1e3"])
def test_a_forged_enterprise_is_a_field_error_not_a_500(users, forged) -> None:
    response = post(users["county"], enterprise=forged, title="伪造")
    assert response.status_code == 422 and "enterprise" in errors(response)
    assert client_for(users["county"]).get(URL, {"enterprise": forged}).status_code == 200


def test_refusals_are_in_chinese(users, make_alarm) -> None:
    keqiao, shangyu = users["keqiao"], users["shangyu"]
    other_alarm = make_alarm(shangyu)
    response = post(users["regulator"], severity="major")
    assert errors(response)["enterprise"] == ["请选择排污单位"]
    response = post(users["regulator"], enterprise=keqiao["enterprise"].pk, severity="major")
    assert errors(response)["title"] == ["请填写标题，或选择一个报警（标题取自报警）"]
    response = post(
        users["regulator"],
        enterprise=keqiao["enterprise"].pk,
        title="标题",
        severity="major",
        point=shangyu["point"].pk,
        alarm=other_alarm.pk,
    )
    assert errors(response)["point"] == ["该监控点不属于所选排污单位"]
    assert errors(response)["alarm"] == ["该报警不属于所选排污单位、已立案或无权访问"]
    response = post(
        users["regulator"],
        enterprise=keqiao["enterprise"].pk,
        title="标题",
        severity="major",
        factor="w01018",
    )
    assert errors(response)["factor"] == ["所选排污单位的监控点不监测该因子"]
    response = post(
        users["regulator"],
        enterprise=keqiao["enterprise"].pk,
        title="标",
        severity="major",
        description="字" * (CASE_DESCRIPTION_MAX + 1),
    )
    assert errors(response)["description"] == [
        f"案件描述最多 {CASE_DESCRIPTION_MAX} 个字符（现为 {CASE_DESCRIPTION_MAX + 1}）"
    ]
    assert not SupervisionCase.objects.exists()


def test_a_chosen_alarm_and_another_point_do_not_go_together(users, make_alarm) -> None:
    site = users["keqiao"]
    alarm = make_alarm(site)
    from qingshan.registry.models import MonitoringPoint

    second = MonitoringPoint.objects.create(
        outlet=site["outlet"], name="二号出口", factors=["a21026"]
    )
    response = post(
        users["county"],
        enterprise=site["enterprise"].pk,
        alarm=alarm.pk,
        point=second.pk,
        severity="major",
    )
    assert errors(response)["point"] == ["与所选报警的监控点不一致"]


def test_the_form_names_the_pending_deadline(users) -> None:
    html = client_for(users["county"]).get(URL).content.decode()
    assert "立案后案件进入“待派发”，按规则表须在" in html


def test_the_form_in_english(users) -> None:
    client = client_for(users["county"])
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(URL).content.decode()
    assert "Choose an enterprise" in html and "Type a name or a region code" in html
    assert "请选择排污单位" not in html
    listing = client.get(reverse("supervision:case-list")).content.decode()
    assert "Open from an alarm" in listing and "Enterprise" in listing
