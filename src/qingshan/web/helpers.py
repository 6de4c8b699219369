"""What every page needs: scoped fetches that 404, pagination, and calling a write service.

Views read through the selectors, which scope by user, so an object outside the user's
scope simply does not exist for them (404), and write only through the services, whose
refusals become form errors (ValidationError) or a 403 (PermissionDenied).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qingshan.core.models import Region
from qingshan.core.permissions import PermissionDenied, can_edit_region
from qingshan.registry.factors import factor_catalogue, factor_name

T = TypeVar("T")
M = TypeVar("M", bound=Model)

PER_PAGE = 25


def get_or_404(selector: Callable[..., M], **kwargs: Any) -> M:
    """Fetch one object through a scoped selector; outside the scope it does not exist."""
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404(str(exc)) from exc


def require_edit_or_403(request: HttpRequest, region_code: str) -> None:
    if not can_edit_region(request.user, region_code):
        raise Forbidden


def can_create(request: HttpRequest) -> bool:
    """May this user create records anywhere (an administrator, or a regulator with a
    jurisdiction)? Which region they create in is checked again for the record itself."""
    user = request.user
    return user.is_authenticated and can_edit_region(user, getattr(user, "region_code", ""))


def paginate(request: HttpRequest, qs: QuerySet[M], per_page: int = PER_PAGE) -> Page[M]:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's ValidationError under the form's fields where they match."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        name = field.removesuffix("_id")
        if name in form.fields:
            form.add_error(name, messages)
        elif field == NON_FIELD_ERRORS:
            form.add_error(None, messages)
        else:
            form.add_error(None, [f"{field}: {m}" for m in messages])


def call_service(form: forms.BaseForm, save: Callable[[], T]) -> T | None:
    """Run a write service for a valid form; None when it refused with form errors."""
    try:
        return save()
    except ValidationError as exc:
        add_service_errors(form, exc)
    except PermissionDenied as exc:
        raise Forbidden(str(exc)) from exc
    return None


def region_labels(codes: Iterable[str], *, with_codes: bool = True) -> dict[str, str]:
    """Region code → "柯桥区（330603）" where the region table knows the code, else the code;
    without ``with_codes`` the name alone (the public pages: a citizen knows no codes)."""
    codes = set(codes)
    in_english = english()
    labels = dict.fromkeys(codes, "")
    for region in Region.objects.filter(code__in=codes):
        name = region.name_en if in_english and region.name_en else region.name
        labels[region.code] = name
    if not with_codes:
        return {code: name or code for code, name in labels.items()}
    return {
        code: (f"{name} ({code})" if in_english else f"{name}（{code}）") if name else code
        for code, name in labels.items()
    }


def english() -> bool:
    return (get_language() or "").startswith("en")


def factor_label(code: str) -> str:
    """The factor as 二氧化硫（a21026）, or sulphur dioxide (a21026) on an English page."""
    factor = factor_catalogue().get(code)
    name_en = getattr(factor, "name_en", "")
    if english() and name_en:
        return f"{name_en} ({code})"
    return factor_name(code)


MEDIA = (("air", _("废气")), ("water", _("废水")))


def factor_choices(empty: Any = "---------") -> list[tuple[str, Any]]:
    """Pollutant codes for a select, grouped into air and water (HJ 212 Appendix B);
    ``empty`` labels no choice (a filter's 全部)."""
    catalogue = factor_catalogue()
    groups: list[tuple[str, Any]] = [("", empty)]
    for medium, label in MEDIA:
        codes = sorted(c for c, f in catalogue.items() if getattr(f, "medium", "") == medium)
        groups.append((str(label), [(code, factor_label(code)) for code in codes]))
    return groups
