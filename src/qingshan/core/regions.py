"""GB/T 2260 administrative division codes and jurisdiction prefixes.

A jurisdiction is written as the significant prefix of a region code: province ``33``,
city ``3306``, county ``330603``. A record with a six-digit region code lies inside a
jurisdiction when its code starts with that prefix, so "everything under a city" is one
indexed ``LIKE '3306%'`` lookup.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_CODE = re.compile(r"^\d{6}$")
_PREFIX = re.compile(r"^(\d{2}|\d{4}|\d{6})$")


def is_region_code(code: str) -> bool:
    """True for a well-formed six-digit GB/T 2260 code whose province part is not 00."""
    return bool(_CODE.match(code)) and code[:2] != "00"


def jurisdiction_prefix(code: str) -> str:
    """Normalise ``330600``/``3306``/``330000``/``33`` to the significant prefix.

    Raises ValueError with a message a person can act on.
    """
    code = code.strip()
    if not code.isdigit():
        raise ValueError(_("行政区划代码只能包含数字：%(code)r") % {"code": code})
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
        return code
    if _PREFIX.match(code):
        return code
    raise ValueError(_("行政区划代码应为 2、4 或 6 位数字：%(code)r") % {"code": code})


def region_level(prefix: str) -> str:
    return {2: "province", 4: "city", 6: "county"}[len(prefix)]


def full_code(prefix: str) -> str:
    """The six-digit code naming a jurisdiction prefix (``3306`` → ``330600``)."""
    return prefix.ljust(6, "0")
