"""The demo enterprise's story: what its account finds waiting on the first login.

Without it a fresh demo has no case until the simulator's random exceedances raise one,
and the enterprise's account shows nothing to do. So the load writes a short history for
绍兴柯桥澄溪印染有限公司 (``DEMO_ENTERPRISE_NAME``), each step through the service the
platform itself uses, so that the audit log and the outbox record it as they would:

1. the alarm engine's ``findings_apply`` raises two alarms from the last days: the
   wastewater outlet's COD over its permitted daily limit two days running, and its
   ammonia analyser stuck on one value for hours;
2. the enterprise explains the stuck analyser (``alarm_explain``), for the regulator to
   judge, and declares a planned maintenance of its stenter exhaust monitoring
   (``declaration_submit``), for the regulator to review;
3. the city regulator opens a case from the COD alarm and dispatches it to 柯桥 and the
   city inspector, who accepts it, records the findings on site and orders rectification
   with a deadline five working days ahead on the supervision calendar
   (``case_open_from_alarm``, ``case_act``): the case waits at the enterprise's step.

Data times are laid out from the plan date (``DemoLoad.plan_date``, the day of the first
load). What the services stamp with the clock (the case's timeline, the declaration's
time) is the load's own time, and the declared maintenance lies ahead of it.

Idempotent: each step looks for what it would write (the alarm that counted the story's
data time, the explanation, the declaration, the alarm's case) and writes only what is
missing. ``--reset`` removes it with the demo enterprise (``cases_remove``, then
``enterprises_purge`` for the alarms and declarations).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from qingshan.core.audit import audit_context
from qingshan.core.chinatime import CHINA_TZ
from qingshan.core.models import User
from qingshan.core.rules import rule_value
from qingshan.demo.industries import DEMO_ENTERPRISE_NAME
from qingshan.demo.plan import CityPlan
from qingshan.monitoring.alarms import findings_apply
from qingshan.monitoring.choices import AlarmKind, DeclarationKind, PeriodKind
from qingshan.monitoring.context import Contexts
from qingshan.monitoring.evaluation import Finding
from qingshan.monitoring.models import Alarm, AnomalyDeclaration
from qingshan.monitoring.services import alarm_explain, declaration_submit
from qingshan.permits.models import PermitLimit
from qingshan.registry.models import Enterprise, MonitoringPoint
from qingshan.supervision.choices import CaseAction
from qingshan.supervision.deadlines import calendar_for
from qingshan.supervision.models import SupervisionCase
from qingshan.supervision.services import case_act, case_open_from_alarm

if TYPE_CHECKING:
    from qingshan.demo.loader import LoadReport

COD, AMMONIA = "w01018", "w21003"  # HJ 212-2017 codes: 化学需氧量, 氨氮
STUCK_VALUE = 3.27  # mg/L, the value the analyser kept sending
STUCK_FROM_HOUR = 2  # the run starts at 02:00 the day before the plan date
STUCK_HOURS = 11
RECTIFY_WORKING_DAYS = 5
STUCK_RULE = "monitoring.stuck_repeats"  # repeats of one value that make it stuck
STEPS = ("cod_alarm", "stuck_alarm", "explanation", "declaration", "case")

EXPLANATION = (
    "总排口氨氮在线分析仪试剂泵管老化堵塞，{day} 凌晨起读数恒定不变。"
    "已于当日 13:30 更换泵管并用标准溶液核查，仪器恢复正常；核查记录可现场查阅。"
)
DECLARATION = (
    "{outlet}在线监测设备年度比对监测及维护保养，预计停运 8 小时，期间数据中断，"
    "维护记录将随后上传。"
)
OPEN_NOTE = "重点排污单位废水总排口化学需氧量连续两日超过许可排放浓度限值，立案督办。"
DISPATCH_NOTE = "请柯桥分局会同市局执法人员现场核查超标原因，核实企业是否按规定报告。"
ACCEPT_NOTE = "已签收，当日赴现场检查。"
FINDINGS = (
    "现场检查：废水总排口在线监测设备运行正常，比对采样结果与在线数据基本一致；"
    "调节池后混凝沉淀单元加药泵故障停运，预处理效果下降，是化学需氧量超标的直接原因。"
    "企业未按规定及时报告污染防治设施故障。"
)
ORDER = (
    "责令你单位：一、立即修复混凝沉淀单元加药设备，确保污水预处理设施正常运行；"
    "二、排查超标期间的排放情况，书面说明超标原因及处置经过；"
    "三、于整改期限内提交整改报告及加药设备修复前后的照片。"
)


@dataclass(frozen=True, slots=True)
class Cast:
    regulator: User  # demo-regulator: the city bureau, which supervises
    inspector: User  # demo-inspector: the city's inspector, on site
    staff: User  # demo-enterprise: the enterprise's environmental officer


def story_load(plan: CityPlan, report: LoadReport) -> None:
    """Write the steps of the story that are missing; count them in the load report."""
    enterprise = _enterprise(plan)
    cast = Cast(
        regulator=User.objects.get(username="demo-regulator"),
        inspector=User.objects.get(username="demo-inspector"),
        staff=User.objects.get(username="demo-enterprise", enterprise=enterprise),
    )
    water = _point(enterprise, medium="water", factor=COD)
    day = plan.today
    cod, new_cod = _cod_alarm(water, day)
    stuck, new_stuck = _stuck_alarm(water, day)
    done = [
        new_cod,
        new_stuck,
        _explanation(stuck, cast, day),
        _declaration(enterprise, cast),
        _case(cod, cast),
    ]
    report.created["story"] = sum(done)
    report.totals["story"] = len(STEPS)


def _enterprise(plan: CityPlan) -> Enterprise:
    code = next(e.credit_code for e in plan.enterprises if e.name == DEMO_ENTERPRISE_NAME)
    return Enterprise.objects.get(credit_code=code)


def _point(enterprise: Enterprise, *, medium: str, factor: str = "") -> MonitoringPoint:
    points = MonitoringPoint.objects.filter(
        outlet__enterprise=enterprise, outlet__medium=medium, retired_at__isnull=True
    ).select_related("outlet__enterprise")
    chosen = [p for p in points.order_by("outlet__code") if not factor or factor in p.factors]
    if not chosen:
        raise LookupError(f"{enterprise.name}: no {medium} point measuring {factor or 'anything'}")
    return chosen[-1] if medium == "air" else chosen[0]  # air: the stenter, the last outlet


def point_region(point: MonitoringPoint) -> str:
    return point.outlet.enterprise.region_code if point.outlet is not None else ""


def _epoch(day: dt.date, hour: int = 0) -> int:
    return int(dt.datetime.combine(day, dt.time(hour), tzinfo=CHINA_TZ).timestamp())


def _counted(point: MonitoringPoint, factor: str, kind: str, data_time: int) -> Alarm | None:
    """The alarm that counted this data time, cleared since or not (as the engine asks)."""
    return (
        Alarm.objects.filter(
            point=point,
            factor_code=factor,
            kind=kind,
            first_at__lte=data_time,
            last_at__gte=data_time,
        )
        .order_by("-id")
        .first()
    )


def _raise(findings: list[Finding]) -> Alarm:
    """Hand the findings to the engine's own function, then read the alarm it keeps open
    for them (a new one, or one the simulator had already raised for the condition)."""
    findings_apply(findings, contexts=Contexts())
    last = findings[-1]
    alarm = Alarm.objects.filter(
        point_id=last.point_id, factor_code=last.factor_code, kind=last.kind
    ).order_by("-id")
    return alarm.get(cleared_at__isnull=True)


def _daily_limit(point: MonitoringPoint, factor: str) -> tuple[float, str, str]:
    limit = (
        PermitLimit.objects.filter(outlet=point.outlet, factor_code=factor, basis="daily")
        .order_by("-permit__valid_to")
        .first()
    )
    if limit is None:
        raise LookupError(f"{point.name}: no daily limit of {factor}")
    return float(limit.limit), limit.unit, limit.standard


def _cod_alarm(point: MonitoringPoint, day: dt.date) -> tuple[Alarm, bool]:
    """COD daily values over the permitted limit on the two days before the plan date."""
    times = [_epoch(day - dt.timedelta(days=2)), _epoch(day - dt.timedelta(days=1))]
    found = _counted(point, COD, AlarmKind.EXCEEDANCE, times[-1])
    if found is not None:
        return found, False
    limit, unit, standard = _daily_limit(point, COD)
    findings = [
        Finding(
            raise_alarm=True,
            point_id=point.pk,
            factor_code=COD,
            kind=AlarmKind.EXCEEDANCE,
            data_time=t,
            period=PeriodKind.DAY,
            value=round(limit * share, 1),
            limit=limit,
            rule="exceedance.daily",
            evidence={
                "measured": round(limit * share, 1),
                "limit": limit,
                "unit": unit,
                "standard": standard,
                "flag": "N",
                "side": "above",
            },
        )
        for t, share in zip(times, (1.18, 1.31), strict=True)
    ]
    return _raise(findings), True


def _stuck_alarm(point: MonitoringPoint, day: dt.date) -> tuple[Alarm, bool]:
    """The ammonia analyser's hourly values, one and the same for hours the day before."""
    yesterday = day - dt.timedelta(days=1)
    hours = range(STUCK_FROM_HOUR, STUCK_FROM_HOUR + STUCK_HOURS)
    threshold = int(
        rule_value(STUCK_RULE, region_code=point_region(point), on=yesterday, default={}).get(
            str(PeriodKind.HOUR), 6
        )
    )
    times = [_epoch(yesterday, h) for h in hours][threshold - 1 :]
    found = _counted(point, AMMONIA, AlarmKind.STUCK, times[-1])
    if found is not None:
        return found, False
    findings = [
        Finding(
            raise_alarm=True,
            point_id=point.pk,
            factor_code=AMMONIA,
            kind=AlarmKind.STUCK,
            data_time=t,
            period=PeriodKind.HOUR,
            value=STUCK_VALUE,
            rule="stuck",
            evidence={"value": STUCK_VALUE, "repeats": threshold + n, "threshold": threshold},
        )
        for n, t in enumerate(times)
    ]
    return _raise(findings), True


