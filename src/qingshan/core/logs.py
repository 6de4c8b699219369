"""Logging filters."""

from __future__ import annotations

import logging


class ClientErrorsOneLine(logging.Filter):
    """Drops the traceback from django.request's record of a 4xx answer.

    Django logs a page's PermissionDenied or Http404 with the exception attached; each
    refusal then fills the log with a traceback of code that worked as designed. The
    one line (status, path) says everything; server errors (5xx) keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
