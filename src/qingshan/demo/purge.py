"""Removing demo enterprises with their evidence: for throwaway data only.

Everywhere else a record with history is retired, never deleted
(``qingshan.registry.retirement``), and the database PROTECTs the evidence. The demo
city's reset and the tests that load it need the opposite, so this lives in the demo
app, which may reach into every other app.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from qingshan.monitoring.models import Alarm, AnomalyDeclaration, DeviceSession
from qingshan.permits.models import Permit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet


@transaction.atomic
def enterprises_purge(*, enterprises: QuerySet[Enterprise]) -> None:
    """Remove enterprises with everything under them, their evidence included.

    Cases must be gone first (``qingshan.demo.cases.cases_remove``); raw packets and
    readings stay, as everywhere (they have no foreign key)."""
    ids = list(enterprises.values_list("pk", flat=True))
    Alarm.objects.filter(enterprise_id__in=ids).delete()
    AnomalyDeclaration.objects.filter(enterprise_id__in=ids).delete()
    DeviceSession.objects.filter(device__point__outlet__enterprise_id__in=ids).delete()
    Permit.objects.filter(enterprise_id__in=ids).delete()
    Device.objects.filter(point__outlet__enterprise_id__in=ids).delete()
    MonitoringPoint.objects.filter(outlet__enterprise_id__in=ids).delete()
    Outlet.objects.filter(enterprise_id__in=ids).delete()
    Enterprise.objects.filter(pk__in=ids).delete()
