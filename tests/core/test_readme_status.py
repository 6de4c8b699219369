"""The README's status table says what works and what is planned: it must stay true.

Each row names its apps in backticks. A row marked works names packages that exist in
``src/qingshan``; a row marked planned names apps not installed yet. Adding the ``credit``
app without moving its row to "works" fails here, and so does a "works" row for an app
that is gone.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "qingshan"
WORKS, PLANNED = "✅", "🕓"


def _status_rows() -> list[tuple[str, list[str]]]:
    rows = []
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and (WORKS in line or PLANNED in line):
            status = WORKS if WORKS in line else PLANNED
            rows.append((status, re.findall(r"`([a-z0-9_]+)`", line)))
    return rows


def _installed() -> set[str]:
    return {
        app.removeprefix("qingshan.")
        for app in settings.INSTALLED_APPS
        if app.startswith("qingshan.")
    }


def test_the_readme_has_a_status_table_with_both_kinds_of_row():
    statuses = {status for status, _ in _status_rows()}
    assert statuses == {WORKS, PLANNED}


def test_every_working_capability_names_a_package_that_exists():
    for status, apps in _status_rows():
        if status == WORKS:
            for app in apps:
                assert (PACKAGE / app / "__init__.py").is_file(), f"README says `{app}` works"


def test_no_planned_capability_is_installed_already():
    installed = _installed()
    for status, apps in _status_rows():
        if status == PLANNED:
            landed = installed.intersection(apps)
            assert not landed, f"README still says {sorted(landed)} is planned: move the row"
