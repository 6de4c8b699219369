"""Packets the platform sends: answers to what a logger sent, and requests to a logger.

Answers follow HJ 212-2017 Appendix C: ``ST=91``, the QN, PW and MN of the packet answered,
and Flag with the A bit clear. The version bits are the logger's own, so a 2017 logger gets
``Flag=4`` and a 2025 logger ``Flag=8`` (hj212.md §6, §10). HJ/T 212-2005 answers carried
the answered QN inside CP instead of as a header item (hj212.md §4.2); that is the default
for loggers whose packets have version bits 0.

Requests carry a QN (2017 Table 3: ``YYYYMMDDhhmmsszzz``). There is no clock in this package:
pass ``qn`` as a string or as an aware datetime, e.g. the time the gateway took from its own
clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from .encode import check_header_value, encode_frame, encode_packet
from .packet import CP, FLAG_ACK, Packet, Version
from .tables import ExeRtn, QnRtn, command_info
from .values import format_qn, format_time

__all__ = [
    "HISTORY_COMMANDS",
    "MIN_INTERVALS",
    "LoggerAddress",
    "answer_for",
    "build_request",
    "data_answer",
    "execution_result",
    "notification_answer",
    "notify_realtime_stop",
    "notify_state_stop",
    "request_answer",
    "request_control",
    "request_get_min_interval",
    "request_get_rtd_interval",
    "request_get_time",
    "request_history",
    "request_realtime",
    "request_set_min_interval",
    "request_set_password",
    "request_set_rtd_interval",
    "request_set_time",
    "request_set_timeout",
    "request_state",
]

ST_INTERACTION = "91"  # 2017 Table 5: system interaction, used by every answer

#: The answers themselves are never answered.
ANSWERS = frozenset({"9011", "9012", "9013", "9014"})
#: History requests with BeginTime/EndTime (2017 Table 9, pattern R3).
HISTORY_COMMANDS = frozenset({"2031", "2041", "2051", "2061"})
#: MinInterval values allowed by 2017 Table 4.
MIN_INTERVALS = frozenset({1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30})


# -- answers --------------------------------------------------------------------------------


def _answer(to: Packet, cn: str, items: str, qn_in_cp: bool | None) -> bytes:
    """Frame an answer; ``items`` is the CP text this module made (known to be safe)."""
    if qn_in_cp is None:
        qn_in_cp = to.version_bits == 0
    head = []
    if to.qn is not None:
        check_header_value("QN", to.qn)
        if qn_in_cp:
            items = f"QN={to.qn};{items}" if items else f"QN={to.qn}"
        else:
            head.append(f"QN={to.qn};")
    head.append(f"ST={ST_INTERACTION};CN={cn};")
    if to.pw is not None:
        check_header_value("PW", to.pw)
        head.append(f"PW={to.pw};")
    if to.mn is not None:
        check_header_value("MN", to.mn)
        head.append(f"MN={to.mn};")
    if to.flag is not None:  # 2005 loggers often send no Flag at all; answer them in kind
        head.append(f"Flag={to.version_bits << 2};")
    return encode_frame(f"{''.join(head)}CP=&&{items}&&")


def data_answer(to: Packet, *, qn_in_cp: bool | None = None) -> bytes:
    """9014 data answer to an upload (2017 Appendix C.14): empty CP, the upload's QN."""
    return _answer(to, "9014", "", qn_in_cp)


def notification_answer(to: Packet, *, qn_in_cp: bool | None = None) -> bytes:
    """9013 notification answer (2017 Appendix C.11): empty CP, the notification's QN."""
    return _answer(to, "9013", "", qn_in_cp)


def request_answer(to: Packet, qn_rtn: int = QnRtn.READY, *, qn_in_cp: bool | None = None) -> bytes:
    """9011 request answer with ``QnRtn`` (2017 Table 7): 1 = will execute."""
    return _answer(to, "9011", f"QnRtn={int(qn_rtn)}", qn_in_cp)


def execution_result(
    to: Packet, exe_rtn: int = ExeRtn.SUCCESS, *, qn_in_cp: bool | None = None
) -> bytes:
    """9012 execution result with ``ExeRtn`` (2017 Table 6): 1 = success."""
    return _answer(to, "9012", f"ExeRtn={int(exe_rtn)}", qn_in_cp)


def answer_for(packet: Packet) -> bytes | None:
    """The answer the platform owes for a packet a logger sent, or ``None``.

    Only the A bit decides (hj212.md §6, §8.6): 9013 for logger notifications (1013; in
    2025 also 1001, 1014 and the 9015 heartbeat), no answer to answers, 9014 for everything
    else (uploads, and commands this codec does not know).
    """
    if not packet.ack_required or packet.cn in ANSWERS:
        return None
    info = command_info(packet.cn, packet.version)
    if info is not None and info.answered_with_9013:
        return notification_answer(packet)
    return data_answer(packet)


# -- requests -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggerAddress:
    """The data logger a request goes to: its MN, password, system code and edition."""

    mn: str
    pw: str = "123456"
    st: str = "32"
    version: Version = Version.V2017