def _explanation(alarm: Alarm, cast: Cast, day: dt.date) -> bool:
    if alarm.explanation_status:
        return False
    text = EXPLANATION.format(day=(day - dt.timedelta(days=1)).strftime("%m 月 %d 日"))
    with audit_context(user=cast.staff, via="demo"):
        alarm_explain(alarm=alarm, user=cast.staff, text=text)
    return True


def _declaration(enterprise: Enterprise, cast: Cast) -> bool:
    """A planned maintenance two days after the load, 08:30 to 16:30."""
    try:
        point = _point(enterprise, medium="air")
    except LookupError:
        point = _point(enterprise, medium="water")
    assert point.outlet is not None  # an enterprise's point hangs on an outlet
    reason = DECLARATION.format(outlet=point.outlet.name)
    if AnomalyDeclaration.objects.filter(point=point, declared_by=cast.staff, reason=reason):
        return False
    start_day = timezone.localdate() + dt.timedelta(days=2)
    starts = dt.datetime.combine(start_day, dt.time(8, 30), tzinfo=CHINA_TZ)
    with audit_context(user=cast.staff, via="demo"):
        declaration_submit(
            user=cast.staff,
            point=point,
            kind=DeclarationKind.MAINTENANCE,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=8),
            reason=reason,
        )
    return True


