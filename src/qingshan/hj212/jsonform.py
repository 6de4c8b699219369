"""The JSON form of frames used by the command-line tools, one object per frame:

``{"offset", "ok", "error", "message", "warnings", "version", "qn", "st", "cn", "pw", "mn",
"flag", "pnum", "pno", "ack_required", "cp"}`` where ``cp`` holds the top-level CP items
(``DataTime``, ``QnRtn`` …) as strings, in the case sent, and ``"factors"``: every
``code-Field`` pair grouped by code, ``{"w01018": {"Rtd": "2.2", "Flag": "N"}}``.
"""

from __future__ import annotations

from typing import Any

from .events import Event
from .packet import CP, Packet, split_key

__all__ = ["cp_to_dict", "event_to_dict", "packet_from_dict"]

_TEXT_FIELDS = ("qn", "st", "cn", "pw", "mn")
_INT_FIELDS = ("flag", "pnum", "pno")


def cp_to_dict(cp: CP) -> dict[str, Any]:
    """``{top-level item: value, …, "factors": {code: {field: value}}}``."""
    top: dict[str, Any] = {}
    factors: dict[str, dict[str, str]] = {}
    for key, value in cp.pairs():
        code, name = split_key(key)
        if code is None:
            top[key] = value
        else:
            factors.setdefault(code, {})[name] = value
    top["factors"] = factors
    return top


def event_to_dict(event: Event) -> dict[str, Any]:
    """JSON-ready view of a frame event; a bad frame reports what could be read."""
    packet = event.packet
    record: dict[str, Any] = {
        "offset": event.offset,
        "ok": event.ok,
        "error": None if event.error is None else str(event.error),
        "message": getattr(event, "message", None),
        "warnings": [str(w) for w in event.warnings],
    }
    if packet is None:
        record.update(dict.fromkeys(("version", *_TEXT_FIELDS, *_INT_FIELDS)))
        record.update(ack_required=None, cp=None)
        return record
    version = packet.version
    record["version"] = None if version is None else str(version)
    record.update({name: getattr(packet, name) for name in (*_TEXT_FIELDS, *_INT_FIELDS)})
    record["ack_required"] = packet.ack_required
    record["cp"] = cp_to_dict(packet.cp)
    return record


def packet_from_dict(record: dict[str, Any]) -> Packet:
    """Build a packet from the JSON form (extra keys such as ``offset`` are ignored).
    ``flag`` is taken as given: ``version``/``ack_required`` do not change it.
    Raises ``ValueError`` with a readable message on malformed input."""
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    packet = Packet()
    for name in _TEXT_FIELDS:
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f'"{name}" must be a string or null')
        setattr(packet, name, value)
    for name in _INT_FIELDS:
        value = record.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(f'"{name}" must be an integer or null')
        setattr(packet, name, value)
    packet.cp = _cp_from_dict(record.get("cp"))
    return packet


def _cp_from_dict(value: Any) -> CP:
    if value is None:
        return CP()
    if not isinstance(value, dict):
        raise ValueError('"cp" must be an object')
    items = {k: v for k, v in value.items() if k != "factors"}
    factors = value.get("factors", {})
    if not all(isinstance(v, str) for v in items.values()):
        raise ValueError('values in "cp" must be strings')
    if not isinstance(factors, dict):
        raise ValueError('"cp.factors" must be an object')
    for code, fields in factors.items():
        if not code or "-" in code:
            raise ValueError(f"factor code {code!r} must be non-empty and contain no '-'")
        if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
            raise ValueError(f'"cp.factors.{code}" must map field names to strings')
    return CP.from_dict(items, factors)
