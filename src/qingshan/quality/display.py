"""How results look on a page or in a CSV: AQI bands and colours, water classes, times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language

from qingshan.core.chinatime import CHINA_TZ
from qingshan.core.spreadsheet import SafeCsvWriter
from qingshan.quality.standards import aqi_standard_by_code, aqi_standard_for
from qingshan.quality.water_standards import GB3838_2002, METHOD_2011, WaterClass

SLOT_LABELS = {
    "SO2": "SO₂",
    "NO2": "NO₂",
    "PM10": "PM₁₀",
    "CO": "CO",
    "O3": "O₃",
    "O3_8h": "O₃-8h",
    "PM2.5": "PM₂.₅",
}
ROMAN = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ", 5: "Ⅴ", 6: "劣Ⅴ"}


def english() -> bool:
    return (get_language() or "").startswith("en")


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _ink(rgb: tuple[int, int, int]) -> str:
    """Black on light colours (yellow, green), white on dark ones (purple, maroon)."""
    r, g, b = rgb
    return "#000" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "#fff"


def aqi_band(
    aqi: int | None, standard_code: str = "", when: dt.date | None = None
) -> dict[str, Any]:
    """Level, category, colours and advice of an AQI (HJ 633 Table 2, Appendix A)."""
    if aqi is None:
        return {"aqi": None, "colour": "#adb5bd", "ink": "#000", "category": "—", "level": 0}
    standard = (
        aqi_standard_by_code(standard_code)
        if standard_code
        else aqi_standard_for(when or timezone.localdate())
    )
    band = standard.band(aqi)
    en = english()
    level = 1 + [b.level for b in standard.bands].index(band.level)
    return {
        "aqi": aqi,
        "level": level,
        "level_name": band.level_en if en else band.level,
        "category": band.category_en if en else band.category,
        "colour": _hex(band.rgb),
        "ink": _ink(band.rgb),
        "advice": band.advice_en if en else band.advice,
        "health_effect": band.health_effect_en if en else band.health_effect,
    }


def pollutant_names(joined: str) -> str:
    """``PM2.5,O3`` → ``PM₂.₅、O₃`` (what a bulletin prints)."""
    if not joined:
        return "—"
    sep = ", " if english() else "、"
    return sep.join(SLOT_LABELS.get(p, p) for p in joined.split(","))


def water_class(value: int | None) -> dict[str, Any]:
    if value is None:
        return {"label": "—", "colour": "#adb5bd", "ink": "#000", "status": "—", "value": None}
    status = METHOD_2011.section_status[WaterClass(value)]
    label = ROMAN[value]
    if english() and value == 6:
        label = "worse than Ⅴ"
    return {
        "value": value,
        "label": label,
        "colour": _hex(status.rgb),
        "ink": _ink(status.rgb),
        "status": status.word_en if english() else status.word,
    }


def main_pollutant_words(stored: str) -> str:
    """``cod(0.55);nh3n(0.43)`` as a reader says it: 化学需氧量（0.55）、氨氮（0.43）.

    The stored form (and the CSV) keeps the indicator codes of GB 3838; the page names
    the indicators, with the multiple of the class Ⅲ limit in brackets.
    """
    names = {i.code: (i.name_en if english() else i.name_zh) for i in GB3838_2002.items}
    words = []
    for part in filter(None, stored.split(";")):
        code, _sep, rest = part.partition("(")
        name = names.get(code, code)
        words.append(f"{name}（{rest.rstrip(')')}）" if rest else name)
    return "、".join(words)


def hour_label(data_time: dt.datetime) -> dt.datetime:
    """The bulletin's label of an hour (its end), in China time."""
    return (data_time + dt.timedelta(hours=1)).astimezone(CHINA_TZ)


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A CSV download in UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = SafeCsvWriter(response)  # a station's name never becomes a formula (OWASP)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return response
