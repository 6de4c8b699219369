"""The filter bars of the list pages: GET forms whose values narrow a scoped queryset.

A filter never widens what a user sees: it is applied to what the selector returned.
A value that does not validate is ignored rather than shown as an error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qingshan.core.models import User
from qingshan.permits.choices import PermitClass, PermitStatus
from qingshan.permits.selectors import permit_list, permits_expiring
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


class RecordStateField(forms.ChoiceField):
    """In use (the default, an empty value), retired, or all (issue 15)."""

    def __init__(self) -> None:
        choices = [("", RecordState.ACTIVE.label), *RecordState.choices[1:]]
        super().__init__(label=_("状态"), choices=choices, required=False)


def state_of(values: dict[str, Any]) -> str:
    return values.get("state") or RecordState.ACTIVE


class EnterpriseFilter(FilterForm):
    search_hint = _("名称、统一社会信用代码或地址")
    industry = forms.CharField(label=_("行业代码"), required=False)
    key = forms.ChoiceField(label=_("重点排污单位"), choices=YES_NO, required=False)
    state = RecordStateField()

    field_order = ["q", "region", "industry", "key", "state"]

    def apply(self, user: User) -> QuerySet[Any]:
        v = self.values()
        return registry.enterprise_list(
            user=user,
            q=v.get("q", "").strip(),
            region_code=v.get("region", ""),
            industry_code=v.get("industry", "").strip(),
            is_key_discharger=yes_no(v.get("key", "")),
            state=state_of(v),
        )


class PointFilter(FilterForm):
    search_hint = _("监控点或排污单位名称")
    state = RecordStateField()

    def apply(self, user: User) -> QuerySet[Any]:
        v = self.values()
        qs = registry.point_list(user=user, q=v.get("q", "").strip(), state=state_of(v))
        if v.get("region"):
            qs = qs.filter(outlet__enterprise__region_code__startswith=v["region"])
        return qs


class DeviceFilter(FilterForm):
    search_hint = _("MN 或排污单位名称")
    active = forms.ChoiceField(label=_("启用"), choices=YES_NO, required=False)
    state = RecordStateField()

    def apply(self, user: User) -> QuerySet[Any]:
        v = self.values()
        qs = registry.device_list(user=user, q=v.get("q", "").strip(), state=state_of(v))
        if v.get("region"):
            qs = qs.filter(point__outlet__enterprise__region_code__startswith=v["region"])
        active = yes_no(v.get("active", ""))
        if active is not None:
            qs = qs.filter(is_active=active)
        return qs


# the windows the permit list offers for "valid, and running out within N days"; the
# home page's count links to one of them, so the list shows every permit it counted
EXPIRING_WITHIN_DAYS = (30, 90, 180)


def expiring_choices() -> list[tuple[str, Any]]:
    days = [(str(n), _("%(days)s 天内到期") % {"days": n}) for n in EXPIRING_WITHIN_DAYS]
    return [("", _("全部")), *days]


class PermitFilter(FilterForm):
    search_hint = _("许可证编号或排污单位名称")
    permit_class = forms.ChoiceField(
        label=_("管理类别"), choices=[("", _("全部")), *PermitClass.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), *PermitStatus.choices], required=False
    )
    expiring = forms.ChoiceField(label=_("到期"), choices=expiring_choices, required=False)

    def apply(self, user: User) -> QuerySet[Any]:
        v = self.values()
        qs = permit_list(
            user=user,
            q=v.get("q", "").strip(),
            permit_class=v.get("permit_class", ""),
            status=v.get("status", ""),
            region_code=v.get("region", ""),
        )
        if v.get("expiring"):
            qs = permits_expiring(qs, within_days=int(v["expiring"]))
        return qs
