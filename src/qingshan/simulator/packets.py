"""What a logger uploads, and when: protocol editions, the per-device timeline, and packet
templates filled in with cheap string formatting.

Packets are built here as data segments and framed with the codec's table-driven CRC.
Everything a packet shares with the device's previous one (header, factor keys, number
formats) is computed once per device, so a 2011 upload costs one ``%`` format per factor
and one CRC (hj212.md §1, §2; the layout is 2017 Table 3, Appendix C.14).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from qingshan.hj212 import factor, hj212_crc16

from .devices import DeviceSpec
from .signals import DeviceSignals

__all__ = [
    "DAILY",
    "HOURLY",
    "MINUTE",
    "PROTOCOLS",
    "REALTIME",
    "PacketFactory",
    "Protocol",
    "QnClock",
    "Timeline",
    "data_time",
    "frame",
]

REALTIME, MINUTE, HOURLY, DAILY = "2011", "2051", "2061", "2031"
UPLOADS = (REALTIME, MINUTE, HOURLY, DAILY)
_CHINA = 8 * 3600  # China time is UTC+8 all year: period boundaries are plain arithmetic


@dataclass(frozen=True, slots=True)
class Protocol:
    """An edition as a logger speaks it: its Flag, whether it sends a QN and wants a 9014."""

    name: str
    flag: int | None  # None: the item is left out (2005 style)
    qn: bool
    #: The Flag of the platform's 9014 (version bits, A=0); ``None``: no answer expected.
    answer_flag: int | None
    #: HJ/T 212-2005 answers carry the answered QN inside CP (hj212.md §4.2).
    qn_in_cp: bool = False
    old_codes: bool = False

    @property
    def ack(self) -> bool:
        return self.answer_flag is not None


PROTOCOLS: dict[str, Protocol] = {
    # HJ 212-2017: version bits 1, A=1 → Flag=5; answered with Flag=4 (hj212.md §2.1, §6).
    "2017": Protocol("2017", 5, True, 4),
    # HJ 212-2025 per hj212.md §10: version bits 2 → Flag=9, answers Flag=8.
    "2025": Protocol("2025", 9, True, 8),
    # HJ/T 212-2005 as most 2005 loggers send it: no QN, no Flag, old factor codes, and so
    # no answer (hj212.md §2.1, §4.2): a 2005 run cannot check acknowledgements.
    "2005": Protocol("2005", None, False, None, old_codes=True),
    # A 2005 logger that asks for answers (Flag=1: version bits 0, A=1); the platform
    # answers in the 2005 form with the QN inside CP (hj212.md §4.2).
    "2005-ack": Protocol("2005-ack", 1, True, 0, qn_in_cp=True, old_codes=True),
}


def data_time(epoch: int) -> str:
    """UTC seconds → ``YYYYMMDDhhmmss`` in China time (HJ 212 N14)."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(epoch + _CHINA))


def frame(segment: bytes, *, bad_crc: bool = False) -> bytes:
    """``##LLLL`` + segment + CRC + CR LF; ``bad_crc`` flips the CRC's lowest bit."""
    crc = hj212_crc16(segment) ^ (1 if bad_crc else 0)
    return b"##%04d%b%04X\r\n" % (len(segment), segment, crc)


