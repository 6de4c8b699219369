"""Bureau-only notes and files stay with the bureau (issue 16, item 5).

Every note and attachment of a case is bureau only or shared with the enterprise, chosen
by its author: staff default to bureau only, what the enterprise writes is shared. The
enterprise never reads a bureau-only note or file — not on the case page, in the API,
the timeline, the order PDF, nor in its inbox and e-mail — and sees staff as the bureau.
"""

from __future__ import annotations

import importlib
import json
import re
import zlib
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from qingshan.supervision import selectors, services
from qingshan.supervision.models import CaseAttachment, CaseEvent, Notification, SupervisionCase
from tests.conftest import client_for
from tests.helpers import skip_or_fail
from tests.supervision.conftest import body, png_upload, post_json

# rare characters, so that a PDF's font subset holds them only if the text is printed
SECRET = "举报人鳄鱼先生称夜间偷排"
REMARK = "内部备注：鹦鹉线索待核"
DISPATCH_NOTE = "派发说明：蟋蟀"
SHARED = "责令十日内恢复麒麟泵运行"


def act(case: SupervisionCase, user: Any, action: str, **kwargs: Any) -> SupervisionCase:
    case.refresh_from_db()
    return services.case_act(user=user, case=case, action=action, version=case.version, **kwargs)


@pytest.fixture
def ordered(open_case, users) -> dict[str, Any]:
    """A case ordered to rectify, with a bureau-only finding, photo and remark, and a
    shared order with a shared photo."""
    inspector = users["inspector"]
    case = open_case()
    act(case, users["regulator"], "dispatch", assignee=inspector, comment=DISPATCH_NOTE)
    act(case, inspector, "accept")
    secret = services.attachment_upload(user=inspector, case=case, upload=png_upload("现场.png"))
    act(case, inspector, "record_findings", comment=SECRET, attachment_ids=[secret.pk])
    act(case, inspector, "comment", comment=REMARK)
    shared = services.attachment_upload(
        user=inspector, case=case, upload=png_upload("整改要求.png"), visibility="shared"
    )
    act(
        case,
        inspector,
        "order_rectification",
        comment=SHARED,
        attachment_ids=[shared.pk],
        visibility="shared",
        location={"lat": 30.08, "lng": 120.49},
    )
    case.refresh_from_db()
    return {"case": case, "secret": secret, "shared": shared}


def _visibility(case: SupervisionCase) -> dict[str, str]:
    return dict(case.events.values_list("action", "visibility"))


def test_staff_default_to_bureau_only_and_the_enterprise_shares(ordered, users) -> None:
    case = ordered["case"]
    assert _visibility(case) | {} == {
        "open": "bureau",
        "dispatch": "bureau",
        "accept": "bureau",
        "record_findings": "bureau",
        "comment": "bureau",
        "order_rectification": "shared",
    }
    assert ordered["secret"].visibility == "bureau" and ordered["shared"].visibility == "shared"
    firm = users["enterprise"]
    evidence = services.attachment_upload(user=firm, case=case, upload=png_upload())
    assert evidence.visibility == "shared"  # the enterprise's own file is shared by nature
    with pytest.raises(ValidationError) as refused:
        act(case, firm, "submit_rectification", comment="已整改", visibility="bureau")
    assert "visibility" in refused.value.message_dict
    act(case, firm, "submit_rectification", comment="已整改", attachment_ids=[evidence.pk])
    assert _visibility(case)["submit_rectification"] == "shared"


