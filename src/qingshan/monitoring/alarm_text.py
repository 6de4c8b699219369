"""What an alarm says, in words a regulator reads (issue 17: no internals on screen).

The engine writes rule names (``early_warning``) and evidence keys (``share``,
``threshold``) for itself; the alarm pages show what happened instead: the value, the
limit or warning level, how far over, for how long, and the data times as dates. The data
times an alarm counted are the engine's bookkeeping (``Alarm.counted_times``), shown
apart from the evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.hj212 import data_flag
from qingshan.monitoring.choices import AlarmKind, PeriodKind
from qingshan.monitoring.models import Alarm, AlarmEntry
from qingshan.web.helpers import english, factor_label

PERIOD_SECONDS: dict[int, int] = {int(PeriodKind.HOUR): 3600, int(PeriodKind.DAY): 86400}


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    text: str


def number(value: Any) -> str:
    """At most three decimals, no float noise (as the ``reading`` filter)."""
    if value is None or value == "":
        return "—"
    try:
        text = f"{float(value):.3f}"
    except (TypeError, ValueError):
        return str(value)
    return text.rstrip("0").rstrip(".")


def _with_unit(value: Any, unit: str) -> str:
    return f"{number(value)} {unit}".strip() if value is not None else "—"


def _percent(share: Any) -> str:
    try:
        return f"{float(share) * 100:.0f}%"
    except (TypeError, ValueError):
        return "—"


def local_time(epoch: Any, *, seconds: bool = False) -> str:
    """A data time (epoch seconds, or a datetime) as a local date and time."""
    if isinstance(epoch, dt.datetime):
        moment = epoch
    elif isinstance(epoch, int | float) and not isinstance(epoch, bool):
        moment = dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
    else:
        return "—"
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M{':%S' if seconds else ''}}"


def duration_text(seconds: float) -> str:
    minutes = max(0, round(seconds / 60))
    if minutes < 60:
        return _("%(m)d 分钟") % {"m": minutes}
    hours, rest = divmod(minutes, 60)
    if hours >= 48 and not rest:
        return _("%(d)d 天") % {"d": hours // 24}
    if not rest:
        return _("%(h)d 小时") % {"h": hours}
    return _("%(h)d 小时 %(m)d 分钟") % {"h": hours, "m": rest}


def lasted(alarm: Alarm) -> float:
    """How long the condition lasted, in data time: from the first occurrence to the last
    (an hourly or daily value stands for its whole period)."""
    first, last = alarm.first_at.timestamp(), alarm.last_at.timestamp()
    return float(last - first + PERIOD_SECONDS.get(int(alarm.period or 0), 0))


def _ratio(value: Any, limit: Any) -> float | None:
    try:
        return float(value) / float(limit) if float(limit) else None
    except (TypeError, ValueError):
        return None


def ratio_text(value: Any, limit: Any) -> str:
    """ "为限值的 2.5 倍" over the limit, "为限值的 87%" under it."""
    ratio = _ratio(value, limit)
    if ratio is None:
        return ""
    if ratio >= 1:
        return _("为限值的 %(r)s 倍") % {"r": f"{ratio:.2f}".rstrip("0").rstrip(".")}
    return _("为限值的 %(p)s") % {"p": f"{ratio * 100:.0f}%"}


def paren(text: str, aside: str) -> str:
    """``text（aside）``: the aside in the page's language's brackets."""
    return _("%(text)s（%(aside)s）") % {"text": text, "aside": aside} if aside else text


def flag_text(flag: str) -> str:
    if not flag:
        return _("无标记（正常）")
    found = data_flag(flag)
    if found is None:
        return flag
    return paren(found.name_en if english() else found.name_zh, flag)


# --- the list: one line per alarm ---------------------------------------------------------


def brief(alarm: Alarm) -> str:
    """The alarm's numbers in one line for the list."""
    ev = alarm.evidence or {}
    unit = str(ev.get("unit") or "")
    if alarm.kind == AlarmKind.EARLY_WARNING and ev.get("threshold") is None:
        return _("%(value)s（限值 %(limit)s）") % {  # raised before the line was recorded
            "value": _with_unit(alarm.worst_value, unit),
            "limit": number(alarm.limit_value),
        }
    if alarm.kind == AlarmKind.EARLY_WARNING:
        return _("%(value)s（预警线 %(threshold)s，限值 %(limit)s）") % {
            "value": _with_unit(alarm.worst_value, unit),
            "threshold": number(ev.get("threshold")),
            "limit": number(alarm.limit_value),
        }
    if alarm.kind in (AlarmKind.EXCEEDANCE, AlarmKind.RTD_EXCEEDANCE):
        if ev.get("side") == "below":
            return _("%(value)s（低于下限 %(limit)s）") % {
                "value": _with_unit(alarm.worst_value, unit),
                "limit": number(alarm.limit_value),
            }
        if ev.get("lower_limit") is not None:  # a range (pH 6–9): no "times the limit"
            return _("%(value)s（许可范围 %(lower)s–%(limit)s）") % {
                "value": _with_unit(alarm.worst_value, unit),
                "lower": number(ev.get("lower_limit")),
                "limit": number(ev.get("limit")),
            }
        return _("%(value)s（限值 %(limit)s，%(ratio)s）") % {
            "value": _with_unit(alarm.worst_value, unit),
            "limit": number(alarm.limit_value),
            "ratio": ratio_text(alarm.worst_value, alarm.limit_value),
        }
    if alarm.worst_value is not None:
        return number(alarm.worst_value)
    return "—"


