"""The monitoring pages in English: every label translated, only data left in Chinese."""

from __future__ import annotations

import re

from django.urls import reverse

from qingshan.registry.models import Enterprise, MonitoringPoint, Outlet
from tests.monitoring.conftest import T0, add_readings

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_monitoring_pages_in_english_have_no_untranslated_chrome(users, client_as, make_alarm):
    alarm = make_alarm(users["keqiao"])
    add_readings(users["keqiao"]["point"].pk, "a21026", 3, [(T0, 20.0)])
    client = client_as(users["county"])
    client.cookies["django_language"] = "en"
    data = {
        *Enterprise.objects.values_list("name", flat=True),
        *Outlet.objects.values_list("name", flat=True),
        *MonitoringPoint.objects.values_list("name", flat=True),
        "青山",
        "简体中文",
    }
    for url in [
        reverse("monitoring:overview"),
        reverse("monitoring:point", args=[users["keqiao"]["point"].pk]),
        reverse("monitoring:alarm-list"),
        reverse("monitoring:alarm", args=[alarm.pk]),
        reverse("monitoring:declaration-list"),
    ]:
        page = client.get(url).content.decode()
        # the page's own part (the menu belongs to every app: tests/web/test_i18n.py)
        text = page[page.index('<main class="container-xl') :]
        for item in data:
            text = text.replace(item, "")
        text = re.sub(r"<option[^>]*>[^<]*</option>", "", text)  # factor names in selects
        lines = [line.strip()[:160] for line in text.splitlines() if HAN.search(line)]
        assert not lines, (url, lines)
