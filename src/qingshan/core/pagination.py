"""The API's one way of paging a list: ``limit`` and ``offset``, bounded.

django-ninja's ``LimitOffsetPagination`` leaves both without an upper bound; an offset
past 2^63 reaches the database and fails there (OverflowError on SQLite, DataError on
PostgreSQL). A page holds at most ``PAGE_MAX`` items and the offset is an integer the
databases can hold, so such a request is a 422 naming the parameter.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.conf import settings
from ninja.pagination import LimitOffsetPagination

from qingshan.core.validators import DB_INT_MAX

PAGE_MAX = 1000


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=PAGE_MAX)
        offset: int = Field(0, ge=0, le=DB_INT_MAX)
