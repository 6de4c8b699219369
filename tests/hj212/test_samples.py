"""Every message of the public sample corpus gets its listed verdict (hj212.md §12)."""

from __future__ import annotations

import pytest

from qingshan.hj212 import decode_frame, decode_stream, hj212_crc16

from .helpers import Sample, load_samples

SAMPLES = load_samples()


def _id(sample: Sample) -> str:
    return f"line{sample.line_no}-{sample.text[2:6]}-{sample.text[-4:]}"


# The file's verdicts check only length and CRC (see its header). This message also has a
# 1703-byte data segment, over the 1024 bytes HJ 212-2017 §6.3.1 allows: strict mode
# rejects it as too-long, lenient mode accepts it with the "oversize" warning.
STRICT_OVERRIDES = {("1703", "3B80"): "too-long"}

# Real-device deviations lenient mode accepts, with the warnings it must report.
LENIENT_ACCEPTS = {
    ("0868", "A6EC"): ["crc-modbus-swapped"],
    ("1025", "7865"): ["crc-modbus-swapped", "oversize"],
    ("1623", "0681"): ["crc-modbus-swapped", "oversize"],
    ("0137", "ED94"): ["crc-modbus"],
    ("1703", "3B80"): ["oversize"],
}


def _key(sample: Sample) -> tuple[str, str]:
    return sample.text[2:6], sample.text[-4:]


def test_corpus_is_complete() -> None:
    verdicts = [s.verdict for s in SAMPLES]
    assert len(SAMPLES) == 55
    assert (verdicts.count("ok"), verdicts.count("bad-crc"), verdicts.count("bad-length")) == (
        40,
        11,
        4,
    )


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_strict_verdict(sample: Sample) -> None:
    event = decode_frame(sample.frame)
    expected = STRICT_OVERRIDES.get(_key(sample), sample.verdict)
    assert ("ok" if event.ok else str(event.error)) == expected
    assert event.offset == 0
    assert event.raw == sample.frame


@pytest.mark.parametrize("sample", SAMPLES, ids=_id)
def test_lenient_verdict(sample: Sample) -> None:
    event = decode_frame(sample.frame, lenient=True)
    warnings = LENIENT_ACCEPTS.get(_key(sample))
    if warnings is not None:
        assert event.ok
        assert [str(w) for w in event.warnings] == warnings
    elif sample.verdict == "ok":
        assert event.ok
        assert event.warnings == ()
    else:
        assert str(event.error) == sample.verdict


STRICT_OK = [s for s in SAMPLES if STRICT_OVERRIDES.get(_key(s), s.verdict) == "ok"]


@pytest.mark.parametrize("sample", STRICT_OK, ids=_id)
def test_ok_frames_have_a_readable_packet(sample: Sample) -> None:
    event = decode_frame(sample.frame)
    assert event.ok
    packet = event.packet
    assert packet.cn is not None and packet.st is not None
    # Re-encoding the exact segment gives back the exact frame.
    segment = sample.frame[6:-6]
    assert f"{hj212_crc16(segment):04X}" == sample.text[-4:].upper()


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.verdict != "ok"], ids=_id)
def test_bad_frames_still_report_what_was_read(sample: Sample) -> None:
    event = decode_frame(sample.frame)
    assert not event.ok
    assert event.message
    # Whatever still has the CP=&&…&& structure is parsed for the report.
    readable = "CP=&&" in sample.text and sample.text.count("&&") >= 2
    assert (event.packet is not None) == readable


def test_whole_corpus_as_one_stream(corpus: bytes) -> None:
    events = decode_stream(corpus)
    assert [("ok" if e.ok else str(e.error)) for e in events] == [
        STRICT_OVERRIDES.get(_key(s), s.verdict) for s in SAMPLES
    ]
    offsets = []
    position = 0
    for sample in SAMPLES:
        offsets.append(position)
        position += len(sample.frame)
    assert [e.offset for e in events] == offsets
