"""Forms of the registry pages: the enterprise, outlet, monitoring point and data logger
editors, and the filter bars of their lists.

The forms only collect and check input; saving is the services' job (views call them
with ``cleaned_data``), so the access rules and the audit trail live in one place.
Choices of related records (outlets, points) come from the scoped selectors.
A filter never widens what a user sees: it is applied to what the selector returned.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qingshan.core.models import User
from qingshan.core.permissions import can_edit_region
from qingshan.registry import selectors as registry
from qingshan.registry.choices import RecordState
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.web.filters import YES_NO, FilterForm, yes_no
from qingshan.web.forms import StyledForm


class FactorCodesField(forms.CharField):
    """A list of HJ 212 factor codes typed as text: "a21026 a21002, a34013"."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [code for code in re.split(r"[\s,，、;；]+", text) if code]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return " ".join(str(code) for code in value)
        return value


class EnterpriseForm(StyledForm, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Enterprise
        fields = [
            "name",
            "credit_code",
            "region_code",
            "industry_code",
            "is_key_discharger",
            "address",
            "longitude",
            "latitude",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["region_code"].help_text = _("6 位行政区划代码，如 330603（柯桥区）")
        self.fields["industry_code"].help_text = _("国民经济行业代码（GB/T 4754），如 1713")

    def clean_region_code(self) -> str:
        code: str = self.cleaned_data["region_code"]
        if not can_edit_region(self.user, code):
            raise forms.ValidationError(_("该行政区划不在您可以管理的辖区内"))
        return code


class OutletForm(StyledForm, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Outlet
        fields = ["code", "name", "medium", "kind", "emission_mode"]


class PointForm(StyledForm, forms.ModelForm):  # type: ignore[type-arg]
    factors = FactorCodesField(
        label=_("监测因子"),
        help_text=_("HJ 212 污染物编码，用空格或逗号分隔，如 a21026 a21002 a34013"),
    )

    class Meta:
        model = MonitoringPoint
        fields = ["outlet", "name", "factors"]

    def __init__(self, *args: Any, outlets: QuerySet[Outlet], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = outlets  # type: ignore[attr-defined]


class DeviceForm(StyledForm, forms.ModelForm):  # type: ignore[type-arg]
    password = forms.CharField(
        label=_("访问密码"),
        max_length=32,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("数采仪登录平台的密码（HJ 212 PW）；保存后不再显示"),
    )

    class Meta:
        model = Device
        fields = ["point", "mn", "is_active", "offline_after_minutes"]

    def __init__(self, *args: Any, points: QuerySet[MonitoringPoint], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = points  # type: ignore[attr-defined]
        if self.instance.pk:
            # the password is set on creation or by an explicit reset, never with other edits
            del self.fields["password"]


class DevicePasswordForm(StyledForm, forms.Form):
    password = forms.CharField(
        label=_("新访问密码"),
        max_length=32,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    confirm = forms.CharField(
        label=_("再次输入新访问密码"),
        max_length=32,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("confirm"):
            self.add_error("confirm", _("两次输入的密码不一致"))
        return data


# ---- filters ---------------------------------------------------------------------------


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
