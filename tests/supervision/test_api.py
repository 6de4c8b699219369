"""The case API as a client sees it: scoping, opening cases, the workflow description,
the timeline, attachments, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from qingshan.supervision.models import CaseAttachment
from tests.conftest import client_for
from tests.supervision.conftest import PNG, body, post_json, upload

# role → (sees the 柯桥 case, sees the 上虞 case)
SCOPE = {
    "admin": (True, True),
    "regulator": (True, True),
    "county": (True, False),
    "other_county": (False, True),
    "inspector": (True, True),
    "enterprise": (True, False),
    "other_enterprise": (False, True),
}


@pytest.mark.parametrize("role", SCOPE)
def test_list_and_detail_are_scoped(open_case, users, role) -> None:
    keqiao, shangyu = open_case("keqiao"), open_case("shangyu")
    client = client_for(users[role])
    listed = {c["id"] for c in body(client.get("/api/v1/cases"))["items"]}
    sees_keqiao, sees_shangyu = SCOPE[role]
    assert (keqiao.pk in listed, shangyu.pk in listed) == (sees_keqiao, sees_shangyu)
    for case, visible in ((keqiao, sees_keqiao), (shangyu, sees_shangyu)):
        assert client.get(f"/api/v1/cases/{case.pk}").status_code == (200 if visible else 404)
        assert client.get(f"/api/v1/cases/{case.pk}/timeline").status_code == (
            200 if visible else 404
        )
        answer = post_json(
            client, f"/api/v1/cases/{case.pk}/actions", {"action": "comment", "version": 1}
        )
        if not visible:
            assert answer.status_code == 404


def test_anonymous_gets_401(open_case) -> None:
    case = open_case()
    client = client_for(None)
    for path in ("/api/v1/cases", f"/api/v1/cases/{case.pk}", "/api/v1/cases/workflow"):
        assert client.get(path).status_code == 401


def test_filters(open_case, users, make_site) -> None:
    a, b = open_case("keqiao"), open_case("shangyu")
    client = client_for(users["regulator"])
    post_json(client, f"/api/v1/cases/{a.pk}/actions", {"action": "dispatch", "version": 1})

    def ids(query: str) -> set[int]:
        return {c["id"] for c in body(client.get(f"/api/v1/cases?{query}"))["items"]}

    assert ids("state=dispatched") == {a.pk}
    assert ids("state=pending&region_code=330604") == {b.pk}
    assert ids("region_code=330603") == {a.pk}
    assert ids(f"enterprise_id={b.enterprise_id}") == {b.pk}
    assert ids("state=open") == {a.pk, b.pk}
    assert ids("overdue=true") == set()


def test_detail_lists_only_the_callers_actions(open_case, users) -> None:
    case = open_case()
    city = body(client_for(users["regulator"]).get(f"/api/v1/cases/{case.pk}"))
    assert [a["action"] for a in city["allowed_actions"]] == [
        "dispatch",
        "close_false_alarm",
        "comment",
    ]
    firm = body(client_for(users["enterprise"]).get(f"/api/v1/cases/{case.pk}"))
    assert firm["allowed_actions"] == [] and firm["version"] == 1 and firm["state"] == "pending"


def test_workflow_describes_the_table(users) -> None:
    out = body(client_for(users["inspector"]).get("/api/v1/cases/workflow"))
    assert next(s["state"] for s in out["states"]) == "pending"
    assert {s["state"]: s["deadline"] for s in out["states"]}["rectifying"] == {"working_days": 10}

    # what a client builds its buttons from: the actions out of a state, for a part
    def actions(state: str, role: str) -> list[str]:
        return [
            t["action"] for t in out["transitions"] if t["state"] == state and role in t["roles"]
        ]

    assert actions("pending", "supervisor") == ["dispatch", "close_false_alarm", "comment"]
    assert actions("pending", "county") == ["comment"]
    assert actions("dispatched", "inspector") == ["accept", "return_dispatch", "comment"]
    assert actions("verifying", "county") == [
        "verify",
        "reject_rectification",
        "penalise",
        "comment",
    ]
    assert [
        (t["state"], t["action"]) for t in out["transitions"] if "enterprise" in t["roles"]
    ] == [("rectifying", "submit_rectification")]
    assert not any(t["state"] == "closed" for t in out["transitions"])
    penalise = next(
        t for t in out["transitions"] if t["state"] == "verifying" and t["action"] == "penalise"
    )
    assert (penalise["target"], penalise["resolution"], penalise["needs"]) == (
        "closed",
        "penalised",
        ["penalty"],
    )
    row = next(t for t in out["transitions"] if t["action"] == "submit_rectification")
    assert row["roles"] == ["enterprise"] and row["needs"] == ["attachments", "comment"]
    assert {r["role"] for r in out["roles"]} == {"supervisor", "county", "inspector", "enterprise"}


def test_open_case_from_alarm_and_by_hand(make_alarm, users) -> None:
    alarm = make_alarm(users["keqiao"])
    county = client_for(users["county"])
    created = post_json(county, "/api/v1/cases", {"alarm_id": alarm.pk, "comment": "请处理"})
    assert created.status_code == 201, created.content
    assert body(created)["alarm_id"] == alarm.pk and body(created)["source_kind"] == "alarm"
    again = post_json(county, "/api/v1/cases", {"alarm_id": alarm.pk})
    assert again.status_code == 422 and "alarm_id" in body(again)["error"]["fields"]
    # an alarm in another county does not exist for this regulator
    other = make_alarm(users["shangyu"])
    assert body(post_json(county, "/api/v1/cases", {"alarm_id": other.pk}))["error"]["fields"] == {
        "alarm_id": [f"编号 {other.pk} 不存在或无权访问"]
    }
    # an inspector may not open cases
    assert (
        post_json(
            client_for(users["inspector"]), "/api/v1/cases", {"alarm_id": other.pk}
        ).status_code
        == 403
    )
    manual = post_json(
        county,
        "/api/v1/cases",
        {"enterprise_id": users["keqiao"]["enterprise"].pk, "title": "群众反映夜间异味"},
    )
    assert manual.status_code == 201 and body(manual)["source_kind"] == "manual"
    assert post_json(county, "/api/v1/cases", {}).status_code == 422


def test_bad_action_input_is_answered_clearly(open_case, users) -> None:
    case = open_case()
    client = client_for(users["regulator"])
    url = f"/api/v1/cases/{case.pk}/actions"
    unknown = post_json(client, url, {"action": "teleport", "version": 1})
    assert unknown.status_code == 422 and "action" in body(unknown)["error"]["fields"]
    no_version = post_json(client, url, {"action": "dispatch"})
    assert no_version.status_code == 422 and "version" in body(no_version)["error"]["fields"]
    stale = post_json(client, url, {"action": "dispatch", "version": 7})
    assert stale.status_code == 409
    assert body(stale)["error"] | {"message": ""} == {
        "code": "stale",
        "message": "",
        "fields": {},
        "state": "pending",
        "version": 1,
    }
    past = post_json(
        client, url, {"action": "dispatch", "version": 1, "deadline": "2020-01-01T00:00:00+08:00"}
    )
    assert past.status_code == 422 and "deadline" in body(past)["error"]["fields"]
    wrong_assignee = post_json(
        client, url, {"action": "dispatch", "version": 1, "assignee_id": users["enterprise"].pk}
    )
    assert body(wrong_assignee)["error"]["fields"] == {
        "assignee_id": ["承办人应为辖区内的执法人员"]
    }


def test_timeline_and_attachments(open_case, users) -> None:
    case = open_case()
    city, inspector, firm = (client_for(users[r]) for r in ("regulator", "inspector", "enterprise"))
    post_json(
        city,
        f"/api/v1/cases/{case.pk}/actions",
        {"action": "dispatch", "version": 1, "assignee_id": users["inspector"].pk},
    )
    post_json(inspector, f"/api/v1/cases/{case.pk}/actions", {"action": "accept", "version": 2})
    photo = body(upload(inspector, case))
    assert photo["content_type"] == "image/png" and photo["size"] == len(PNG)
    stored = CaseAttachment.objects.get(pk=photo["id"])
    media = Path(settings.MEDIA_ROOT).resolve()
    assert Path(stored.file.path).resolve().is_relative_to(media)
    assert "photo" not in stored.file.name  # stored under a random name
    # before its action, the upload is the uploader's alone
    assert firm.get(photo["url"]).status_code == 404
    assert city.get(photo["url"]).status_code == 404
    done = post_json(
        inspector,
        f"/api/v1/cases/{case.pk}/actions",
        {
            "action": "record_findings",
            "version": 3,
            "comment": "现场检查：脱硫塔循环泵故障",
            "attachments": [photo["id"]],
            "location": {"lat": 30.0812, "lng": 120.4921},
        },
    )
    assert done.status_code == 200, done.content
    timeline = body(city.get(f"/api/v1/cases/{case.pk}/timeline"))
    assert [e["action"] for e in timeline] == ["open", "dispatch", "accept", "record_findings"]
    findings = timeline[-1]
    assert findings["attachments"][0]["id"] == photo["id"]
    assert findings["data"]["location"] == {"lat": 30.0812, "lng": 120.4921}
    assert findings["actor_id"] == users["inspector"].pk and findings["actor_role"] == "inspector"
    # now the bureau's users who see the case may open it, and no one else: the
    # inspector did not share it with the enterprise (tests/supervision/test_visibility.py)
    for role, status in [
        ("regulator", 200),
        ("enterprise", 404),
        ("county", 200),
        ("other_county", 404),
        ("other_enterprise", 404),
    ]:
        response = client_for(users[role]).get(photo["url"])
        assert response.status_code == status, role
        if status == 200:
            assert b"".join(response.streaming_content) == PNG
            assert response["Content-Type"] == "image/png"
            assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(None).get(photo["url"]).status_code == 302  # to the login page
    # a used attachment cannot be attached again
    reuse = post_json(
        inspector,
        f"/api/v1/cases/{case.pk}/actions",
        {"action": "comment", "version": 4, "comment": "再附一次", "attachments": [photo["id"]]},
    )
    assert reuse.status_code == 422


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("photo.png", b"GIF89a....", "文件内容与扩展名"),
        ("empty.pdf", b"", "文件为空"),
        ("big.pdf", b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "文件过大"),
    ],
)
def test_uploads_are_checked(open_case, users, name, data, message) -> None:
    case = open_case()
    response = upload(client_for(users["regulator"]), case, name=name, data=data)
    assert response.status_code == 422
    assert message in body(response)["error"]["fields"]["file"][0]
    assert not CaseAttachment.objects.exists()


def test_pdf_and_office_uploads_are_accepted(open_case, users) -> None:
    case = open_case()
    client = client_for(users["regulator"])
    assert upload(client, case, "整改报告.pdf", b"%PDF-1.7\n%...").status_code == 201
    docx = upload(client, case, "方案.docx", b"PK\x03\x04rest-of-zip")
    assert body(docx)["content_type"].endswith("wordprocessingml.document")