# --- the detail page: what happened -------------------------------------------------------


def facts(alarm: Alarm) -> list[Fact]:
    """What the alarm found, as labelled sentences (the kind decides which)."""
    ev = alarm.evidence if isinstance(alarm.evidence, dict) else {}
    maker = _FACTS.get(str(alarm.kind))
    rows = maker(alarm, ev) if maker else []
    return [row for row in rows if row.text and row.text != "—"]


def _span(alarm: Alarm) -> Fact:
    first, last = local_time(alarm.first_at), local_time(alarm.last_at)
    period = first if first == last else _("%(first)s 至 %(last)s") % {"first": first, "last": last}
    return Fact(_("持续"), paren(duration_text(lasted(alarm)), period))


def _exceedance(alarm: Alarm, ev: dict[str, Any]) -> list[Fact]:
    unit = str(ev.get("unit") or "")
    basis = _("日均值") if alarm.period == PeriodKind.DAY else _("小时均值")
    below = ev.get("side") == "below"
    ranged = ev.get("lower_limit") is not None  # pH 6–9: "1.5 × the limit" means nothing
    rows = [
        Fact(
            _("判定"),
            (_("%(basis)s低于许可排放浓度下限") if below else _("%(basis)s超过许可排放浓度限值"))
            % {"basis": basis},
        ),
        Fact(
            _("最严重值"),
            paren(
                _with_unit(alarm.worst_value, unit),
                "" if ranged else ratio_text(alarm.worst_value, alarm.limit_value),
            ),
        ),
        Fact(
            _("下限") if below else _("限值"),
            paren(_with_unit(alarm.limit_value, unit), str(ev.get("standard") or "")),
        ),
        Fact(
            _("许可范围"),
            _("%(lower)s–%(limit)s")
            % {
                "lower": number(ev.get("lower_limit")),
                "limit": number(ev.get("limit")),
            }
            if ranged
            else "",
        ),
        _span(alarm),
        Fact(_("超标的%(basis)s") % {"basis": basis}, _("%(n)d 个") % {"n": alarm.occurrences}),
    ]
    if ev.get("reference_o2") is not None:
        oxygen = _("基准氧含量 %(ref)s%%") % {"ref": number(ev.get("reference_o2"))}
        if ev.get("o2") is not None:
            oxygen = _("%(ref)s，实测氧含量 %(o2)s%%") % {"ref": oxygen, "o2": number(ev.get("o2"))}
        converted = str(oxygen)
        if ev.get("measured") is not None:  # alarms before issue 17 kept no last value
            converted = paren(
                _("最近一次：实测 %(measured)s，折算 %(converted)s")
                % {
                    "measured": _with_unit(ev.get("measured"), unit),
                    "converted": _with_unit(ev.get("converted"), unit),
                },
                oxygen,
            )
        if ev.get("converted_sent"):
            converted = _("%(text)s；折算值由数采仪上报") % {"text": converted}
        rows.append(Fact(_("折算"), converted))
    elif ev.get("measured") is not None:
        rows.append(Fact(_("最近一次"), _with_unit(ev.get("measured"), unit)))
    if "flag" in ev:
        text = flag_text(str(ev.get("flag") or ""))
        if ev.get("needs_review"):
            text = _("%(flag)s，需人工审核") % {"flag": text}
        rows.append(Fact(_("数据标记"), text))
    return rows


