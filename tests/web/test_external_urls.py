"""No page may reach outside the platform: bureaus run it on intranets without internet.

Every main page is rendered and every src=, href= and CSS url( in it, and in the local
stylesheets it links, must be a same-origin path (or a data: URI), never http://,
https:// or protocol-relative //.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

ATTRIBUTE = re.compile(r"""\b(?:src|href|action|srcset|poster)\s*=\s*["']?\s*([^"'\s>]*)""", re.I)
CSS_URL = re.compile(r"""url\(\s*["']?\s*([^"')\s]*)""", re.I)
IMPORT = re.compile(r"""@import\s+["']([^"']+)""", re.I)
STYLESHEET = re.compile(r"""<link[^>]+href=["']/static/([^"'?#]+\.css)""", re.I)
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)


def external_references(text: str) -> list[str]:
    found = ATTRIBUTE.findall(text) + CSS_URL.findall(text) + IMPORT.findall(text)
    return [ref for ref in found if EXTERNAL.match(ref)]


def test_the_checker_catches_what_it_should() -> None:
    assert external_references('<script src="https://cdn.example/x.js">') == [
        "https://cdn.example/x.js"
    ]
    assert external_references("<link href=//fonts.example/css>") == ["//fonts.example/css"]
    assert external_references("a{background:url( 'http://x/y.png')}") == ["http://x/y.png"]
    assert external_references('@import "https://fonts.example/css";') == [
        "https://fonts.example/css"
    ]
    assert external_references('<a href="/enterprises/?page=2">') == []
    assert external_references("url(\"data:image/svg+xml,%3csvg xmlns='http://www.w3.org'\")") == []


def main_pages(users) -> list[str]:
    site = users["keqiao"]
    return [
        reverse("home"),
        reverse("enterprise-list"),
        reverse("enterprise-detail", args=[site["enterprise"].pk]),
        reverse("enterprise-create"),
        reverse("enterprise-edit", args=[site["enterprise"].pk]),
        reverse("enterprise-delete", args=[site["enterprise"].pk]),
        reverse("outlet-create", args=[site["enterprise"].pk]),
        reverse("point-list"),
        reverse("point-edit", args=[site["point"].pk]),
        reverse("device-list"),
        reverse("device-create", args=[site["enterprise"].pk]),
        reverse("device-password", args=[site["device"].pk]),
        reverse("permit-list"),
        reverse("permit-detail", args=[site["permit"].pk]),
        reverse("permit-edit", args=[site["permit"].pk]),
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_reference_only_their_own_origin(users, client_as, language: str) -> None:
    client = client_as(users["regulator"])
    client.cookies["django_language"] = language
    stylesheets: set[str] = set()
    for url in main_pages(users):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert external_references(html) == [], url
        stylesheets.update(STYLESHEET.findall(html))
    assert "web/qingshan.css" in stylesheets
    for name in sorted(stylesheets):
        check_stylesheet(name)


def check_stylesheet(name: str) -> None:
    path = finders.find(name)
    if path is None and name.startswith("vendor/"):
        pytest.skip(f"{name} is not vendored: run `npm ci && python scripts/vendor_assets.py`")
    assert path is not None, name
    css = Path(path).read_text(encoding="utf-8")
    assert external_references(css) == [], name
    for ref in CSS_URL.findall(css):
        if not ref.startswith("data:"):  # relative files (fonts, images) must ship too
            target = (Path(path).parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{name} refers to {ref}, which is not there"


def test_the_login_page_too(client) -> None:
    html = client.get(reverse("login")).content.decode()
    assert external_references(html) == []
    assert "fonts.googleapis" not in html and "cdn" not in html.lower()
