"""What counts as a registry record's history: the evidence that forbids deleting it.

A record with history is retired, never deleted (``qingshan.registry.retirement``). The
registry is the app that deletes its records, so it names here, once, the evidence the
other apps keep about them. Each question is one ``EXISTS`` on a key or index of the
table asked (readings and raw packets are the largest tables of the platform):

- a data logger (数采仪): a raw packet it sent (``rawpacket_device_data``: device, data
  time) or a connection session;
- a monitoring point (监控点): an alarm, open or cleared; an enterprise declaration; a
  reading (the readings key starts with the point); an air station or water section
  that owns it; or history of one of its loggers;
- an outlet (排放口): a limit of a permit that has been in force; or history of one of
  its points;
- an enterprise (排污单位): an alarm, a declaration or a supervision case of its own; a
  permit that has been in force; or history of one of its outlets.

A permit "has been in force" once its validity began (``permits.selectors.permits_begun``).
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.utils.translation import pgettext

from qingshan.monitoring.models import Alarm, AnomalyDeclaration, DeviceSession, RawPacket, Reading
from qingshan.permits.models import Permit, PermitLimit
from qingshan.permits.selectors import permits_begun
from qingshan.quality.models import AirStation, WaterSection
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.supervision.models import SupervisionCase

Record = Enterprise | Outlet | MonitoringPoint | Device


def _found(checks: list[tuple[str, QuerySet[Model]]]) -> list[str]:
    """The labels of the checks that find a row; each stops at the first one it finds."""
    return [label for label, qs in checks if qs.exists()]


def _device_checks(device_ids: list[int]) -> list[tuple[str, QuerySet[Model]]]:
    return [
        (pgettext("history", "原始报文"), RawPacket.objects.filter(device_id__in=device_ids)),
        (pgettext("history", "连接记录"), DeviceSession.objects.filter(device_id__in=device_ids)),
    ]


def _point_checks(point_ids: list[int]) -> list[tuple[str, QuerySet[Model]]]:
    devices = list(Device.objects.filter(point_id__in=point_ids).values_list("pk", flat=True))
    return [
        (pgettext("history", "报警"), Alarm.objects.filter(point_id__in=point_ids)),
        (
            pgettext("history", "企业申报"),
            AnomalyDeclaration.objects.filter(point_id__in=point_ids),
        ),
        (pgettext("history", "监测数据"), Reading.objects.filter(point_id__in=point_ids)),
        (pgettext("history", "空气质量监测站"), AirStation.objects.filter(point_id__in=point_ids)),
        (
            pgettext("history", "地表水监测断面"),
            WaterSection.objects.filter(point_id__in=point_ids),
        ),
        *_device_checks(devices),
    ]


def _outlet_checks(outlet_ids: list[int]) -> list[tuple[str, QuerySet[Model]]]:
    points = list(
        MonitoringPoint.objects.filter(outlet_id__in=outlet_ids).values_list("pk", flat=True)
    )
    permits = permits_begun(Permit.objects.all())
    limits = PermitLimit.objects.filter(outlet_id__in=outlet_ids, permit__in=permits)
    return [(pgettext("history", "已生效许可证的限值"), limits), *_point_checks(points)]


def _enterprise_checks(enterprise: Enterprise) -> list[tuple[str, QuerySet[Model]]]:
    outlets = list(enterprise.outlets.values_list("pk", flat=True))
    return [
        (pgettext("history", "报警"), Alarm.objects.filter(enterprise=enterprise)),
        (pgettext("history", "企业申报"), AnomalyDeclaration.objects.filter(enterprise=enterprise)),
        (pgettext("history", "督办案件"), SupervisionCase.objects.filter(enterprise=enterprise)),
        (
            pgettext("history", "已生效的排污许可证"),
            permits_begun(Permit.objects.filter(enterprise=enterprise)),
        ),
        *_outlet_checks(outlets),
    ]


def record_history(obj: Record) -> list[str]:
    """What history ``obj`` has, by kind ("报警", "监测数据"…), without repeats; [] for none.

    The labels are context "history" in the catalogue: they are read inside a sentence
    ("…已有报警、监测数据，不能删除")."""
    if isinstance(obj, Device):
        checks = _device_checks([obj.pk])
    elif isinstance(obj, MonitoringPoint):
        checks = _point_checks([obj.pk])
    elif isinstance(obj, Outlet):
        checks = _outlet_checks([obj.pk])
    else:
        checks = _enterprise_checks(obj)
    return list(dict.fromkeys(_found(checks)))
