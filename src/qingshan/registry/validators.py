"""Validation of identifiers the registry is keyed on, with messages that say what is wrong."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015 §4: the 31 characters a unified social credit code may use (no I O Z S V),
# each with its value 0–30, and the weights 3^(i) mod 31 of positions 1–17 (§5, Table 3).
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The check character (position 18) for the first 17 characters, per GB 32100-2015 §5."""
    total = sum(
        CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """What is wrong with a unified social credit code, or None when it is valid."""
    if len(code) != 18:
        return _("统一社会信用代码应为 18 位，实际 %(n)s 位") % {"n": len(code)}
    for position, char in enumerate(code, start=1):
        if char not in CREDIT_CODE_CHARS:
            hint = _("（请使用大写字母）") if char.upper() in CREDIT_CODE_CHARS else ""
            return _("第 %(position)s 位字符 %(char)r 不是统一社会信用代码允许的字符%(hint)s") % {
                "position": position,
                "char": char,
                "hint": hint,
            }
    if not code[2:8].isdigit():
        return _("第 3–8 位应为登记管理机关行政区划码（6 位数字），实际为 %(part)r") % {
            "part": code[2:8]
        }
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return _("校验码错误：第 18 位应为 %(expected)r，实际为 %(actual)r") % {
            "expected": expected,
            "actual": code[17],
        }
    return None


def validate_credit_code(code: str) -> None:
    problem = credit_code_problem(code)
    if problem:
        raise ValidationError(problem, code="bad_credit_code")


_INDUSTRY = re.compile(r"^[A-T]?\d{2,4}$")


def validate_industry_code(code: str) -> None:
    """GB/T 4754-2017: optional section letter, then 2–4 digits (e.g. 1713 or C1713)."""
    if not _INDUSTRY.match(code):
        raise ValidationError(
            _("国民经济行业代码格式不正确：%(code)r（应为 2–4 位数字，可带门类字母，如 C1713）")
            % {"code": code},
            code="bad_industry_code",
        )


def validate_region_code(code: str) -> None:
    """A six-digit GB/T 2260 code that the region table holds."""
    from qingshan.core.regions import is_region_code
    from qingshan.core.validators import validate_region_known

    if not is_region_code(code):
        raise ValidationError(
            _("行政区划代码应为 6 位数字（GB/T 2260），实际为 %(code)r") % {"code": code},
            code="bad_region_code",
        )
    validate_region_known(code)


_MN = re.compile(r"^[0-9A-Za-z]{1,24}$")


def validate_mn(mn: str) -> None:
    """HJ 212-2017 Table 2: MN is up to 24 characters of letters and digits."""
    if not _MN.match(mn):
        raise ValidationError(
            _("设备唯一标识 MN 应为 1–24 位字母或数字，实际为 %(mn)r") % {"mn": mn}, code="bad_mn"
        )


def validate_device_password(password: str) -> None:
    """A data logger's access password (HJ 212 ``PW``): 1–32 printable characters, no ``;``
    (the segment separator)."""
    if not 1 <= len(password) <= 32 or not password.isprintable() or ";" in password:
        raise ValidationError({"password": _("访问密码应为 1–32 位可打印字符，且不含分号")})


def organization_code_check_char(first8: str) -> str:
    """GB 11714-1997 check character of the 9-character organization code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(first8, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_complete(first17: str) -> str:
    """Append the GB 32100-2015 check character (used by the demo and the tests)."""
    return first17 + credit_code_check_char(first17)
