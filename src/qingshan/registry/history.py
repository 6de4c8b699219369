"""What counts as a registry record's history: the evidence that forbids deleting it.

A record with history is retired, never deleted (``qingshan.registry.retirement``). The
evidence lives in the apps built on the registry (alarms and readings in monitoring,
permits, cases, stations), and the registry must not depend on them: each app registers
here, in its ``AppConfig.ready``, the questions that find its evidence about a kind of
record (``history_check_register``), and the rows that go first when a record without
history is deleted (``dependents_register``: a permit never in force). Each question is
one ``EXISTS`` on a key or index of the table asked (readings and raw packets are the
largest tables of the platform). Today:

- a data logger (数采仪): a raw packet it sent (``rawpacket_device_data``: device, data
  time) or a connection session (monitoring);
- a monitoring point (监控点): an alarm, open or cleared; an enterprise declaration; a
  reading (monitoring); an air station or water section that owns it (quality); or
  history of one of its loggers;
- an outlet (排放口): a limit of a permit that has been in force (permits); or history of
  one of its points;
- an enterprise (排污单位): an alarm or a declaration (monitoring), a supervision case
  (supervision), a permit that has been in force (permits); or history of one of its
  outlets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from django.db.models import Model, QuerySet

from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet

Record = Enterprise | Outlet | MonitoringPoint | Device
Kind = Literal["enterprise", "outlet", "point", "device"]
Query = Callable[[list[int]], QuerySet[Any]]  # record ids → the rows that refer to them

KINDS: tuple[Kind, ...] = ("enterprise", "outlet", "point", "device")

_CHECKS: dict[Kind, list[tuple[Any, Query]]] = {kind: [] for kind in KINDS}
_DEPENDENTS: dict[Kind, list[Query]] = {kind: [] for kind in KINDS}


def history_check_register(kind: Kind, label: Any, query: Query) -> None:
    """``label`` (a lazy text, read inside a sentence: "…已有报警、监测数据，不能删除")
    names what ``query`` finds for records of ``kind``."""
    if all(existing is not query for _, existing in _CHECKS[kind]):
        _CHECKS[kind].append((label, query))


def dependents_register(kind: Kind, query: Query) -> None:
    """Rows that refer to a record of ``kind`` without being history: deleted first (each
    audited) when the record is deleted."""
    if query not in _DEPENDENTS[kind]:
        _DEPENDENTS[kind].append(query)


def kind_of(obj: Record) -> Kind:
    if isinstance(obj, Enterprise):
        return "enterprise"
    if isinstance(obj, Outlet):
        return "outlet"
    return "point" if isinstance(obj, MonitoringPoint) else "device"


def _children(kind: Kind, ids: list[int]) -> tuple[Kind, list[int]] | None:
    """The records one level down: their history is the parent's too."""
    if kind == "enterprise":
        return "outlet", list(
            Outlet.objects.filter(enterprise_id__in=ids).values_list("pk", flat=True)
        )
    if kind == "outlet":
        rows = MonitoringPoint.objects.filter(outlet_id__in=ids).values_list("pk", flat=True)
        return "point", list(rows)
    if kind == "point":
        return "device", list(Device.objects.filter(point_id__in=ids).values_list("pk", flat=True))
    return None


def _found(kind: Kind, ids: list[int]) -> list[str]:
    """The labels of the checks that find a row, this level and below; each stops at the
    first row it finds."""
    if not ids:
        return []
    found = [str(label) for label, query in _CHECKS[kind] if query(ids).exists()]
    below = _children(kind, ids)
    return found + (_found(*below) if below else [])


def record_history(obj: Record) -> list[str]:
    """What history ``obj`` has, by kind ("报警", "监测数据"…), without repeats; [] for none."""
    return list(dict.fromkeys(_found(kind_of(obj), [obj.pk])))


def record_dependents(obj: Record) -> list[Model]:
    """The rows to delete before ``obj`` and the records under it (registered by the apps)."""
    return [row for query in _DEPENDENTS[kind_of(obj)] for row in query([obj.pk]).order_by("pk")]
