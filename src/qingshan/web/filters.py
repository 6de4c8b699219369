"""The filter bar base of the list pages: GET forms whose values narrow a scoped queryset.
Each app's filters (on ``FilterForm``) live in its ``forms.py``.

A filter never widens what a user sees: it is applied to what the selector returned.
A value that does not validate is ignored rather than shown as an error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qingshan.core.models import User
from qingshan.registry import selectors as registry
from qingshan.registry.choices import RecordState
from qingshan.web.forms import StyledForm
from qingshan.web.helpers import region_labels

YES_NO = [("", _("全部")), ("1", _("是")), ("0", _("否"))]


def region_choices(user: User) -> list[tuple[str, Any]]:
    """The county codes that enterprises in the user's scope are registered in."""
    codes = (
        registry.enterprise_list(user=user, state=RecordState.ALL)
        .order_by("region_code")
        .values_list("region_code", flat=True)
        .distinct()
    )
    labels = region_labels(codes)
    return [("", _("全部辖区")), *sorted(labels.items())]


class FilterForm(StyledForm, forms.Form):
    q = forms.CharField(label=_("搜索"), required=False)
    region = forms.ChoiceField(label=_("行政区划"), required=False)
    search_hint: Any = ""

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data)
        self.fields["region"].choices = region_choices(user)  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs["placeholder"] = self.search_hint

    def values(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name, "") for name in self.fields if name not in self.errors}

    @property
    def is_filtered(self) -> bool:
        return any(v not in ("", None) for v in self.values().values())


def yes_no(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)