def _rule_of_runs(ev: dict[str, Any], sentence: str) -> Fact:
    return Fact(
        _("判定规则"),
        sentence
        % {
            "raise": number(ev.get("raise_minutes")),
            "clear": number(ev.get("clear_minutes")),
            "share": _percent(ev.get("clear_share")),
        },
    )


def _rtd_exceedance(alarm: Alarm, ev: dict[str, Any]) -> list[Fact]:
    unit = str(ev.get("unit") or "")
    rows = [
        Fact(_("判定"), _("实时值持续超过许可排放浓度限值（超标以小时或日均值判定）")),
        Fact(
            _("最高实时值"),
            paren(
                _with_unit(alarm.worst_value, unit),
                ratio_text(alarm.worst_value, alarm.limit_value),
            ),
        ),
        Fact(
            _("限值"),
            paren(_with_unit(alarm.limit_value, unit), str(ev.get("standard") or "")),
        ),
        _span(alarm),
        Fact(_("超过限值的实时值"), _("%(n)d 个") % {"n": alarm.occurrences}),
    ]
    if "raise_minutes" in ev:
        rows.append(
            _rule_of_runs(
                ev,
                _(
                    "实时值连续 %(raise)s 分钟以上高于限值时报警；"
                    "连续 %(clear)s 分钟低于限值的 %(share)s 后消除"
                ),
            )
        )
    return rows


def _early_warning(alarm: Alarm, ev: dict[str, Any]) -> list[Fact]:
    unit = str(ev.get("unit") or "")
    share = ev.get("share")
    rows = [
        Fact(_("判定"), _("实时值接近许可排放浓度限值")),
        Fact(
            _("最高实时值"),
            paren(
                _with_unit(alarm.worst_value, unit),
                ratio_text(alarm.worst_value, alarm.limit_value),
            ),
        ),
        Fact(
            _("预警线"),
            _("%(threshold)s（限值 %(limit)s 的 %(share)s）")
            % {
                "threshold": _with_unit(ev.get("threshold"), unit),
                "limit": number(
                    alarm.limit_value if alarm.limit_value is not None else ev.get("limit")
                ),
                "share": _percent(share),
            },
        ),
        _span(alarm),
        Fact(_("高于预警线的实时值"), _("%(n)d 个") % {"n": alarm.occurrences}),
    ]
    if "raise_minutes" in ev:
        rows.append(
            _rule_of_runs(
                ev,
                _(
                    "实时值连续 %(raise)s 分钟以上高于预警线时报警；"
                    "连续 %(clear)s 分钟低于预警线的 %(share)s 后消除"
                ),
            )
        )
    return rows


def _offline(alarm: Alarm, ev: dict[str, Any]) -> list[Fact]:
    return [
        Fact(
            _("判定"),
            _("数采仪超过 %(m)s 分钟未上报数据") % {"m": number(ev.get("threshold_minutes"))},
        ),
        Fact(_("数采仪"), str(ev.get("mn") or "—")),
        Fact(_("最后通信"), local_time(ev.get("last_seen"), seconds=True)),
    ]


def _missing(alarm: Alarm, ev: dict[str, Any]) -> list[Fact]:
    hour = ev.get("hour")
    end = hour + 3600 if isinstance(hour, int) else None
    return [
        Fact(_("判定"), _("应上报的小时数据没有到达")),
        Fact(
            _("缺失时段"),
            f"{local_time(hour)} – {local_time(end)[11:] if end else '—'}",
        ),
        Fact(_("检查的因子"), factor_label(str(ev.get("factor") or alarm.factor_code or ""))),
    ]


def _stuck(alarm: Alarm, ev: dict[str, Any]) -> list[Fact]:
    return [
        Fact(_("判定"), _("同一数值连续重复，疑似仪器故障或数据异常")),
        Fact(_("重复的数值"), number(ev.get("value", alarm.worst_value))),
        Fact(
            _("连续次数"),
            _("%(n)s 次（达到 %(t)s 次即报警）")
            % {"n": number(ev.get("repeats")), "t": number(ev.get("threshold"))},
        ),
        _span(alarm),
    ]


def _zero(alarm: Alarm, ev: dict[str, Any]) -> list[Fact]:
    return [
        Fact(_("判定"), _("受限值约束的因子连续报 0")),
        Fact(
            _("连续次数"),
            _("%(n)s 次（达到 %(t)s 次即报警）")
            % {"n": number(ev.get("repeats")), "t": number(ev.get("threshold"))},
        ),
        _span(alarm),
    ]


