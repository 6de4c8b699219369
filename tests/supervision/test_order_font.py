"""The supervision order PDF on a machine without system CJK fonts: set-up vendors Noto
Sans SC and the PDF embeds it; with no font at all the page says, in Chinese, what to run."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import reverse

from qingshan.supervision import pdf
from tests.conftest import client_for


@pytest.fixture
def no_system_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh machine: no fonts-noto-cjk (the font directories are an empty folder)."""
    empty = tmp_path / "fonts"
    empty.mkdir()
    monkeypatch.setenv("QINGSHAN_FONT_DIRS", str(empty))
    monkeypatch.delenv("QINGSHAN_CJK_FONT", raising=False)
    pdf.cjk_font.cache_clear()
    yield
    pdf.cjk_font.cache_clear()


def _streams(data: bytes) -> str:
    """The PDF's streams, inflated where compressed (ToUnicode CMaps, font descriptors)."""
    found = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            found.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            found.append(stream.decode("latin-1"))
    return "".join(found)


def test_the_order_embeds_the_vendored_font(no_system_fonts, open_case, users) -> None:
    font = pdf.cjk_font()
    assert font.path.endswith("NotoSansSC-Regular.ttf"), (
        f"the vendored font is missing ({font.path}): run `make setup`"
    )
    assert not any(p.startswith("/usr/share/fonts") for p in pdf.candidates())
    case = open_case()
    response = client_for(users["county"]).get(reverse("supervision:case-order", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    # a TrueType font file travels inside the PDF, subset, under Noto Sans SC's name
    assert b"/FontFile2" in data and re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansSC", data)
    cmap = _streams(data).upper()
    for char in "生态环境问题督办单案件标题排污单位":
        assert f"<{ord(char):04X}>" in cmap, char


def test_without_any_font_the_page_says_what_to_run(
    no_system_fonts, open_case, users, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "VENDORED", "vendor/not-set-up/NotoSansSC-Regular.ttf")
    case = open_case()
    client = client_for(users["county"])
    response = client.get(reverse("supervision:case-order", args=[case.pk]))
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "督办单暂时无法生成" in html and "make setup" in html
    assert "</nav>" in html  # the platform's own page, with its navigation
    assert reverse("supervision:case", args=[case.pk]) in html
    client.post(reverse("set_language"), {"language": "en"})
    english = client.get(reverse("supervision:case-order", args=[case.pk])).content.decode()
    assert "cannot be made yet" in english and "make setup" in english
