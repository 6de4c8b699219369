"""One colour vocabulary for every status (issue 18, item 6): each coloured choice set names
real values, and each colour draws the same in a badge and on a map."""

from __future__ import annotations

import re
from pathlib import Path

from django.template import Context, Template

from qingshan.core.choices import Colour, ColouredChoices
from qingshan.exchange.choices import ImportStatus
from qingshan.monitoring.choices import AlarmKind, PointStatus, Severity
from qingshan.permits.choices import PermitStatus
from qingshan.supervision.choices import CaseSeverity, CaseState

CSS = Path(__file__).resolve().parents[2] / "src/qingshan/web/static/web/qingshan.css"
BOOTSTRAP = {"danger", "warning", "success", "primary", "info", "secondary"}
SETS = (AlarmKind, Severity, PointStatus, CaseState, CaseSeverity, PermitStatus, ImportStatus)


def test_every_coloured_set_colours_only_its_own_values() -> None:
    for choices in SETS:
        assert issubclass(choices, ColouredChoices), choices
        colours = choices.COLOURS  # type: ignore[attr-defined]
        assert set(colours) <= set(choices.values), choices  # a typo would be grey forever
        assert all(isinstance(c, Colour) for c in colours.values())


def test_each_colour_has_a_badge_class() -> None:
    css = CSS.read_text(encoding="utf-8")
    for colour in Colour:
        assert re.fullmatch(r"#[0-9a-f]{6}", colour.hex), colour
        if colour.bootstrap not in BOOTSTRAP:
            assert f".text-bg-{colour.bootstrap} " in css, colour


def test_a_state_is_the_same_colour_in_a_badge_and_on_the_map() -> None:
    assert PointStatus.colour("exceeding") is Severity.colour("critical") is Colour.RED
    assert Colour.RED.hex == "#dc3545" and str(Colour.RED) == "danger"
    assert PointStatus.colour("fault") is Colour.PURPLE
    assert (
        CaseState.colour("closed") is Colour.GREEN and PermitStatus.colour("revoked") is Colour.RED
    )
    assert Severity.colour("warning") is Colour.GREY  # the lowest level is left out: grey
    assert PointStatus.colour("no-such-state") is Colour.GREY


def test_a_template_writes_the_bootstrap_name() -> None:
    class Row:
        def get_severity_colour(self) -> Colour:
            return Severity.colour("major")

    html = Template('<span class="badge text-bg-{{ row.get_severity_colour }}">').render(
        Context({"row": Row()})
    )
    assert html == '<span class="badge text-bg-warning">'