def build_request(
    to: LoggerAddress,
    cn: str,
    *,
    qn: str | datetime,
    items: Mapping[str, str] | None = None,
    ack: bool = True,
) -> bytes:
    """Any platform→logger packet. Requests ask for an answer (A=1, 2017 Appendix C)."""
    packet = Packet(
        st=to.st,
        cn=cn,
        pw=to.pw,
        mn=to.mn,
        qn=format_qn(qn) if isinstance(qn, datetime) else qn,
        flag=(to.version.bits << 2) | (FLAG_ACK if ack else 0),
        cp=CP.from_dict(items),
    )
    return encode_packet(packet)


def _pol(pol_id: str | None) -> dict[str, str]:
    return {} if pol_id is None else {"PolId": pol_id}


def request_set_timeout(
    to: LoggerAddress, *, qn: str | datetime, over_time: int, re_count: int
) -> bytes:
    """1000: set timeout (s) and retry count; 2017 Table 4 allows 1–99 for each."""
    if not (0 < over_time <= 99 and 0 < re_count <= 99):
        raise ValueError("OverTime and ReCount must be 1..99 (2017 Table 4)")
    items = {"OverTime": str(over_time), "ReCount": str(re_count)}
    return build_request(to, "1000", qn=qn, items=items)


def request_get_time(to: LoggerAddress, *, qn: str | datetime, pol_id: str | None = None) -> bytes:
    """1011: ask for the logger's (or one instrument's) clock."""
    return build_request(to, "1011", qn=qn, items=_pol(pol_id))


def request_set_time(
    to: LoggerAddress, *, qn: str | datetime, system_time: datetime, pol_id: str | None = None
) -> bytes:
    """1012: set the logger's clock to ``system_time`` (sent in China time)."""
    items = {**_pol(pol_id), "SystemTime": format_time(system_time)}
    return build_request(to, "1012", qn=qn, items=items)


def request_get_rtd_interval(to: LoggerAddress, *, qn: str | datetime) -> bytes:
    """1061: ask for the real-time upload interval."""
    return build_request(to, "1061", qn=qn)


def request_set_rtd_interval(to: LoggerAddress, *, qn: str | datetime, seconds: int) -> bytes:
    """1062: set the real-time upload interval; 2017 Table 4 allows 30–3600 s."""
    if not 30 <= seconds <= 3600:
        raise ValueError("RtdInterval must be 30..3600 seconds (2017 Table 4)")
    return build_request(to, "1062", qn=qn, items={"RtdInterval": str(seconds)})


def request_get_min_interval(to: LoggerAddress, *, qn: str | datetime) -> bytes:
    """1063: ask for the minute-data interval."""
    return build_request(to, "1063", qn=qn)


def request_set_min_interval(to: LoggerAddress, *, qn: str | datetime, minutes: int) -> bytes:
    """1064: set the minute-data interval (one of the 2017 Table 4 values)."""
    if minutes not in MIN_INTERVALS:
        raise ValueError(f"MinInterval must be one of {sorted(MIN_INTERVALS)} (2017 Table 4)")
    return build_request(to, "1064", qn=qn, items={"MinInterval": str(minutes)})


def request_set_password(to: LoggerAddress, *, qn: str | datetime, new_pw: str) -> bytes:
    """1072: set the access password (``NewPW``; HJ/T 212-2005 used ``PW`` inside CP)."""
    key = "PW" if to.version is Version.V2005 else "NewPW"
    return build_request(to, "1072", qn=qn, items={key: new_pw})


def request_realtime(to: LoggerAddress, *, qn: str | datetime) -> bytes:
    """2011: start real-time data uploads."""
    return build_request(to, "2011", qn=qn)


def notify_realtime_stop(to: LoggerAddress, *, qn: str | datetime) -> bytes:
    """2012: stop real-time data uploads (a notification; the logger answers 9013)."""
    return build_request(to, "2012", qn=qn)


def request_state(to: LoggerAddress, *, qn: str | datetime) -> bytes:
    """2021: start facility running-state uploads."""
    return build_request(to, "2021", qn=qn)


def notify_state_stop(to: LoggerAddress, *, qn: str | datetime) -> bytes:
    """2022: stop facility running-state uploads (answered with 9013)."""
    return build_request(to, "2022", qn=qn)


def request_history(
    to: LoggerAddress, cn: str, *, qn: str | datetime, begin: datetime, end: datetime
) -> bytes:
    """2031 daily / 2041 running-time / 2051 minute / 2061 hourly history for a period."""
    if cn not in HISTORY_COMMANDS:
        raise ValueError(f"CN {cn} is not a history request ({sorted(HISTORY_COMMANDS)})")
    if end < begin:
        raise ValueError("EndTime is before BeginTime")
    items = {"BeginTime": format_time(begin), "EndTime": format_time(end)}
    return build_request(to, cn, qn=qn, items=items)


def request_control(
    to: LoggerAddress, cn: str, *, qn: str | datetime, pol_id: str | None = None
) -> bytes:
    """3011 calibration, 3012 immediate sampling, 3013 cleaning/blowback, 3014 comparison
    sampling, and other control commands addressed by ``PolId``."""
    if not (len(cn) == 4 and cn.isdigit() and cn.startswith("3")):
        raise ValueError(f"CN {cn} is not a control command (3000-3999)")
    return build_request(to, cn, qn=qn, items=_pol(pol_id))
