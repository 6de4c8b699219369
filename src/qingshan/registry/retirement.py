"""Retiring, reinstating and deleting registry records (issue 15).

A regulated record with history (``qingshan.registry.history``) is never deleted: it is
retired (注销) with a date, a reason and who, and stays readable with its alarms, data,
declarations and cases. Retiring goes down the tree: an enterprise's outlets, points and
data loggers are retired with it, at the same moment and for the same reason, and a
retired logger may no longer send (``is_active`` false: the gateway refuses it).

Reinstating undoes one retirement: the record and the records retired with it (same
moment) come back; records retired before, on their own, stay retired. A reinstated
logger stays disabled until someone enables it, so that none starts sending by surprise.

Deleting is for a record created by mistake and only when it has no history; each row it
removes (children, a logger's state, permits never in force with their limits) gets its
own audit row with its values, in the same transaction.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.db.models import Model, QuerySet
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.audit import audit_record
from qingshan.core.choices import AuditAction
from qingshan.core.models import AuditedModel, User
from qingshan.core.outbox import event_record
from qingshan.core.permissions import require_edit
from qingshan.registry.history import Record, record_dependents, record_history
from qingshan.registry.models import (
    RETIRED_REASON_MAX,
    Device,
    Enterprise,
    MonitoringPoint,
    Outlet,
)
from qingshan.registry.services import RecordConflict, enterprise_of

R = TypeVar("R", Enterprise, Outlet, MonitoringPoint, Device)

KIND = {Enterprise: "enterprise", Outlet: "outlet", MonitoringPoint: "point", Device: "device"}


def _topic(obj: Record, verb: str) -> str:
    return f"registry.{KIND[type(obj)]}.{verb}"


def _descendants(obj: Record) -> list[QuerySet[Any]]:
    """The records under ``obj``, top down (outlets, points, loggers)."""
    if isinstance(obj, Enterprise):
        return [
            Outlet.objects.filter(enterprise=obj),
            MonitoringPoint.objects.filter(outlet__enterprise=obj),
            Device.objects.filter(point__outlet__enterprise=obj),
        ]
    if isinstance(obj, Outlet):
        return [
            MonitoringPoint.objects.filter(outlet=obj),
            Device.objects.filter(point__outlet=obj),
        ]
    if isinstance(obj, MonitoringPoint):
        return [Device.objects.filter(point=obj)]
    return []


def _parent(obj: Record) -> Record | None:
    if isinstance(obj, Outlet):
        return obj.enterprise
    if isinstance(obj, MonitoringPoint):
        return obj.outlet
    if isinstance(obj, Device):
        return obj.point
    return None


def _require_edit(user: User, obj: Record) -> None:
    require_edit(user, enterprise_of(obj).region_code, what=obj._meta.verbose_name)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写注销原因")})
    if len(reason) > RETIRED_REASON_MAX:
        raise ValidationError(
            {"reason": _("注销原因不能超过 %(n)s 个字") % {"n": RETIRED_REASON_MAX}}
        )
    return reason


RETIREMENT_FIELDS = ["retired_at", "retired_reason", "retired_by", "updated_at"]


def _save_retirement(record: Record, *, by: Record, verb: str) -> None:
    fields = list(RETIREMENT_FIELDS)
    if isinstance(record, Device):
        fields.append("is_active")
    record.save(update_fields=fields)  # audited (old → new) by the audit signal
    payload: dict[str, Any] = {"reason": record.retired_reason} if verb == "retired" else {}
    if record is not by:
        payload["with"] = f"{KIND[type(by)]}:{by.pk}"
    event_record(topic=_topic(record, verb), aggregate=record, payload=payload)


@transaction.atomic
def record_retire(*, user: User, obj: R, reason: str) -> R:
    """Retire ``obj`` and the active records under it; see the module's docstring."""
    _require_edit(user, obj)
    reason = _reason(reason)
    if obj.retired_at is not None:
        raise RecordConflict(
            _("%(kind)s“%(name)s”已于 %(at)s 注销")
            % {
                "kind": obj._meta.verbose_name,
                "name": obj,
                "at": timezone.localtime(obj.retired_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="retired",
        )
    now = timezone.now()
    records: list[Record] = [obj]
    for qs in _descendants(obj):
        records.extend(qs.filter(retired_at__isnull=True))
    for record in records:
        record.retired_at, record.retired_reason, record.retired_by = now, reason, user
        if isinstance(record, Device):
            record.is_active = False
        _save_retirement(record, by=obj, verb="retired")
    return obj


@transaction.atomic
def record_reinstate(*, user: User, obj: R) -> R:
    """Undo the retirement of ``obj``, with the records retired with it."""
    _require_edit(user, obj)
    if obj.retired_at is None:
        raise RecordConflict(
            _("%(kind)s“%(name)s”未注销") % {"kind": obj._meta.verbose_name, "name": obj},
            code="not_retired",
        )
    parent = _parent(obj)
    if parent is not None and parent.retired_at is not None:
        raise RecordConflict(
            _("上级%(kind)s“%(name)s”已注销，请先恢复它")
            % {"kind": parent._meta.verbose_name, "name": parent},
            code="parent_retired",
        )
    records: list[Record] = [obj]
    for qs in _descendants(obj):
        records.extend(qs.filter(retired_at=obj.retired_at))
    for record in records:
        record.retired_at, record.retired_reason, record.retired_by = None, "", None
        _save_retirement(record, by=obj, verb="reinstated")
    return obj


# ---- deleting --------------------------------------------------------------------------


def _snapshot(instance: Model) -> dict[str, list[Any]]:
    return {
        f.name: [getattr(instance, f.attname), None]
        for f in instance._meta.concrete_fields
        if not f.primary_key
    }


def _delete_audited(obj: Model, removed: Counter[str]) -> None:
    """Delete ``obj`` with what cascades from it, each row audited and counted.

    Registry and permit rows are audited by the audit signal; rows of other models that
    cascade (a logger's state) are audited here, before they go."""
    collector = Collector(using=router.db_for_write(type(obj)))
    collector.collect([obj])  # ProtectedError if anything still refers to it
    for model, instances in collector.data.items():
        removed[model._meta.label_lower] += len(instances)
        if not issubclass(model, AuditedModel):
            for instance in instances:
                audit_record(instance, AuditAction.DELETE, _snapshot(instance))
    collector.delete()


def _removal_order(obj: Record) -> list[Model]:
    """Bottom up: what the apps registered as going first (an enterprise's permits never
    in force: their limits refer to its outlets), then loggers, points, outlets, and
    ``obj`` last."""
    rows: list[Model] = record_dependents(obj)
    for qs in reversed(_descendants(obj)):
        rows.extend(qs.order_by("pk"))
    rows.append(obj)
    return rows


def _identity(obj: Record) -> dict[str, Any]:
    found: dict[str, Any] = {"name": str(obj)}
    if isinstance(obj, Enterprise):
        found["credit_code"] = obj.credit_code
    elif isinstance(obj, Device):
        found["mn"] = obj.mn
    return found


@transaction.atomic
def record_delete(*, user: User, obj: Record) -> dict[str, int]:
    """Delete a record created by mistake; returns the rows removed, by model.

    Refused with ``RecordConflict`` (code ``has_history``) when it has history, and with
    ``ProtectedError`` when other records still refer to it (a user account, a limit of
    a permit not yet in force)."""
    _require_edit(user, obj)
    history = record_history(obj)
    if history:
        raise RecordConflict(
            _(
                "%(kind)s“%(name)s”已有%(what)s，是监管记录，不能删除；请改为注销（历史记录全部保留）"
            )
            % {"kind": obj._meta.verbose_name, "name": obj, "what": _("、").join(history)},
            code="has_history",
        )
    # recorded first: the event names the record by its id, which deleting clears
    event = event_record(topic=_topic(obj, "deleted"), aggregate=obj, payload=_identity(obj))
    removed: Counter[str] = Counter()
    for row in _removal_order(obj):
        _delete_audited(row, removed)
    event.payload["removed"] = dict(removed)
    event.save(update_fields=["payload"])
    return dict(removed)
