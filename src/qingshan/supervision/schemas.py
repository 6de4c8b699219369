"""API shapes of supervision cases."""

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from qingshan.core.validators import DbId, DbInt, Moment
from qingshan.supervision.choices import (
    CaseAction,
    CaseSeverity,
    CaseState,
    Resolution,
    SourceKind,
    Visibility,
)
from qingshan.supervision.models import CASE_DESCRIPTION_MAX

COMMENT_MAX = 4000  # as the case page's form


class CaseIn(Schema):
    """Open a case: from an alarm (``alarm_id``), or by hand for an enterprise."""

    alarm_id: int | None = None
    enterprise_id: int | None = None
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=CASE_DESCRIPTION_MAX)
    severity: CaseSeverity = CaseSeverity.MAJOR
    comment: str = Field("", max_length=COMMENT_MAX)


class LocationIn(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)
    accuracy: float | None = Field(None, ge=0)


class PenaltyIn(Schema):
    decision_number: str = Field(..., min_length=1, max_length=64)
    legal_basis: str = Field(..., min_length=1, max_length=300)
    amount: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)


class ActionIn(Schema):
    action: str = Field(..., description="见 GET /cases/workflow 的 actions")
    version: DbInt = Field(..., description="读取案件时得到的 version；案件已变化时返回 409")
    comment: str = Field("", max_length=COMMENT_MAX)
    assignee_id: DbId | None = None
    team_region_code: str = ""
    deadline: Moment | None = None
    attachments: list[DbId] = Field(default_factory=list, description="先上传得到的附件编号")
    location: LocationIn | None = None
    penalty: PenaltyIn | None = None
    visibility: Visibility | None = Field(
        None,
        description="意见与所带内容的可见范围：bureau 仅局内（监管人员的默认）、shared 与企业共享；"
        "企业提交的总是 shared",
    )


class AllowedActionOut(Schema):
    action: str
    label: str
    target: str
    needs: list[str]


class PenaltyOut(Schema):
    decision_number: str
    legal_basis: str
    amount: Decimal


class CaseOut(Schema):
    id: int
    number: str
    version: int
    source_kind: SourceKind
    alarm_id: int | None
    enterprise_id: int
    enterprise_name: str
    region_code: str
    title: str
    description: str
    severity: CaseSeverity
    state: CaseState
    resolution: Resolution | None
    team_region_code: str
    assignee_id: int | None
    state_entered_at: dt.datetime
    deadline: dt.datetime | None
    overdue: bool
    overdue_since: dt.datetime | None
    escalation_level: int
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_enterprise_name(obj: Any) -> str:
        return str(obj.enterprise.name)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return obj.overdue_since is not None

    @staticmethod
    def resolve_resolution(obj: Any) -> str | None:
        return obj.resolution or None


class CaseDetailOut(CaseOut):
    allowed_actions: list[AllowedActionOut]
    penalty: PenaltyOut | None

    @staticmethod
    def resolve_allowed_actions(obj: Any) -> list[dict[str, Any]]:
        return list(getattr(obj, "allowed_actions", []))

    @staticmethod
    def resolve_penalty(obj: Any) -> Any:
        if obj.resolution != "penalised":
            return None
        return type(obj).penalty.related.related_model.objects.filter(case=obj).first()


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    visibility: Visibility
    url: str


class TimelineEntryOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    actor_role: str
    action: CaseAction
    from_state: str
    to_state: CaseState
    comment: str
    visibility: Visibility
    deadline: dt.datetime | None
    data: dict[str, Any]
    attachments: list[AttachmentOut]


class WorkflowStateOut(Schema):
    state: str
    label: str
    deadline: dict[str, Any] | None
    terminal: bool


class WorkflowActionOut(Schema):
    action: str
    label: str


class WorkflowTransitionOut(Schema):
    state: str
    action: str
    target: str
    roles: list[str]
    needs: list[str]
    resolution: str


class WorkflowRoleOut(Schema):
    role: str
    label: str


class WorkflowOut(Schema):
    states: list[WorkflowStateOut]
    actions: list[WorkflowActionOut]
    roles: list[WorkflowRoleOut]
    transitions: list[WorkflowTransitionOut]