def _case(alarm: Alarm, cast: Cast) -> bool:
    """Open, dispatch, accept, inspect, order: the case then waits for the enterprise."""
    if SupervisionCase.objects.filter(alarm=alarm).exists():
        return False
    with audit_context(user=cast.regulator, via="demo"):
        case = case_open_from_alarm(user=cast.regulator, alarm=alarm, comment=OPEN_NOTE)
        case = _act(
            case,
            cast.regulator,
            CaseAction.DISPATCH,
            comment=DISPATCH_NOTE,
            team_region_code=case.region_code,
            assignee=cast.inspector,
        )
    enterprise = case.enterprise
    place = {"lat": float(enterprise.latitude or 0), "lng": float(enterprise.longitude or 0)}
    deadline = calendar_for(case.region_code, timezone.now()).add_working_days(
        timezone.now(), RECTIFY_WORKING_DAYS
    )
    with audit_context(user=cast.inspector, via="demo"):
        case = _act(case, cast.inspector, CaseAction.ACCEPT, comment=ACCEPT_NOTE)
        case = _act(
            case,
            cast.inspector,
            CaseAction.RECORD_FINDINGS,
            comment=FINDINGS,
            location=place if enterprise.latitude is not None else None,
        )
        _act(case, cast.inspector, CaseAction.ORDER_RECTIFICATION, comment=ORDER, deadline=deadline)
    return True


def _act(case: SupervisionCase, user: User, action: str, **kwargs: Any) -> SupervisionCase:
    return case_act(user=user, case=case, action=action, version=case.version, **kwargs)