class QnClock:
    """Request numbers ``YYYYMMDDhhmmsszzz`` from the wall clock in China time (2017
    Table 3), strictly increasing per device so every packet has its own QN."""

    __slots__ = ("_prefix", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._prefix = ""

    def next(self, last_ms: int) -> tuple[str, int]:
        """The next QN after ``last_ms`` (the device's previous QN, ms since the epoch)."""
        ms = int(time.time() * 1000.0)
        if ms <= last_ms:
            ms = last_ms + 1
        second, milli = divmod(ms, 1000)
        if second != self._second:
            self._second = second
            self._prefix = data_time(second)
        return f"{self._prefix}{milli:03d}", ms


class Timeline:
    """A device's upload schedule in data time: a real-time sample every ``rtd_interval``
    seconds, and after each minute-interval / hour / China-midnight boundary the 2051 /
    2061 / 2031 upload for the period that just ended (DataTime = the period's start,
    2017 Table 4)."""

    __slots__ = ("minute", "rtd", "t", "uploads")

    def __init__(self, start: int, rtd_interval: int, min_interval: int, uploads: frozenset[str]):
        self.t = start
        self.rtd = rtd_interval
        self.minute = min_interval * 60
        self.uploads = uploads

    def step(self) -> list[tuple[str, int]]:
        """Advance one sample; return ``(cn, data time)`` of the uploads now due."""
        prev = self.t
        now = self.t = prev + self.rtd
        due: list[tuple[str, int]] = []
        uploads = self.uploads
        if REALTIME in uploads:
            due.append((REALTIME, now))
        if MINUTE in uploads and now // self.minute != prev // self.minute:
            due.append((MINUTE, (now // self.minute - 1) * self.minute))
        if HOURLY in uploads and now // 3600 != prev // 3600:
            due.append((HOURLY, (now // 3600 - 1) * 3600))
        if DAILY in uploads and (now + _CHINA) // 86400 != (prev + _CHINA) // 86400:
            due.append((DAILY, ((now + _CHINA) // 86400 - 1) * 86400 - _CHINA))
        return due


class PacketFactory:
    """Data segments for one device; QN and data time are filled in per packet."""

    __slots__ = (
        "_any_zs",
        "_cou",
        "_decimals",
        "_extra",
        "_flow",
        "_heads",
        "_oversize",
        "_rtd",
        "_signals",
        "_wire",
        "minute_seconds",
        "protocol",
    )

    def __init__(
        self,
        spec: DeviceSpec,
        protocol: Protocol,
        signals: DeviceSignals,
        *,
        min_interval: int = 10,
        oversize: int = 0,
    ) -> None:
        self.protocol = protocol
        self._signals = signals
        self.minute_seconds = min_interval * 60
        codes = spec.factors
        if protocol.old_codes:  # 2005 loggers send the old codes (hj212.md §7.1)
            codes = tuple(_old_code(code) for code in codes)
        self._wire = codes
        flag = "" if protocol.flag is None else f"Flag={protocol.flag};"
        self._heads = {
            cn: f"ST={spec.st};CN={cn};PW={spec.password};MN={spec.mn};{flag}CP=&&DataTime="
            for cn in UPLOADS
        }
        self._decimals = signals.decimals()
        self._rtd = [
            (
                f"{c}-Rtd=%.{d}f,{c}-ZsRtd=%.{d}f,{c}-Flag=N"
                if zs
                else f"{c}-Rtd=%.{d}f,{c}-Flag=N",
                zs,
            )
            for c, d, zs in zip(codes, self._decimals, signals.zs, strict=True)
        ]
        self._any_zs = any(signals.zs)
        self._flow = next((i for i, f in enumerate(signals.flows()) if f), -1)
        self._cou = [_has_amount(code) and self._flow >= 0 for code in spec.factors]
        self._oversize = oversize
        self._extra = _padding(oversize) if oversize else []

    def segment(self, cn: str, epoch: int, qn: str | None) -> bytes:
        """The data segment of upload ``cn`` for data time ``epoch``."""
        body = self._realtime(epoch) if cn == REALTIME else self._period(cn, epoch)
        head = self._heads[cn]
        text = f"{head}{data_time(epoch)};{body}&&"
        if qn is not None and self.protocol.qn:
            text = f"QN={qn};{text}"
        if self._extra and cn == REALTIME:
            text = _pad(text, self._extra, self._oversize)
        return text.encode()

    def _realtime(self, epoch: int) -> str:
        values = self._signals.values(epoch)
        if self._any_zs:
            converted = self._signals.converted(values)
            return ";".join(
                fmt % ((v, z) if zs else v)
                for (fmt, zs), v, z in zip(self._rtd, values, converted, strict=True)
            )
        return ";".join(fmt % v for (fmt, _), v in zip(self._rtd, values, strict=True))

    def _period(self, cn: str, epoch: int) -> str:
        seconds = {MINUTE: self.minute_seconds, HOURLY: 3600, DAILY: 86400}[cn]
        lows, avgs, highs = self._signals.period(epoch + seconds // 2)
        zs_lows, zs_avgs, zs_highs = (self._signals.converted(v, avgs) for v in (lows, avgs, highs))
        volume = 0.0
        if self._flow >= 0:
            per_second = avgs[self._flow]
            # Water flow is in L/s, flue-gas flow in m³/s; Cou of a flow is a volume in m³.
            volume = per_second * seconds / (1000.0 if self._wire[self._flow] in _LITRES else 1.0)
        groups: list[str] = []
        for i, code in enumerate(self._wire):
            d = self._decimals[i]
            parts: list[str] = []
            if self._cou[i]:
                amount = volume if i == self._flow else avgs[i] * volume * self._per_kg(i)
                parts.append(f"{code}-Cou={amount:.{d}f}")
            parts.append(f"{code}-Min={lows[i]:.{d}f},{code}-Avg={avgs[i]:.{d}f}")
            parts.append(f"{code}-Max={highs[i]:.{d}f}")
            if self._signals.zs[i]:
                parts.append(
                    f"{code}-ZsMin={zs_lows[i]:.{d}f},{code}-ZsAvg={zs_avgs[i]:.{d}f},"
                    f"{code}-ZsMax={zs_highs[i]:.{d}f}"
                )
            parts.append(f"{code}-Flag=N")
            groups.append(",".join(parts))
        return ";".join(groups)

    def _per_kg(self, index: int) -> float:
        # mg/L × m³ = g (× 1e-3 kg); mg/m³ × m³ = mg (× 1e-6 kg)
        return 1e-3 if self._wire[self._flow] in _LITRES else 1e-6


_LITRES = frozenset({"w00000", "B01"})


def _old_code(code: str) -> str:
    found = factor(code)
    return found.code_2005 if found is not None and found.code_2005 else code


def _has_amount(code: str) -> bool:
    found = factor(code)
    return found is not None and bool(found.unit_amount)


def _padding(size: int) -> list[str]:
    """Extra real-time items for oversize packets of about ``size`` bytes, like the
    1025–1703-byte packets of real VOC analysers with 3-digit codes (hj212.md §8.4)."""
    rng = random.Random(size)
    groups: list[str] = []
    length = 0
    number = 100
    while length < size:
        code = f"{number:03d}" if number < 1000 else f"x{number:05d}"
        group = f";{code}-Rtd={rng.uniform(0, 500):.3f},{code}-Flag=N"
        groups.append(group)
        length += len(group)
        number += 1
    return groups


def _pad(text: str, groups: list[str], size: int) -> str:
    """Insert whole items before the closing ``&&`` until the segment reaches ``size``."""
    extra: list[str] = []
    length = len(text)
    for group in groups:
        if length >= size:
            break
        extra.append(group)
        length += len(group)
    return f"{text[:-2]}{''.join(extra)}&&"
