"""The monitoring-factor catalogue (HJ 212-2017 Appendix B).

One source: the data file shipped with the protocol codec, ``qingshan.hj212``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@lru_cache(maxsize=1)
def factor_catalogue() -> dict[str, Any]:
    from qingshan.hj212 import load_factors

    return dict(load_factors())


def factor_name(code: str) -> str:
    factor = factor_catalogue().get(code)
    return f"{factor.name_zh}（{code}）" if factor else code


def validate_factor_code(code: str) -> None:
    if code not in factor_catalogue():
        raise ValidationError(
            _("未知的监测因子编码 %(code)r（应为 HJ 212-2017 附录 B 中的编码，如 a21026、w01018）")
            % {"code": code},
            code="unknown_factor",
        )


def validate_factor_codes(codes: Iterable[str] | None) -> None:
    # a list, tuple or set of text; not None (a PATCH with "factors": null), nor one string
    if not isinstance(codes, list | tuple | set) or not all(isinstance(c, str) for c in codes):
        raise ValidationError(_("监测因子应为编码列表"), code="bad_factors")
    codes = list(codes)
    unknown = [c for c in codes if c not in factor_catalogue()]
    if unknown:
        raise ValidationError(
            _("未知的监测因子编码：%(codes)s（应为 HJ 212-2017 附录 B 中的编码）")
            % {"codes": ", ".join(unknown)},
            code="unknown_factor",
        )
    if len(set(codes)) != len(codes):
        raise ValidationError(_("监测因子编码重复"), code="duplicate_factor")
