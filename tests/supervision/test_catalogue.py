"""The app's English catalogue: every message translated, and the compiled file up to date."""

from __future__ import annotations

import re
from pathlib import Path

import qingshan.supervision

LOCALE = Path(qingshan.supervision.__file__).parent / "locale" / "en" / "LC_MESSAGES"


def entries() -> list[tuple[str, str]]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    found = []
    for block in text.split("\n\n")[1:]:
        msgid = "".join(re.findall(r'^msgid "(.*)"', block, re.M))
        msgstr = "".join(re.findall(r'^msgstr "(.*)"', block, re.M))
        found.append((msgid, msgstr))
    return found


def test_every_message_is_translated() -> None:
    rows = entries()
    assert len(rows) > 150
    assert [msgid for msgid, msgstr in rows if not msgstr] == []
    assert "#, fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")


def test_compiled_catalogue_ships() -> None:
    assert (LOCALE / "django.mo").stat().st_size > 1000
