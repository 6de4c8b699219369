"""Upload handlers that make an uploaded file's name plain text before any view sees it.

The name is the client's to choose: a control character in it would be refused when the
record that keeps the name is saved (``core.validators``), turning an ordinary upload into
an error page. Django already strips the path; these also replace control characters with
U+FFFD, for every page and API upload alike.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler

from qingshan.core.validators import plain_text


def plain_file_name(name: str | None) -> str | None:
    if not name:
        return name
    return plain_text(name)


class PlainNameMemoryHandler(MemoryFileUploadHandler):
    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, plain_file_name(file_name) or "", *args, **kwargs)


class PlainNameTemporaryHandler(TemporaryFileUploadHandler):
    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, plain_file_name(file_name) or "", *args, **kwargs)
