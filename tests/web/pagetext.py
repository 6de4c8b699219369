"""What a person reads on a page: the text and links inside an element, found by its id."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Within(HTMLParser):
    """Collects the text and the links (href, text) inside the element with ``id``."""

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id = element_id
        self.depth = 0  # > 0 while inside the element
        self.found = False
        self.parts: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._link_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self.depth == 0 and values.get("id") == self.element_id and not self.found:
            self.found = True
            self.depth = 1
            return
        if self.depth and tag not in VOID:
            self.depth += 1
        if self.depth and tag == "a":
            self._href, self._link_text = values.get("href") or "", []

    def handle_endtag(self, tag: str) -> None:
        if not self.depth:
            return
        if tag == "a" and self._href is not None:
            self.links.append((self._href, squash(" ".join(self._link_text))))
            self._href = None
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)
            if self._href is not None:
                self._link_text.append(data)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _parse(html: str, element_id: str) -> _Within:
    parser = _Within(element_id)
    parser.feed(html)
    assert parser.found, f"no element #{element_id} on the page"
    return parser


def text_of(html: str, element_id: str) -> str:
    """The element's text as read, whitespace squashed."""
    return squash(" ".join(_parse(html, element_id).parts))


def links_of(html: str, element_id: str) -> list[tuple[str, str]]:
    """(href, text) of every link inside the element; entities in href unescaped."""
    return _parse(html, element_id).links


def has_element(html: str, element_id: str) -> bool:
    parser = _Within(element_id)
    parser.feed(html)
    return parser.found