def _flag_run(alarm: Alarm, ev: dict[str, Any]) -> list[Fact]:
    return [
        Fact(_("判定"), _("长时间带故障、校准、维护或停运等标记")),
        Fact(_("数据标记"), flag_text(str(ev.get("flag") or ""))),
        Fact(_("标记开始"), local_time(ev.get("since"))),
        Fact(
            _("已持续"),
            _("%(m)s 分钟（达到 %(t)s 分钟即报警）")
            % {"m": number(ev.get("minutes")), "t": number(ev.get("threshold_minutes"))},
        ),
    ]


def _near_limit(alarm: Alarm, ev: dict[str, Any]) -> list[Fact]:
    return [
        Fact(_("判定"), _("数值长时间贴近限值，疑似人为控制在限值以下")),
        Fact(
            _("贴线的比例"),
            _("最近 %(w)s 个值中 %(s)s 在限值的 %(low)s 至 100%% 之间（达到 %(t)s 即报警）")
            % {
                "w": number(ev.get("window")),
                "s": _percent(ev.get("share")),
                "low": _percent(ev.get("low")),
                "t": _percent(ev.get("threshold_share")),
            },
        ),
        Fact(_("限值"), number(ev.get("limit", alarm.limit_value))),
    ]


def _concentrations(values: Any) -> str:
    if not isinstance(values, dict):
        return "—"
    return _("；").join(f"{factor_label(str(code))} {number(v)}" for code, v in values.items())


def _contradiction(alarm: Alarm, ev: dict[str, Any]) -> list[Fact]:
    if "o2" in ev:
        return [
            Fact(_("判定"), _("氧含量接近空气，折算浓度失去意义（疑似稀释）")),
            Fact(
                _("氧含量"),
                _("%(o2)s%%（达到 %(max)s%% 即报警）")
                % {"o2": number(ev.get("o2")), "max": number(ev.get("o2_max"))},
            ),
            Fact(_("同时的浓度"), _concentrations(ev.get("concentrations"))),
        ]
    return [
        Fact(_("判定"), _("流量为零或负，而浓度仍明显高于零")),
        Fact(_("流量"), number(ev.get("flow"))),
        Fact(_("同时的浓度"), _concentrations(ev.get("concentrations"))),
    ]


_FACTS: dict[str, Any] = {
    AlarmKind.EXCEEDANCE: _exceedance,
    AlarmKind.RTD_EXCEEDANCE: _rtd_exceedance,
    AlarmKind.EARLY_WARNING: _early_warning,
    AlarmKind.OFFLINE: _offline,
    AlarmKind.MISSING: _missing,
    AlarmKind.STUCK: _stuck,
    AlarmKind.ZERO: _zero,
    AlarmKind.FLAG_RUN: _flag_run,
    AlarmKind.NEAR_LIMIT: _near_limit,
    AlarmKind.CONTRADICTION: _contradiction,
}


def counted_times(alarm: Alarm) -> list[str]:
    """The data times the alarm counted, as dates, latest first."""
    times = [t for t in (alarm.counted_times or []) if isinstance(t, int | float)]
    return [local_time(t, seconds=True) for t in sorted(times, reverse=True)]


# --- the history: what the engine's steps were for ------------------------------------


def rule_text(code: str) -> str:
    """A rule or reason the engine wrote, in words ("" for none)."""
    texts = {
        "exceedance.hourly": _("小时均值超过许可排放浓度限值"),
        "exceedance.daily": _("日均值超过许可排放浓度限值"),
        "rtd_exceedance": _("实时值持续超过限值"),
        "early_warning": _("实时值持续高于预警线"),
        "offline": _("数采仪长时间未上报数据"),
        "missing.hourly": _("小时数据缺失"),
        "stuck": _("数值长时间不变"),
        "zero": _("连续零值"),
        "flag_run": _("长时间异常标记"),
        "near_limit": _("数值长时间贴近限值"),
        "contradiction.o2": _("氧含量与折算浓度矛盾"),
        "contradiction.flow": _("流量与浓度矛盾"),
        "realtime.cleared": _("数值已持续回落到消除线以下"),
        "realtime.escalated": _("实时值持续超过限值，转为实时超限报警"),
        "condition ended": _("报警条件已结束"),
        "point retired": _("监控点已停用"),
    }
    return texts.get(code, code)


SYSTEM_STEPS = {"raised", "cleared", "reopened", "repeated"}


def entry_text(entry: AlarmEntry) -> str:
    """A history entry's text: a person's words as written, the engine's in words."""
    if entry.actor_id is None and entry.action in SYSTEM_STEPS:
        return rule_text(entry.text)
    return entry.text
