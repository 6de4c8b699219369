"""Reassembly of split messages (拆分包: Flag bit D, ``PNUM``/``PNO``).

Each piece is a complete packet with its own QN and its own ``CP=&&…&&`` (2017 Appendix C
tables C.47–C.50), so pieces are joined by concatenating their CP groups in PNO order
(hj212.md §2.2). Pieces are matched by (MN, CN, ST, DataTime, PNUM): the QN changes from
piece to piece. The table is bounded and pieces expire; the caller supplies ``now`` (any
monotonic number of seconds), since this package has no clock.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace

from .packet import CP, FLAG_SPLIT, Packet, split_key

__all__ = ["PartialMessage", "Reassembler"]

_Key = tuple[str | None, str | None, str | None, str | None, int]


@dataclass(slots=True)
class PartialMessage:
    """Pieces of one split message received so far."""

    key: _Key
    pnum: int
    first_seen: float
    pieces: dict[int, Packet] = field(default_factory=dict)

    @property
    def missing(self) -> list[int]:
        """Piece numbers (PNO) not yet received."""
        return [n for n in range(1, self.pnum + 1) if n not in self.pieces]


class Reassembler:
    """Collects split pieces until a message is complete.

    ``add(packet, now)`` returns the whole message once its last piece arrives (a packet
    that is not split comes straight back), otherwise ``None``. Messages older than
    ``timeout`` seconds, and the oldest ones when more than ``max_messages`` are open,
    are dropped; ``expire(now)`` returns them so the caller can log the loss.
    """

    def __init__(self, *, timeout: float = 600.0, max_messages: int = 256) -> None:
        if timeout <= 0 or max_messages < 1:
            raise ValueError("timeout must be positive and max_messages at least 1")
        self.timeout = timeout
        self.max_messages = max_messages
        self._open: OrderedDict[_Key, PartialMessage] = OrderedDict()
        self._dropped: list[PartialMessage] = []

    def __len__(self) -> int:
        return len(self._open)

    def add(self, packet: Packet, now: float) -> Packet | None:
        """Take one packet; return a complete message when there is one."""
        pnum, pno = packet.pnum, packet.pno
        if pnum is None or pno is None or not 1 <= pno <= pnum:
            return packet  # not split, or numbered nonsensically: pass it on as it is
        if pnum == 1:
            return _merge([packet])
        self._expire(now)
        key = (packet.mn, packet.cn, packet.st, packet.cp.get("DataTime"), pnum)
        partial = self._open.get(key)
        if partial is None:
            partial = self._open[key] = PartialMessage(key, pnum, now)
            while len(self._open) > self.max_messages:
                self._dropped.append(self._open.popitem(last=False)[1])
        partial.pieces[pno] = packet  # a retransmitted piece replaces the earlier copy
        if len(partial.pieces) < pnum:
            return None
        del self._open[key]
        return _merge([partial.pieces[n] for n in range(1, pnum + 1)])

    def expire(self, now: float) -> list[PartialMessage]:
        """Drop messages older than the timeout; return them and any evicted for space."""
        self._expire(now)
        dropped, self._dropped = self._dropped, []
        return dropped

    def _expire(self, now: float) -> None:
        for key in [k for k, p in self._open.items() if now - p.first_seen > self.timeout]:
            self._dropped.append(self._open.pop(key))


def _merge(pieces: list[Packet]) -> Packet:
    """One packet with the header of the first piece and the CP groups of all of them.
    Top-level items repeated in every piece (``DataTime``) are kept once."""
    seen: set[tuple[str, str]] = set()
    groups: list[list[tuple[str, str]]] = []
    for piece in pieces:
        for group in piece.cp.groups:
            if len(group) == 1 and split_key(group[0][0])[0] is None:
                if group[0] in seen:
                    continue
                seen.add(group[0])
            groups.append(group)
    first = pieces[0]
    flag = None if first.flag is None else first.flag & ~FLAG_SPLIT
    return replace(first, flag=flag, pnum=None, pno=None, cp=CP(groups))