def _page(user: Any, case: SupervisionCase) -> str:
    response = client_for(user).get(reverse("supervision:case", args=[case.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def test_enterprise_case_page_leaves_out_bureau_notes_and_files(ordered, users) -> None:
    case, secret, shared = ordered["case"], ordered["secret"], ordered["shared"]
    secret_url = reverse("supervision:attachment", args=[secret.pk])
    shared_url = reverse("supervision:attachment", args=[shared.pk])
    page = _page(users["enterprise"], case)
    assert SHARED in page and shared_url in page
    for hidden in (SECRET, REMARK, DISPATCH_NOTE, secret_url, users["inspector"].username):
        assert hidden not in page, hidden
    assert "生态环境局" in page  # who acted, as the enterprise reads it
    assert 'data-qs-entry="comment"' not in page  # an internal remark is nothing but its note
    staff = _page(users["county"], case)
    for shown in (SECRET, REMARK, DISPATCH_NOTE, SHARED, secret_url, shared_url):
        assert shown in staff, shown


def test_enterprise_api_timeline_leaves_out_bureau_notes_and_files(ordered, users) -> None:
    case, secret, shared = ordered["case"], ordered["secret"], ordered["shared"]
    url = f"/api/v1/cases/{case.pk}/timeline"
    response = client_for(users["enterprise"]).get(url)
    text = response.content.decode()
    for hidden in (SECRET, REMARK, DISPATCH_NOTE, users["inspector"].username):
        assert hidden not in text, hidden
    entries = {e["action"]: e for e in json.loads(text)}
    assert "comment" not in entries
    order, findings = entries["order_rectification"], entries["record_findings"]
    assert order["comment"] == SHARED and order["visibility"] == "shared"
    assert [a["id"] for a in order["attachments"]] == [shared.pk]
    assert order["data"] == {"location": {"lat": 30.08, "lng": 120.49}}
    assert findings["comment"] == "" and findings["attachments"] == []
    assert findings["actor_name"] == "生态环境局" and findings["actor_id"] is None
    assert "assignee_id" not in entries["dispatch"]["data"]
    staff = {e["action"]: e for e in body(client_for(users["county"]).get(url))}
    assert staff["record_findings"]["comment"] == SECRET
    assert staff["record_findings"]["visibility"] == "bureau"
    assert [a["id"] for a in staff["record_findings"]["attachments"]] == [secret.pk]
    assert staff["record_findings"]["actor_id"] == users["inspector"].pk


def test_enterprise_cannot_open_a_bureau_only_file(ordered, users) -> None:
    firm = client_for(users["enterprise"])
    secret = reverse("supervision:attachment", args=[ordered["secret"].pk])
    shared = reverse("supervision:attachment", args=[ordered["shared"].pk])
    assert firm.get(secret).status_code == 404
    assert firm.get(shared).status_code == 200
    assert client_for(users["county"]).get(secret).status_code == 200


def _pdf_text_codes(data: bytes) -> str:
    found = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            found.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            found.append(stream.decode("latin-1"))
    return "".join(found).upper()


def test_order_pdf_carries_only_shared_notes(ordered, users) -> None:
    case = ordered["case"]
    # the inputs of the PDF builder: the same, whoever prints the order that is served
    for who in ("enterprise", "county"):
        notes = selectors.order_notes(user=users[who], case=case)
        assert [n.comment for n in notes] == [SHARED], who
        assert {n.actor_name for n in notes} == {"生态环境局"}
    response = client_for(users["enterprise"]).get(
        reverse("supervision:case-order", args=[case.pk])
    )
    if response.status_code == 503:  # no CJK font on this machine: the inputs are checked
        skip_or_fail("no CJK font (make setup vendors Noto Sans SC)")
        return
    assert response.status_code == 200
    codes = _pdf_text_codes(response.content)
    assert f"<{ord('麒'):04X}>" in codes  # the shared order is printed
    for char in "鳄鹦蟋":
        assert f"<{ord(char):04X}>" not in codes, char


def test_inbox_and_email_quote_only_shared_reasons(
    ordered, users, settings, django_capture_on_commit_callbacks
) -> None:
    settings.QINGSHAN_NOTIFY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    firm = users["enterprise"]
    firm.email = "firm@example.com"
    firm.save()
    case = ordered["case"]

    def submit() -> None:
        evidence = services.attachment_upload(user=firm, case=case, upload=png_upload())
        act(case, firm, "submit_rectification", comment="已整改", attachment_ids=[evidence.pk])

    with django_capture_on_commit_callbacks(execute=True):
        submit()
        act(
            case,
            users["county"],
            "reject_rectification",
            comment="举报人鳄鱼先生复核不认可",
            visibility="bureau",  # the author keeps this one back
        )
        submit()
        act(
            case,
            users["county"],
            "reject_rectification",
            comment="麒麟泵仍未运行",  # shared by default: addressed to the enterprise
        )
    texts = list(
        Notification.objects.filter(user=firm, kind="rejected")
        .order_by("id")
        .values_list("text", flat=True)
    )
    assert len(texts) == 2
    assert "鳄鱼" not in texts[0] and "麒麟泵仍未运行" in texts[1]
    sent = [m.body for m in mail.outbox if m.to == ["firm@example.com"]]
    assert sent and not any("鳄鱼" in b for b in sent)


def test_action_forms_offer_the_choice_with_bureau_only_first(ordered, users) -> None:
    case = ordered["case"]
    staff = _page(users["county"], case)
    select = re.search(r'<select name="penalise-visibility".*?</select>', staff, re.S)
    assert select is not None
    assert re.search(r'<option value="bureau" selected>', select.group(0))
    firm = _page(users["enterprise"], case)
    assert "submit_rectification-comment" in firm and "-visibility" not in firm
    # a staff author shares a note through the page
    response = client_for(users["county"]).post(
        reverse("supervision:case-act", args=[case.pk]),
        {
            "action": "comment",
            "comment-action": "comment",
            "comment-version": case.version,
            "comment-comment": "请企业同步上传台账",
            "comment-visibility": "shared",
        },
    )
    assert response.status_code == 302
    assert case.events.order_by("-id").first().visibility == "shared"  # type: ignore[union-attr]


def test_api_takes_the_choice_and_refuses_a_bad_one(ordered, users) -> None:
    case = ordered["case"]
    county = client_for(users["county"])
    url = f"/api/v1/cases/{case.pk}/actions"
    shared = post_json(
        county,
        url,
        {"action": "comment", "version": case.version, "comment": "x", "visibility": "shared"},
    )
    assert shared.status_code == 200, shared.content
    assert case.events.order_by("-id").first().visibility == "shared"  # type: ignore[union-attr]
    bad = post_json(
        county, url, {"action": "comment", "version": case.version + 1, "comment": "x",
                      "visibility": "public"}
    )  # fmt: skip
    assert bad.status_code == 422
    uploaded = county.post(
        f"/api/v1/cases/{case.pk}/attachments",
        {"file": png_upload(), "visibility": "shared"},
    )
    assert uploaded.status_code == 201 and body(uploaded)["visibility"] == "shared"
    default = county.post(f"/api/v1/cases/{case.pk}/attachments", {"file": png_upload()})
    assert body(default)["visibility"] == "bureau"


def test_migration_makes_existing_staff_rows_bureau_only_but_orders(ordered, users) -> None:
    migration = importlib.import_module("qingshan.supervision.migrations.0003_case_visibility")
    case = ordered["case"]
    firm = users["enterprise"]
    evidence = services.attachment_upload(user=firm, case=case, upload=png_upload())
    act(case, firm, "submit_rectification", comment="已整改", attachment_ids=[evidence.pk])
    # rows as they were before the field: everything read by everyone
    CaseEvent.objects.update(visibility="shared")
    CaseAttachment.objects.update(visibility="shared")
    migration.sort_existing(apps, None)
    assert _visibility(case) == {
        "open": "bureau",
        "dispatch": "bureau",
        "accept": "bureau",
        "record_findings": "bureau",
        "comment": "bureau",
        "order_rectification": "shared",  # the order is addressed to the enterprise
        "submit_rectification": "shared",
    }
    kept = dict(CaseAttachment.objects.values_list("pk", "visibility"))
    assert kept == {ordered["secret"].pk: "bureau", ordered["shared"].pk: "shared",
                    evidence.pk: "shared"}  # fmt: skip


def test_an_order_and_a_rejection_reach_the_enterprise_unless_kept_back(open_case, users) -> None:
    """The words addressed to the enterprise are shared by default; the author may still
    keep one back, and the order form offers "shared" first."""
    inspector, firm = users["inspector"], users["enterprise"]
    case = open_case()
    act(case, users["regulator"], "dispatch", assignee=inspector)
    act(case, inspector, "accept")
    act(case, inspector, "record_findings", comment="现场检查记录")
    page = _page(users["county"], case)
    select = re.search(r'<select name="order_rectification-visibility".*?</select>', page, re.S)
    assert select is not None and '<option value="shared" selected>' in select.group(0)
    act(case, inspector, "order_rectification", comment="限期更换滤袋", deadline=None)
    evidence = services.attachment_upload(user=firm, case=case, upload=png_upload())
    act(case, firm, "submit_rectification", comment="已更换", attachment_ids=[evidence.pk])
    act(case, users["county"], "reject_rectification", comment="滤袋型号不符")
    assert _visibility(case)["order_rectification"] == "shared"
    assert _visibility(case)["reject_rectification"] == "shared"
    seen = _page(firm, case)
    assert "限期更换滤袋" in seen and "滤袋型号不符" in seen and "现场检查记录" not in seen
