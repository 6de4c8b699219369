"""Helpers for the HJ 212 codec tests: the public sample corpus from the shared folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def shared_dir() -> Path:
    """``$QINGSHAN_SHARED_DIR``, else ``<repo>/../shared``."""
    override = os.environ.get("QINGSHAN_SHARED_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[3] / "shared"


@dataclass(frozen=True)
class Sample:
    """One message of hj212_public_samples.txt with its listed verdict."""

    line_no: int
    text: str
    verdict: str
    note: str

    @property
    def frame(self) -> bytes:
        # The file drops the trailing CR LF of each message (see its header).
        return self.text.encode("utf-8") + b"\r\n"


def load_samples() -> list[Sample]:
    path = shared_dir() / "testdata" / "hj212_public_samples.txt"
    samples: list[Sample] = []
    verdict = note = ""
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if line.startswith("# verdict:"):
            verdict = line.split(":", 1)[1].strip()
        elif line.startswith("# check:"):
            note = line
        elif line.startswith("##"):
            samples.append(Sample(number, line, verdict, note))
            verdict = note = ""
    return samples
