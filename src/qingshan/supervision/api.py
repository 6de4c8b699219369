"""Supervision case endpoints: thin adapters over selectors and services.

An action the caller's part in the case may not take answers 403; an action the case's
state does not allow, or one sent with a version older than the case's, answers 409 with
the case's current state and version.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qingshan.core.api import ErrorOut, api_user
from qingshan.core.models import User
from qingshan.core.pagination import Pagination
from qingshan.core.validators import DbId
from qingshan.registry.api import resolve
from qingshan.registry.selectors import enterprise_get
from qingshan.supervision import selectors, services
from qingshan.supervision.attachments import UploadRefused
from qingshan.supervision.choices import CaseAction, CaseRole, CaseState, Visibility
from qingshan.supervision.deadlines import DEADLINES
from qingshan.supervision.models import CaseAttachment, SupervisionCase
from qingshan.supervision.schemas import (
    ActionIn,
    AttachmentOut,
    CaseDetailOut,
    CaseIn,
    CaseOut,
    TimelineEntryOut,
    WorkflowOut,
)
from qingshan.supervision.workflow import STATE_DEADLINES, TRANSITIONS, USER_ACTIONS

router = Router(tags=["supervision"])


class CaseFilter(Schema):
    state: str = ""
    region_code: str = ""
    enterprise_id: DbId | None = None
    assignee_id: DbId | None = None
    overdue: bool | None = None
    q: str = ""


def conflict_body(exc: services.CaseConflict) -> dict[str, Any]:
    return {
        "error": {
            "code": "stale" if exc.stale else "state_conflict",
            "message": str(exc),
            "fields": {},
            "state": exc.state,
            "version": exc.version,
        }
    }


def _detail(request: HttpRequest, case: SupervisionCase) -> SupervisionCase:
    """The case with the actions the caller may take on it now."""
    case.allowed_actions = [  # type: ignore[attr-defined]
        {
            "action": t.action,
            "label": str(CaseAction(t.action).label),
            "target": t.target,
            "needs": sorted(t.needs),
        }
        for t in selectors.case_actions(user=request.user, case=case)
    ]
    return case


def attachment_out(attachment: CaseAttachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.original_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "visibility": attachment.visibility,
        "url": reverse("supervision:attachment", args=[attachment.pk]),
    }


@router.get("/cases", response=list[CaseOut])
@paginate(Pagination)
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> Any:
    return selectors.case_list(user=request.user, **filters.dict())


@router.post("/cases", response={201: CaseDetailOut})
def case_create(request: HttpRequest, payload: CaseIn) -> Status[SupervisionCase]:
    user = api_user(request)
    if payload.alarm_id is not None:
        alarm = resolve(selectors.alarm_get, request, payload.alarm_id, "alarm_id")
        case = services.case_open_from_alarm(user=user, alarm=alarm, comment=payload.comment)
    elif payload.enterprise_id is not None:
        if not payload.title.strip():
            raise ValidationError({"title": _("人工立案需要填写标题")})
        enterprise = resolve(enterprise_get, request, payload.enterprise_id, "enterprise_id")
        case = services.case_open_manual(
            user=user,
            enterprise=enterprise,
            title=payload.title,
            description=payload.description,
            severity=payload.severity,
        )
    else:
        raise ValidationError(
            {"alarm_id": _("需要 alarm_id（从报警立案）或 enterprise_id（人工立案）")}
        )
    return Status(201, _detail(request, selectors.case_get(user=user, pk=case.pk)))


@router.get("/cases/workflow", response=WorkflowOut)
def case_workflow(request: HttpRequest) -> dict[str, Any]:
    """The state machine: states (with the deadline rule in force nationally), actions,
    roles, and every (state, action) row with the roles that may take it."""
    from qingshan.core.rules import rule_value

    table = rule_value(DEADLINES, on=timezone.localdate(), default={})
    return {
        "states": [
            {
                "state": state.value,
                "label": str(state.label),
                "deadline": table.get(STATE_DEADLINES.get(state.value, ""), None),
                "terminal": state == CaseState.CLOSED,
            }
            for state in CaseState
        ],
        "actions": [{"action": a, "label": str(CaseAction(a).label)} for a in USER_ACTIONS],
        "roles": [{"role": r.value, "label": str(r.label)} for r in CaseRole],
        "transitions": [
            {
                "state": t.state,
                "action": t.action,
                "target": t.target,
                "roles": sorted(t.roles),
                "needs": sorted(t.needs),
                "resolution": t.resolution,
            }
            for t in TRANSITIONS
        ],
    }


@router.get("/cases/{int:pk}", response=CaseDetailOut)
def case_get(request: HttpRequest, pk: int) -> SupervisionCase:
    return _detail(request, selectors.case_get(user=request.user, pk=pk))


@router.post("/cases/{int:pk}/actions", response={200: CaseDetailOut, 409: dict[str, Any]})
def case_action(request: HttpRequest, pk: int, payload: ActionIn) -> Status[Any]:
    user = api_user(request)
    case = selectors.case_get(user=user, pk=pk)
    assignee = None
    if payload.assignee_id is not None:
        assignee = User.objects.filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise ValidationError(
                {"assignee_id": _("编号 %(id)s 的用户不存在") % {"id": payload.assignee_id}}
            )
    try:
        services.case_act(
            user=user,
            case=case,
            action=payload.action,
            version=payload.version,
            comment=payload.comment,
            assignee=assignee,
            team_region_code=payload.team_region_code,
            deadline=payload.deadline,
            attachment_ids=payload.attachments,
            location=payload.location.dict() if payload.location else None,
            penalty=payload.penalty.dict() if payload.penalty else None,
            visibility=payload.visibility,
        )
    except services.CaseConflict as exc:
        return Status(409, conflict_body(exc))
    return Status(200, _detail(request, selectors.case_get(user=user, pk=pk)))


@router.get("/cases/{int:pk}/timeline", response=list[TimelineEntryOut])
def case_timeline(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    case = selectors.case_get(user=request.user, pk=pk)
    return [
        {
            "id": e.pk,
            "at": e.at,
            "actor_id": e.actor_id,
            "actor_name": e.actor_name,
            "actor_role": e.actor_role,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "comment": e.comment,
            "visibility": e.visibility,
            "deadline": e.deadline,
            "data": e.data,
            "attachments": [attachment_out(a) for a in e.shown_attachments],  # type: ignore[attr-defined]
        }
        for e in selectors.case_timeline(user=request.user, case=case)
    ]


@router.post(
    "/cases/{int:pk}/attachments",
    response={201: AttachmentOut, 413: ErrorOut, 429: ErrorOut},
)
def attachment_upload(
    request: HttpRequest,
    pk: int,
    file: File[UploadedFile],
    visibility: Form[Visibility | None] = None,
) -> Any:
    """Upload one file (photo, PDF, Word, Excel); send its id with the action it belongs to.

    ``visibility``: bureau (staff's default) or shared with the enterprise. Over the
    user's or the case's quota: 413; faster than the rule allows: 429 with Retry-After
    (rule ``supervision.upload_limits``). A file no action takes is removed after a day.
    """
    case = selectors.case_get(user=request.user, pk=pk)
    try:
        attachment = services.attachment_upload(
            user=api_user(request), case=case, upload=file, visibility=visibility
        )
    except UploadRefused as exc:
        return upload_refused(exc)
    return Status(201, attachment_out(attachment))


def upload_refused(exc: UploadRefused) -> JsonResponse:
    body = {"error": {"code": exc.code, "message": exc.message_text, "fields": exc.message_dict}}
    response = JsonResponse(body, status=exc.status)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response
