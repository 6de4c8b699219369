"""Online-monitoring endpoints: thin adapters over the selectors (reads) and services (writes)."""

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qingshan.core.api import api_user
from qingshan.core.pagination import Pagination
from qingshan.monitoring import selectors, services
from qingshan.monitoring.models import Alarm, AlarmEntry, AnomalyDeclaration, DeadLetter
from qingshan.monitoring.schemas import (
    AcknowledgeIn,
    AlarmDetailOut,
    AlarmEntryOut,
    AlarmFilter,
    AlarmOut,
    CommentIn,
    DeadLetterFilter,
    DeadLetterOut,
    DeclarationFilter,
    DeclarationIn,
    DeclarationOut,
    DismissIn,
    PointStateFilter,
    PointStateOut,
    ReviewIn,
    SeriesOut,
    SeriesQuery,
)
from qingshan.monitoring.series import KIND_LABELS, Series
from qingshan.registry import selectors as registry

router = Router(tags=["monitoring"])


def epoch(value: dt.datetime | None) -> int | None:
    """Seconds since 1970; a time without a zone is Beijing time (the platform's)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return int(value.timestamp())


def series_body(series: Series) -> dict[str, Any]:
    """The series as JSON-ready data (times as ISO 8601 text in the platform's zone)."""
    limit = series.limit
    tz = timezone.get_current_timezone()

    def iso(seconds: int) -> str:
        return dt.datetime.fromtimestamp(seconds, tz=tz).isoformat()

    return {
        "point_id": series.point.pk,
        "factor_code": series.factor_code,
        "kind": KIND_LABELS[series.kind],
        "start": iso(series.start),
        "end": iso(series.end),
        "bucket_seconds": series.bucket,
        "unit": series.unit,
        "limit": None
        if limit is None
        else {
            "value": float(limit.limit),
            "lower": series.lower_limit,
            "unit": limit.unit,
            "basis": limit.basis,
            "reference_o2": series.reference_o2,
            "standard": limit.standard,
        },
        "items": [
            {
                "t": iso(v.t),
                "value": v.value,
                "min": v.min,
                "max": v.max,
                "converted": v.converted,
                "flag": v.flag,
                "status": v.status,
                "source": v.source,
                "count": v.count,
                "valid_count": v.valid_count,
            }
            for v in series.values
        ],
    }


@router.get("/points/{int:pk}/readings", response=SeriesOut)
def point_readings(request: HttpRequest, pk: int, query: Query[SeriesQuery]) -> HttpResponse:
    """One factor's values at a point: real-time, minute, hourly or daily, with validity,
    converted values and the permit limit; long ranges come in buckets (min/avg/max).

    The body is written directly (same shape as ``SeriesOut``): validating a year of
    values item by item against the schema took longer than reading them."""
    series = selectors.reading_series(
        user=api_user(request),
        point_id=pk,
        factor_code=query.factor,
        kind=query.kind,
        start=epoch(query.start),
        end=epoch(query.end),
    )
    return HttpResponse(json.dumps(series_body(series)), content_type="application/json")


@router.get("/point-states", response=list[PointStateOut])
@paginate(Pagination)
def point_states(request: HttpRequest, filters: Query[PointStateFilter]) -> Any:
    """Each monitoring point's state for the overview (worst first)."""
    states = selectors.point_states(
        user=request.user,
        region_code=filters.region_code,
        industry_code=filters.industry_code,
        factor_code=filters.factor_code,
        status=filters.status or "",
    )
    return [
        {
            "point_id": s.point.pk,
            "point_name": s.point.name,
            "enterprise_id": s.enterprise.pk,
            "enterprise_name": s.enterprise.name,
            "region_code": s.enterprise.region_code,
            "industry_code": s.enterprise.industry_code,
            "longitude": s.enterprise.longitude,
            "latitude": s.enterprise.latitude,
            "status": s.status,
            "open_alarms": s.open_alarms,
            "kinds": s.kinds,
            "connected": s.connected,
            "last_seen_at": s.last_seen_at,
        }
        for s in states
    ]


@router.get("/alarms", response=list[AlarmOut])
@paginate(Pagination)
def alarm_list(request: HttpRequest, filters: Query[AlarmFilter]) -> Any:
    return selectors.alarm_list(
        user=request.user,
        region_code=filters.region_code,
        enterprise_id=filters.enterprise_id,
        point_id=filters.point_id,
        factor_code=filters.factor_code,
        kind=filters.type or "",
        severity=filters.severity or "",
        active=filters.active,
        acknowledged=filters.acknowledged,
        explanation_status=filters.explanation_status or "",
        start=epoch(filters.start),
        end=epoch(filters.end),
    )


@router.get("/alarms/{int:pk}", response=AlarmDetailOut)
def alarm_get(request: HttpRequest, pk: int) -> Alarm:
    return selectors.alarm_get(user=request.user, pk=pk)


@router.post("/alarms/{int:pk}/acknowledge", response=AlarmDetailOut)
def alarm_acknowledge(request: HttpRequest, pk: int, payload: AcknowledgeIn) -> Alarm:
    alarm = selectors.alarm_get(user=request.user, pk=pk)
    services.alarm_acknowledge(alarm=alarm, user=api_user(request), note=payload.note)
    return selectors.alarm_get(user=request.user, pk=pk)


@router.post("/alarms/{int:pk}/comments", response={201: AlarmEntryOut})
def alarm_comment(request: HttpRequest, pk: int, payload: CommentIn) -> Status[AlarmEntry]:
    alarm = selectors.alarm_get(user=request.user, pk=pk)
    return Status(
        201, services.alarm_comment(alarm=alarm, user=api_user(request), text=payload.text)
    )


@router.post("/alarms/{int:pk}/explanation", response={201: AlarmEntryOut})
def alarm_explain(
    request: HttpRequest,
    pk: int,
    text: Form[str],
    attachment: File[UploadedFile | None] = None,
) -> Status[AlarmEntry]:
    """The enterprise's explanation (multipart: ``text``, optional ``attachment`` —
    PDF, PNG, JPEG, docx or xlsx, at most 10 MiB)."""
    alarm = selectors.alarm_get(user=request.user, pk=pk)
    entry = services.alarm_explain(
        alarm=alarm, user=api_user(request), text=text, attachment=attachment
    )
    return Status(201, entry)


@router.post("/alarms/{int:pk}/explanation/review", response=AlarmDetailOut)
def alarm_explanation_review(request: HttpRequest, pk: int, payload: ReviewIn) -> Alarm:
    alarm = selectors.alarm_get(user=request.user, pk=pk)
    services.alarm_explanation_review(
        alarm=alarm, user=api_user(request), accept=payload.accept, note=payload.note
    )
    return selectors.alarm_get(user=request.user, pk=pk)


@router.get("/declarations", response=list[DeclarationOut])
@paginate(Pagination)
def declaration_list(request: HttpRequest, filters: Query[DeclarationFilter]) -> Any:
    return selectors.declaration_list(
        user=request.user,
        point_id=filters.point_id,
        enterprise_id=filters.enterprise_id,
        status=filters.status or "",
        kind=filters.kind or "",
    )


@router.post("/declarations", response={201: DeclarationOut})
def declaration_create(request: HttpRequest, payload: DeclarationIn) -> Status[AnomalyDeclaration]:
    try:
        point = registry.point_get(user=request.user, pk=payload.point_id)
    except ObjectDoesNotExist:
        raise ValidationError({"point_id": _("监控点不存在或无权访问")}) from None
    declaration = services.declaration_submit(
        user=api_user(request),
        point=point,
        kind=payload.kind,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
    )
    return Status(201, selectors.declaration_get(user=request.user, pk=declaration.pk))


@router.get("/declarations/{int:pk}", response=DeclarationOut)
def declaration_get(request: HttpRequest, pk: int) -> AnomalyDeclaration:
    return selectors.declaration_get(user=request.user, pk=pk)


@router.post("/declarations/{int:pk}/review", response=DeclarationOut)
def declaration_review(request: HttpRequest, pk: int, payload: ReviewIn) -> AnomalyDeclaration:
    declaration = selectors.declaration_get(user=request.user, pk=pk)
    services.declaration_review(
        declaration=declaration, user=api_user(request), accept=payload.accept, comment=payload.note
    )
    return selectors.declaration_get(user=request.user, pk=pk)


# --- dead letters: what the alarm engine could not judge --------------------------------


def _dead_letters(request: HttpRequest, filters: DeadLetterFilter) -> Any:
    qs = selectors.dead_letter_list(
        user=request.user, open_only=filters.state == "open", consumer=filters.consumer
    )
    return qs.filter(resolved_at__isnull=False) if filters.state == "resolved" else qs


@router.get("/monitoring/dead-letters", response=list[DeadLetterOut])
@paginate(Pagination)
def dead_letter_list(request: HttpRequest, filters: Query[DeadLetterFilter]) -> Any:
    """What the alarm engine could not judge, set aside with its reason (bureau staff, in
    their jurisdiction; enterprise users get an empty list). Open entries by default."""
    return _dead_letters(request, filters)


@router.post("/monitoring/dead-letters/{int:pk}/judge-again", response=DeadLetterOut)
def dead_letter_judge_again(request: HttpRequest, pk: int) -> DeadLetter:
    """Judge again (a regulator in jurisdiction): resolved if it is judged now, else still
    open with the reason it failed this time."""
    letter = selectors.dead_letter_get(user=request.user, pk=pk)
    services.dead_letter_judge_again(letter=letter, user=api_user(request))
    return selectors.dead_letter_get(user=request.user, pk=pk)


@router.post("/monitoring/dead-letters/{int:pk}/dismiss", response=DeadLetterOut)
def dead_letter_dismiss(request: HttpRequest, pk: int, payload: DismissIn) -> DeadLetter:
    letter = selectors.dead_letter_get(user=request.user, pk=pk)
    services.dead_letter_dismiss(letter=letter, user=api_user(request), reason=payload.reason)
    return selectors.dead_letter_get(user=request.user, pk=pk)
