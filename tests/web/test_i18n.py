"""Chinese by default, English on request, and a catalogue that covers what the pages show."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from qingshan.registry.models import Enterprise, MonitoringPoint, Outlet

PO = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_chinese_is_the_default(users, client_as) -> None:
    page = client_as(users["regulator"]).get(reverse("enterprise-list")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "排污单位" in page and "统一社会信用代码" in page


def test_the_language_switch_turns_the_pages_english(users, client_as) -> None:
    client = client_as(users["regulator"])
    url = reverse("enterprise-detail", args=[users["keqiao"]["enterprise"].pk])
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert '<html lang="en">' in page
    for label in ["Unified social credit code", "Outlets", "Data loggers", "Change history"]:
        assert label in page
    assert "sulfur dioxide (a21026)" in page
    assert "Regulator" in page  # the role in the top bar
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    assert "统一社会信用代码" in client.get(url).content.decode()


def test_english_pages_have_no_untranslated_chrome(users, client_as) -> None:
    """Apart from data (names, addresses), an English page carries no Chinese text."""
    client = client_as(users["admin"])
    client.cookies["django_language"] = "en"
    site = users["keqiao"]
    data = {
        *Enterprise.objects.values_list("name", flat=True),
        *Outlet.objects.values_list("name", flat=True),
        *MonitoringPoint.objects.values_list("name", flat=True),
        "青山",  # the product's name, shown as it is
        "简体中文",  # the language switch names each language in itself
    }
    for url in [
        reverse("home"),
        reverse("enterprise-list"),
        reverse("enterprise-detail", args=[site["enterprise"].pk]),
        reverse("enterprise-edit", args=[site["enterprise"].pk]),
        reverse("point-list"),
        reverse("device-list"),
        reverse("permit-list"),
        reverse("permit-detail", args=[site["permit"].pk]),
        reverse("permit-edit", args=[site["permit"].pk]),
        reverse("outlet-delete", args=[site["outlet"].pk]),
    ]:
        text = client.get(url).content.decode()
        for item in data:
            text = text.replace(item, "")
        text = re.sub(r"<option[^>]*>[^<]*</option>", "", text)  # factor names in selects
        assert not HAN.findall(text), (url, sorted(set(HAN.findall(text))))


def test_every_message_has_an_english_translation() -> None:
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = text.split("\n\n")[1:]  # the first entry is the header
    empty = re.compile(r'^msgstr(\[\d\])? ""$(?!\n")', re.M)  # "" not continued on the next line
    untranslated = [e for e in entries if empty.search(e)]
    assert untranslated == []
    assert PO.with_suffix(".mo").is_file(), "compile the catalogue: django-admin compilemessages"
    assert PO.with_suffix(".mo").stat().st_size > 1000


def test_retirement_pages_are_english_too(users, client_as) -> None:
    from qingshan.registry.retirement import record_retire

    client = client_as(users["admin"])
    client.cookies["django_language"] = "en"
    site = users["keqiao"]
    record_retire(user=users["county"], obj=site["device"], reason="设备更换")
    data = [
        *Enterprise.objects.values_list("name", flat=True),
        *Outlet.objects.values_list("name", flat=True),
        *MonitoringPoint.objects.values_list("name", flat=True),
        "设备更换",  # the reason, as the regulator wrote it
        "青山",
        "简体中文",
    ]
    for url in [
        reverse("enterprise-detail", args=[site["enterprise"].pk]),
        reverse("enterprise-delete", args=[site["enterprise"].pk]),  # refused: history
        reverse("enterprise-retire", args=[site["enterprise"].pk]),
        reverse("point-retire", args=[site["point"].pk]),
        reverse("device-reinstate", args=[site["device"].pk]),
        reverse("device-list") + "?state=all",
    ]:
        text = client.get(url).content.decode()
        for item in data:
            text = text.replace(item, "")
        text = re.sub(r"<option[^>]*>[^<]*</option>", "", text)
        assert not HAN.findall(text), (url, sorted(set(HAN.findall(text))))
