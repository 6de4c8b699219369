"""The data segment (数据段) of an HJ 212 packet: header items and the CP data area.

Layout (HJ 212-2017 §6.3.2, Table 3; HJ/T 212-2005 the same):
``QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;PNUM=…;PNO=…;CP=&&data-area&&``. Devices send the
items in any order and leave optional ones out (hj212.md §8.4), so items are read by name.
Inside CP (2017 §6.3.3): ``;`` separates items (groups), ``,`` separates values of one item,
``=`` joins a name and its value, and log texts are wrapped in ``//…//`` and may contain any
separator (hj212.md §2.3). Every value is kept as the exact string sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from .values import parse_decimal, parse_time

__all__ = [
    "CP",
    "Packet",
    "SegmentError",
    "Version",
    "parse_segment",
    "split_key",
]


class Version(StrEnum):
    """Protocol edition, from the version bits V5..V0 of Flag (2017 Table 3)."""

    V2005 = "2005"
    V2017 = "2017"
    #: Version bits 000010. HJ 212-2025 per hj212.md §10; the same bits are also used by a
    #: surface-water variant of 2017 (§2.1), which this codec cannot tell apart.
    V2025 = "2025"

    @property
    def bits(self) -> int:
        """The 6-bit version number carried in Flag bits 7..2."""
        return _BITS_BY_VERSION[self]


_BITS_BY_VERSION = {Version.V2005: 0, Version.V2017: 1, Version.V2025: 2}
_VERSION_BY_BITS = {bits: version for version, bits in _BITS_BY_VERSION.items()}

FLAG_ACK = 0x01  # bit 0 "A": the receiver must answer (2017 Table 3)
FLAG_SPLIT = 0x02  # bit 1 "D": packet carries PNUM/PNO


class SegmentError(ValueError):
    """The data segment does not have the HJ 212 structure."""


def split_key(key: str) -> tuple[str | None, str]:
    """``"w01018-Rtd"`` → ``("w01018", "Rtd")``; ``"DataTime"`` → ``(None, "DataTime")``.

    Split at the first ``-``: factor codes never contain one, values may (hj212.md §2.3).
    """
    cut = key.find("-")
    if cut <= 0:
        return None, key
    return key[:cut], key[cut + 1 :]


@dataclass(slots=True)
class CP:
    """The CP data area: groups (``;``) of ``name=value`` pairs (``,``), strings as sent."""

    groups: list[list[tuple[str, str]]] = field(default_factory=list)

    @classmethod
    def from_dict(
        cls,
        items: Mapping[str, str] | None = None,
        factors: Mapping[str, Mapping[str, str]] | None = None,
    ) -> CP:
        """Build a data area: each top-level item its own group, each factor one group."""
        groups = [[(key, value)] for key, value in (items or {}).items()]
        for code, fields in (factors or {}).items():
            if fields:
                groups.append([(f"{code}-{name}", value) for name, value in fields.items()])
        return cls(groups)

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Every ``(name, value)`` pair in the order sent."""
        for group in self.groups:
            yield from group

    def as_dict(self) -> dict[str, str]:
        """Flat view ``{name: value}``; a name sent twice keeps its last value."""
        return dict(self.pairs())

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value sent for ``key`` (``"DataTime"``, ``"w01018-Rtd"``), or ``default``."""
        found = default
        for name, value in self.pairs():
            if name == key:
                found = value
        return found

    def top_level(self) -> dict[str, str]:
        """Items that do not belong to a factor (``DataTime``, ``QnRtn``, ``PolId`` …)."""
        return {k: v for k, v in self.pairs() if split_key(k)[0] is None}

    def factors(self) -> dict[str, dict[str, str]]:
        """``{code: {field: value}}`` for every ``code-Field`` pair, grouped by code."""
        result: dict[str, dict[str, str]] = {}
        for key, value in self.pairs():
            code, name = split_key(key)
            if code is not None:
                result.setdefault(code, {})[name] = value
        return result

    def factor(self, code: str) -> dict[str, str]:
        """``{field: value}`` of one factor (empty when the factor was not sent)."""
        return self.factors().get(code, {})

    def decimal(self, key: str) -> Decimal | None:
        """Value of ``key`` as a Decimal (``None`` if missing or not a number)."""
        return parse_decimal(self.get(key))

    def time(self, key: str) -> datetime | None:
        """Value of ``key`` as an aware datetime in China time (``None`` if not a time)."""
        return parse_time(self.get(key))

    def to_text(self) -> str:
        """The data area as it goes between ``CP=&&`` and ``&&``."""
        return ";".join(",".join(f"{k}={v}" for k, v in group) for group in self.groups)


@dataclass(slots=True)
class Packet:
    """One HJ 212 message: the header items and the CP data area, as sent.

    ``flag``, ``pnum`` and ``pno`` are integers; everything else is the exact text.
    Items that are absent are ``None``; unknown header items are kept in ``extra``.
    """

    st: str | None = None
    cn: str | None = None
    pw: str | None = None
    mn: str | None = None
    qn: str | None = None
    flag: int | None = None
    pnum: int | None = None
    pno: int | None = None
    cp: CP = field(default_factory=CP)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def version_bits(self) -> int:
        """Flag bits 7..2; a packet without Flag counts as 0 = 2005 (hj212.md §2.1)."""
        return (self.flag or 0) >> 2

    @property
    def version(self) -> Version | None:
        """The edition from the version bits, ``None`` for bit patterns no edition uses."""
        return _VERSION_BY_BITS.get(self.version_bits)

    @property
    def ack_required(self) -> bool:
        """Flag bit A: the receiver must answer this packet."""
        return bool((self.flag or 0) & FLAG_ACK)

    @property
    def is_split(self) -> bool:
        """Flag bit D: one piece of a split message (carries PNUM/PNO)."""
        return bool((self.flag or 0) & FLAG_SPLIT)

    @property
    def data_time(self) -> datetime | None:
        """CP ``DataTime`` as an aware datetime in China time."""
        return self.cp.time("DataTime")

    def header_items(self) -> list[tuple[str, str]]:
        """Header items in the canonical order of 2017 Table 3, absent ones left out."""
        items = [
            ("QN", self.qn),
            ("ST", self.st),
            ("CN", self.cn),
            ("PW", self.pw),
            ("MN", self.mn),
            ("Flag", None if self.flag is None else str(self.flag)),
            ("PNUM", None if self.pnum is None else str(self.pnum)),
            ("PNO", None if self.pno is None else str(self.pno)),
        ]
        present = [(name, value) for name, value in items if value is not None]
        return present + list(self.extra.items())

    def to_segment(self) -> str:
        """The data segment text (canonical order), without framing."""
        head = "".join(f"{name}={value};" for name, value in self.header_items())
        return f"{head}CP=&&{self.cp.to_text()}&&"


def _to_int(name: str, text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise SegmentError(f"{name}={text!r} is not a decimal number")
    return int(text)


def parse_segment(text: str, *, strict: bool = False) -> Packet:
    """Parse a data segment. Raises :class:`SegmentError` when it cannot be read.

    Lenient parsing (the default) skips empty items and keeps a CP name sent without
    ``=`` as an empty value; ``strict`` rejects both, text after the closing ``&&``,
    a missing ST/CN/PW/MN and a split packet without a valid PNUM/PNO.
    """
    start = text.find("CP=&&")
    if start < 0:
        raise SegmentError("no 'CP=&&' in the data segment")
    end = text.rfind("&&")
    if end < start + 5:
        raise SegmentError("'CP=&&' is not closed by '&&'")
    head, tail = text[:start], text[end + 2 :]
    fields = _parse_header(head, tail, strict)
    pop = fields.pop
    packet = Packet(
        pop("ST", None),
        pop("CN", None),
        pop("PW", None),
        pop("MN", None),
        pop("QN", None),
        None,
        None,
        None,
        CP(_parse_cp(text[start + 5 : end], strict)),
    )
    if fields:
        flag, pnum, pno = pop("Flag", None), pop("PNUM", None), pop("PNO", None)
        if flag is not None:
            packet.flag = _to_int("Flag", flag)
        if pnum is not None:
            packet.pnum = _to_int("PNUM", pnum)
        if pno is not None:
            packet.pno = _to_int("PNO", pno)
        packet.extra = fields
    if strict:
        _check_strict(packet)
    return packet


def _parse_header(head: str, tail: str, strict: bool) -> dict[str, str]:
    if strict and (tail or (head and head[-1] != ";")):
        what = (
            f"text after the closing '&&' of CP: {tail[:40]!r}"
            if tail
            else ("header item before CP is not terminated by ';'")
        )
        raise SegmentError(what)
    items = head.split(";")
    if tail:
        # Some serialisers put Flag after CP (xiaoyao9184 issue #24, hj212.md §8.4).
        items += tail.split(";")
    fields: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if sep and name:
            fields[name] = value
        elif item and strict:
            raise SegmentError(f"header item {item[:40]!r} is not 'Name=value'")
    if strict and "" in items[:-1]:
        raise SegmentError("empty header item (';;')")
    return fields


def _check_strict(packet: Packet) -> None:
    if packet.st is None or packet.cn is None or packet.pw is None or packet.mn is None:
        named = (("ST", packet.st), ("CN", packet.cn), ("PW", packet.pw), ("MN", packet.mn))
        missing = ", ".join(name for name, value in named if value is None)
        raise SegmentError(f"required item(s) missing: {missing}")
    if packet.flag is not None and packet.flag > 255:
        raise SegmentError(f"Flag={packet.flag} does not fit in 8 bits")
    if packet.is_split and not (
        packet.pnum is not None and packet.pno is not None and 1 <= packet.pno <= packet.pnum
    ):
        raise SegmentError("Flag has the D bit but PNUM/PNO are missing or out of range")


# A pair inside CP when log texts are present: name, optional "=value" where a value that
# starts with "//" runs to the first "//" followed by a separator or the end (2017 §6.3.3
# wraps logs in "//"; the text may hold ";", "," and "="), then the separator.
_PAIR = re.compile(r"([^=;,]*)(=(?://.*?//(?=[;,]|\Z)|[^;,]*))?([;,]|\Z)", re.S)


def _parse_cp(body: str, strict: bool) -> list[list[tuple[str, str]]]:
    if not body:
        return []
    if "//" in body:
        return _parse_cp_slow(body, strict)
    # Names are stripped (the standard's own Table C.25 sends "; LA-Rtd"); skip that work
    # for the usual body without any whitespace.
    spaced = " " in body or not body.isprintable()  # other whitespace is not printable
    groups: list[list[tuple[str, str]]] = []
    for chunk in body.split(";"):
        pairs: list[tuple[str, str]] = []
        for pair in chunk.split(","):
            key, sep, value = pair.partition("=")
            if not sep:
                _bare(pair, pairs, strict)
            else:
                pairs.append((key.strip() if spaced else key, value))
        if pairs:
            groups.append(pairs)
    return groups


def _bare(pair: str, pairs: list[tuple[str, str]], strict: bool) -> None:
    """A CP entry without ``=``: an error when strict, else kept with an empty value."""
    if strict:
        raise SegmentError(f"CP entry {pair[:40]!r} is not 'name=value'")
    if pair.strip():
        pairs.append((pair.strip(), ""))


def _parse_cp_slow(body: str, strict: bool) -> list[list[tuple[str, str]]]:
    groups: list[list[tuple[str, str]]] = []
    pairs: list[tuple[str, str]] = []
    pos = 0
    while True:
        match = _PAIR.match(body, pos)
        assert match is not None  # every position matches: all parts may be empty
        key, value, sep = match.group(1, 2, 3)
        if value is None:
            _bare(key, pairs, strict)
        else:
            pairs.append((key.strip(), value[1:]))
        if sep != ",":
            if pairs:
                groups.append(pairs)
            pairs = []
        if not sep:
            return groups
        pos = match.end()
