"""Control characters (NUL, BEL, ESC…) are refused in every text of every write path:
the API (body, query, form fields), the pages' forms, the admin, the Excel import rows,
and any save; tab and line breaks are text. Case descriptions have a size limit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qingshan.core.models import AuditLog, Region, User
from qingshan.registry.models import Enterprise
from qingshan.supervision.models import CASE_DESCRIPTION_MAX, SupervisionCase
from tests.conftest import KEQIAO, client_for, credit_code_for
from tests.supervision import conftest as supervision_fixtures
from tests.supervision.conftest import body, post_json

pytestmark = pytest.mark.django_db

# the supervision tests' fixtures, used here by name
make_alarm = supervision_fixtures.make_alarm
media_root = supervision_fixtures.media_root
open_case = supervision_fixtures.open_case

CONTROLS = ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\ud800"]


def enterprise_body(name: str) -> dict[str, Any]:
    return {
        "credit_code": credit_code_for(KEQIAO, 99_001),
        "name": name,
        "region_code": KEQIAO,
        "industry_code": "1713",
    }


@pytest.mark.parametrize("char", CONTROLS)
def test_the_api_refuses_a_control_character_in_a_body(users: dict[str, Any], char: str) -> None:
    client = client_for(users["admin"])
    audits = AuditLog.objects.count()
    response = client.post(
        "/api/v1/enterprises", json.dumps(enterprise_body(f"印染{char}公司")), "application/json"
    )
    assert response.status_code == 422
    assert list(body(response)["error"]["fields"]) == ["name"]
    if char != "\ud800":  # a lone surrogate is not even a string to the schema
        assert "控制字符" in body(response)["error"]["fields"]["name"][0]
    assert AuditLog.objects.count() == audits
    assert not Enterprise.objects.filter(credit_code=enterprise_body("")["credit_code"]).exists()


def test_the_api_refuses_one_in_a_nested_value(open_case: Any, users: dict[str, Any]) -> None:
    case = open_case()
    response = post_json(
        client_for(users["regulator"]),
        f"/api/v1/cases/{case.pk}/actions",
        {
            "action": "comment",
            "version": 1,
            "comment": "ok",
            "penalty": {"decision_number": "1", "legal_basis": "\x1b", "amount": "1"},
        },
    )
    assert response.status_code == 422
    assert "penalty.legal_basis" in body(response)["error"]["fields"]


@pytest.mark.parametrize("path", ["/api/v1/enterprises", "/api/v1/cases", "/api/v1/alarms"])
def test_the_api_refuses_one_in_a_query(users: dict[str, Any], path: str) -> None:
    """On PostgreSQL a NUL in a filter used to fail in the database (500)."""
    response = client_for(users["admin"]).get(path, {"q": "a\x00b", "region_code": "33\x00"})
    assert response.status_code == 422
    assert set(body(response)["error"]["fields"]) == {"q", "region_code"}


def test_the_api_refuses_one_in_a_multipart_field(users: dict[str, Any], make_alarm) -> None:
    alarm = make_alarm(users["keqiao"])
    client = client_for(users["enterprise"])
    response = client.post(f"/api/v1/alarms/{alarm.pk}/explanation", {"text": "停产\x07检修"})
    assert response.status_code == 422
    assert "text" in body(response)["error"]["fields"]


def test_tabs_and_line_breaks_are_text(users: dict[str, Any]) -> None:
    enterprise = users["keqiao"]["enterprise"]
    response = client_for(users["admin"]).patch(
        f"/api/v1/enterprises/{enterprise.pk}",
        json.dumps({"address": "柯桥区\t华舍街道\r\n1 号"}),
        "application/json",
    )
    assert response.status_code == 200
    enterprise.refresh_from_db()
    assert enterprise.address == "柯桥区\t华舍街道\r\n1 号"


def test_the_pages_forms_refuse_one(users: dict[str, Any]) -> None:
    form = enterprise_body("印染\x1b公司") | {"is_key_discharger": "on"}
    response = client_for(users["admin"]).post(reverse("enterprise-create"), form)
    assert response.status_code == 200
    assert "控制字符" in response.context["form"].errors["name"][0]
    assert not Enterprise.objects.filter(credit_code=form["credit_code"]).exists()


def test_a_plain_form_refuses_one(open_case: Any, users: dict[str, Any]) -> None:
    """The case page's action form is not a model form: the text reaches a service."""
    case = open_case()
    events = case.events.count()
    response = client_for(users["regulator"]).post(
        reverse("supervision:case-act", args=[case.pk]),
        {
            "action": "comment",
            "comment-action": "comment",
            "comment-version": case.version,
            "comment-comment": "见\x07附件",
        },
    )
    assert response.status_code == 422  # the page again, with the form's message
    assert "控制字符" in response.content.decode()
    assert case.events.count() == events


def test_the_admin_refuses_one(users: dict[str, Any]) -> None:
    root = User.objects.create_superuser("root", password="pw-for-tests", role="admin")
    client = client_for(root)
    response = client.post(
        reverse("admin:core_region_add"),
        {"code": "330699", "name": "测试\x07区", "name_en": "", "level": "county"},
    )
    assert response.status_code == 200
    assert "控制字符" in str(response.context["adminform"].form.errors["name"])
    assert not Region.objects.filter(code="330699").exists()


def test_an_import_row_with_one_is_refused_with_the_column(users: dict[str, Any]) -> None:
    from qingshan.exchange.known import Known
    from qingshan.exchange.upsert import RowContext, enterprise_row

    values = enterprise_body("导入\x07公司") | {"is_key_discharger": False}
    with pytest.raises(ValidationError) as refused:
        enterprise_row(RowContext(user=users["admin"], known=Known()), values)
    assert "name" in refused.value.message_dict
    assert not Enterprise.objects.filter(credit_code=values["credit_code"]).exists()


def test_a_save_that_skips_validation_is_refused_too(users: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as refused:
        Enterprise.objects.create(**enterprise_body("印染\x00公司"))
    assert "name" in refused.value.message_dict


def test_machine_evidence_is_kept_as_it_arrived(users: dict[str, Any]) -> None:
    """A dead letter records what a logger sent, control characters included (not NUL:
    PostgreSQL stores no NUL in text at all)."""
    from qingshan.monitoring.models import DeadLetter

    letter = DeadLetter.objects.create(consumer="test", reason="bad", detail="\x07\x1b")
    assert DeadLetter.objects.get(pk=letter.pk).detail == "\x07\x1b"


# --- the size of a case description ----------------------------------------------------


def test_a_case_description_past_the_limit_is_refused(users: dict[str, Any]) -> None:
    payload = {
        "enterprise_id": users["keqiao"]["enterprise"].pk,
        "title": "人工立案",
        "description": "很" * (CASE_DESCRIPTION_MAX + 1),
    }
    cases = SupervisionCase.objects.count()
    response = post_json(client_for(users["regulator"]), "/api/v1/cases", payload)
    assert response.status_code == 422
    assert "description" in body(response)["error"]["fields"]
    assert SupervisionCase.objects.count() == cases
    payload["description"] = "很" * CASE_DESCRIPTION_MAX
    assert post_json(client_for(users["regulator"]), "/api/v1/cases", payload).status_code == 201


def test_the_model_refuses_a_description_past_the_limit(open_case: Any) -> None:
    case = open_case()
    case.description = "x" * (CASE_DESCRIPTION_MAX + 1)
    with pytest.raises(ValidationError) as refused:
        case.full_clean()
    assert "description" in refused.value.message_dict
