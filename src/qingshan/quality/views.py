"""Public quality pages (no login): the air map and latest hourly reports, county rankings,
water sections, month and year reports — each also as CSV (``?format=csv``).

They show published stations and sections only (``selectors.scope_sites`` with the
anonymous user, whoever is logged in) and read results, never readings.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qingshan.core.chinatime import china_date_of_epoch
from qingshan.quality import reports, selectors
from qingshan.quality.display import (
    ROMAN,
    SLOT_LABELS,
    aqi_band,
    csv_response,
    english,
    hour_label,
    main_pollutant_words,
    pollutant_names,
    water_class,
)
from qingshan.quality.water_standards import GB3838_2002
from qingshan.web.helpers import region_labels

PUBLIC = AnonymousUser()  # public pages see what the public sees, whoever is logged in
AIR_COLUMNS = ("pm25", "pm10", "o3", "no2", "so2", "co")


# every class a section can have, Ⅰ to 劣Ⅴ: the legend names each one the map can show
WATER_CLASSES = (1, 2, 3, 4, 5, 6)


def today() -> dt.date:
    import time

    return china_date_of_epoch(int(time.time()))


# the years a report may ask for: a month at the calendar's end (9999-12) has no month
# after it to compute its last day from
REPORT_YEARS = range(2000, 2101)


def _month(text: str | None, default: dt.date) -> dt.date:
    try:
        year, month = (int(p) for p in (text or "").split("-"))
        if year in REPORT_YEARS:
            return dt.date(year, month, 1)
    except (ValueError, TypeError):
        pass
    return default.replace(day=1)


def _year(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and int(text) in REPORT_YEARS else default


def _month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _map_context() -> dict[str, Any]:
    return {
        "tile_url": settings.QINGSHAN_MAP_TILE_URL,
        "tile_attribution": settings.QINGSHAN_MAP_ATTRIBUTION,
    }


def _wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return f"{value:g}" if isinstance(value, float) else str(value)


# ── the air map and the latest hourly reports ─────────────────────────────────────


def latest_rows() -> list[dict[str, Any]]:
    stations = selectors.station_list(user=PUBLIC)
    latest = selectors.latest_hours(stations)
    regions = region_labels((s.region_code for s in stations), with_codes=False)
    rows = []
    for station in stations:
        hour = latest.get(station.pk)
        band = aqi_band(hour.aqi if hour else None, hour.standard if hour else "")
        rows.append(
            {
                "station": station,
                "region": regions.get(station.region_code, station.region_code),
                "hour": hour,
                "label": hour_label(hour.data_time) if hour else None,
                "band": band,
                "primary": pollutant_names(hour.primary_pollutants) if hour else "—",
                "values": [getattr(hour, c) if hour else None for c in AIR_COLUMNS],
            }
        )
    return rows


@require_GET
def air(request: HttpRequest) -> HttpResponse:
    rows = latest_rows()
    if _wants_csv(request):
        return csv_response(
            "air-latest.csv",
            [
                "station_code",
                "station",
                "region_code",
                "level",
                "longitude",
                "latitude",
                "time",
                "aqi",
                "category",
                "primary_pollutants",
                *AIR_COLUMNS,
                "standard",
            ],
            (
                [
                    r["station"].code,
                    r["station"].name,
                    r["station"].region_code,
                    r["station"].level,
                    r["station"].longitude,
                    r["station"].latitude,
                    r["label"].strftime("%Y-%m-%d %H:%M") if r["label"] else "",
                    r["band"]["aqi"],
                    r["band"]["category"] if r["hour"] else "",
                    r["hour"].primary_pollutants if r["hour"] else "",
                    *(_number(v) for v in r["values"]),
                    r["hour"].standard if r["hour"] else "",
                ]
                for r in rows
            ),
        )
    markers = [
        {
            "name": r["station"].name,
            "region": r["region"],
            "lat": float(r["station"].latitude),
            "lon": float(r["station"].longitude),
            "aqi": r["band"]["aqi"],
            "category": r["band"]["category"],
            "colour": r["band"]["colour"],
            "ink": r["band"]["ink"],
            "primary": r["primary"],
            "time": r["label"].strftime("%m-%d %H:%M") if r["label"] else "",
            "rank": r["band"]["level"],  # the worse the air, the higher on the map
        }
        for r in rows
    ]
    labels = [r["label"] for r in rows if r["label"]]
    context = {
        "rows": rows,
        "markers": markers,
        "latest": max(labels) if labels else None,
        "columns": [SLOT_LABELS[c] for c in ("PM2.5", "PM10", "O3", "NO2", "SO2", "CO")],
        "legend": [aqi_band(a) for a in (25, 75, 125, 175, 250, 350)],
        **_map_context(),
    }
    return render(request, "quality/public_air.html", context)


# ── county ranking ────────────────────────────────────────────────────────────────


def _period(request: HttpRequest) -> tuple[str, dt.date, dt.date, str]:
    """(kind, start, end, title) of ``?period=month&month=YYYY-MM`` or ``?period=ytd&year=``."""
    now = today()
    if request.GET.get("period") == "ytd":
        year = _year(request.GET.get("year"), now.year)
        end = min(now, dt.date(year, 12, 31))
        return "ytd", dt.date(year, 1, 1), end, _("%(year)s 年 1 月至今") % {"year": year}
    first = _month(request.GET.get("month"), now)
    end = min(_month_end(first), now) if first <= now else _month_end(first)
    title = _("%(year)s 年 %(month)s 月") % {"year": first.year, "month": first.month}
    return "month", first, end, title


def _ranking_row(area: reports.AreaPeriod, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "area": area,
        "name": labels.get(area.region_code, area.region_code),
        "stats": [area.statistics.get(p) for p in ("PM2.5", "PM10", "O3", "NO2", "SO2", "CO")],
    }


@require_GET
def ranking(request: HttpRequest) -> HttpResponse:
    kind, start, end, title = _period(request)
    counties, city = reports.county_ranking(start, end)
    labels = region_labels([c.region_code for c in counties] + [city.region_code], with_codes=False)
    rows = [_ranking_row(c, labels) for c in counties]
    if _wants_csv(request):
        return csv_response(
            f"ranking-{start:%Y%m%d}-{end:%Y%m%d}.csv",
            [
                "rank",
                "region_code",
                "region",
                "composite_index",
                "primary_pollutant",
                "good_day_ratio",
                "good_days",
                "valid_days",
                "pm25",
                "pm10",
                "o3_8h_p90",
                "no2",
                "so2",
                "co_p95",
                "start",
                "end",
            ],
            (
                [
                    r["area"].rank,
                    r["area"].region_code,
                    r["name"],
                    _number(r["area"].composite),
                    r["area"].primary_pollutant,
                    _number(r["area"].good_day_ratio.quantize(Decimal("0.1")))
                    if r["area"].good_day_ratio is not None
                    else "",
                    r["area"].good_days,
                    r["area"].valid_days,
                    *(_number(v) for v in r["stats"]),
                    start,
                    end,
                ]
                for r in [*rows, _ranking_row(city, labels)]
            ),
        )
    chart = {
        "compositeLabel": _("综合指数"),
        "goodLabel": _("优良天数比率"),
        "names": [r["name"] for r in rows],
        "composite": [float(r["area"].composite) if r["area"].composite else None for r in rows],
        "good": [
            float(r["area"].good_day_ratio) if r["area"].good_day_ratio is not None else None
            for r in rows
        ],
    }
    context = {
        "rows": rows,
        "city": _ranking_row(city, labels),
        "kind": kind,
        "start": start,
        "end": end,
        "title": title,
        "month_value": f"{start:%Y-%m}",
        "year_value": start.year,
        "chart": chart,
        "columns": ["PM₂.₅", "PM₁₀", "O₃-8h P90", "NO₂", "SO₂", "CO P95"],
    }
    return render(request, "quality/public_ranking.html", context)


# ── water sections ────────────────────────────────────────────────────────────────


@require_GET
def water(request: HttpRequest) -> HttpResponse:
    first = _month(request.GET.get("month"), today())
    end = min(_month_end(first), today())
    sections = selectors.section_list(user=PUBLIC)
    latest = selectors.latest_water_days(sections)
    periods = {p.section.pk: p for p in reports.water_period(first, end)}
    regions = region_labels((s.region_code for s in sections), with_codes=False)
    rows: list[dict[str, Any]] = []
    for section in sections:
        day = latest.get(section.pk)
        period = periods.get(section.pk)
        rows.append(
            {
                "section": section,
                "region": regions.get(section.region_code, section.region_code),
                "day": day,
                "latest": water_class(day.water_class if day else None),
                "month": water_class(period.water_class if period else None),
                "target": ROMAN[section.target_class],
                "meets": period.meets_target if period else None,
                "main": day.main_pollutants if day else "",
                "main_words": main_pollutant_words(day.main_pollutants if day else ""),
            }
        )
    shares = reports.water_shares(list(periods.values()))
    if _wants_csv(request):
        return csv_response(
            f"water-{first:%Y%m}.csv",
            [
                "section_code",
                "section",
                "water_body",
                "water_body_type",
                "region_code",
                "level",
                "longitude",
                "latitude",
                "target_class",
                "latest_day",
                "latest_class",
                "main_pollutants",
                "month",
                "month_class",
                "meets_target",
            ],
            (
                [
                    r["section"].code,
                    r["section"].name,
                    r["section"].water_body_name,
                    r["section"].water_body,
                    r["section"].region_code,
                    r["section"].level,
                    r["section"].longitude,
                    r["section"].latitude,
                    ROMAN[r["section"].target_class],
                    r["day"].day if r["day"] else "",
                    r["latest"]["label"] if r["day"] else "",
                    r["main"],
                    f"{first:%Y-%m}",
                    r["month"]["label"] if r["month"]["value"] else "",
                    "" if r["meets"] is None else int(r["meets"]),
                ]
                for r in rows
            ),
        )
    markers = [
        {
            "name": f"{r['section'].name}（{r['section'].water_body_name}）",
            "region": r["region"],
            "lat": float(r["section"].latitude),
            "lon": float(r["section"].longitude),
            "label": r["latest"]["label"],
            "status": r["latest"]["status"],
            "colour": r["latest"]["colour"],
            "ink": r["latest"]["ink"],
            "day": f"{r['day'].day:%m-%d}" if r["day"] else "",
            "rank": r["latest"]["value"]
            or 0,  # a polluted section is never hidden under a clean one
        }
        for r in rows
    ]
    context = {
        "rows": rows,
        "markers": markers,
        "shares": shares,
        "month_value": f"{first:%Y-%m}",
        "month": first,
        "legend": [water_class(c) for c in WATER_CLASSES],
        "items": {i.code: (i.name_en if english() else i.name_zh) for i in GB3838_2002.items},
        **_map_context(),
    }
    return render(request, "quality/public_water.html", context)


# ── month and year reports ────────────────────────────────────────────────────────


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    now = today()
    if request.GET.get("month"):
        first = _month(request.GET.get("month"), now)
        start, end, kind = first, min(_month_end(first), now), "month"
        title = _("%(year)s 年 %(month)s 月环境质量月报") % {
            "year": first.year,
            "month": first.month,
        }
    else:
        year = _year(request.GET.get("year"), now.year)
        start, end, kind = dt.date(year, 1, 1), min(dt.date(year, 12, 31), now), "year"
        title = _("%(year)s 年环境质量年报") % {"year": year}
    rows = reports.published_days(start, end)
    city = reports.summarise("", rows)
    counties, _city = reports.county_ranking(start, end)
    labels = region_labels((c.region_code for c in counties), with_codes=False)
    water_rows = reports.water_period(start, end)
    shares = reports.water_shares(water_rows)
    if _wants_csv(request):
        return csv_response(
            f"report-{start:%Y%m%d}-{end:%Y%m%d}.csv",
            ["date", "aqi", "category", "primary_pollutants", "stations", *reports.DAILY_FIELDS],
            (
                [
                    d.day,
                    d.aqi,
                    aqi_band(d.aqi, when=d.day)["category"] if d.aqi else "",
                    ",".join(d.primary_pollutants),
                    d.stations,
                    *(_number(d.values.get(f)) for f in reports.DAILY_FIELDS),
                ]
                for d in city.days
            ),
        )
    legend = [aqi_band(a) for a in (25, 75, 125, 175, 250, 350)]
    chart = {
        "days": [f"{d.day:%m-%d}" for d in city.days],
        "aqi": [d.aqi for d in city.days],
        "colours": [aqi_band(d.aqi, when=d.day)["colour"] for d in city.days],
        "pm25": [_float(d.values.get("pm25_24h")) for d in city.days],
        "o3": [_float(d.values.get("o3_8h")) for d in city.days],
        "levels": [
            {
                "name": b["category"],
                "value": city.level_days.get(b["level"], 0),
                "itemStyle": {"color": b["colour"]},
            }
            for b in legend
        ],
        "counties": [labels.get(c.region_code, c.region_code) for c in counties],
        "composite": [_float(c.composite) for c in counties],
        "water": [
            {
                "name": ROMAN[c],
                "value": sum(1 for w in water_rows if w.water_class == c),
                "itemStyle": {"color": water_class(c)["colour"]},
            }
            for c in range(1, 7)
        ],
    }
    context = {
        "title": title,
        "kind": kind,
        "start": start,
        "end": end,
        "city": city,
        "stats": [city.statistics.get(p) for p in ("PM2.5", "PM10", "O3", "NO2", "SO2", "CO")],
        "columns": ["PM₂.₅", "PM₁₀", "O₃-8h P90", "NO₂", "SO₂", "CO P95"],
        "counties": [(labels.get(c.region_code, c.region_code), c) for c in counties],
        "shares": shares,
        "chart": chart,
        "month_value": f"{start:%Y-%m}",
        "year_value": start.year,
    }
    return render(request, "quality/public_report.html", context)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
