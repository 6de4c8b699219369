"""Edit forms of the registry and permit pages.

The forms only collect and check input; saving is the services' job (views call them
with ``cleaned_data``), so the access rules and the audit trail live in one place.
Choices of related records (outlets, points) come from the scoped selectors.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshan.core.models import User
from qingshan.core.permissions import can_edit_region
from qingshan.core.validators import date_in_range, validate_plain_text
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.web import constraints
from qingshan.web.helpers import factor_choices


class StyledForm:
    """Bootstrap classes on every widget, the shared form template, no control
    characters in any text field and no date at the calendar's edges
    (``qingshan.core.validators``)."""

    template_name = "web/forms/form.html"
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style_widgets()

    def _style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            classes = widget.attrs.get("class", "").split()
            if css not in classes:
                widget.attrs["class"] = " ".join([*classes, css])

    def get_context(self) -> Any:
        # again at rendering: some forms add fields after __init__ (the case action form)
        self._style_widgets()
        return super().get_context()  # type: ignore[misc]

    def full_clean(self) -> None:
        # here, not in __init__: some forms add fields after it (the case action form)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                check = validate_plain_text
            elif isinstance(field, forms.DateField | forms.DateTimeField):
                check = date_in_range  # periods are computed from it
            else:
                continue
            if check not in field.validators:
                field.validators.append(check)
        super().full_clean()  # type: ignore[misc]
        self._readable_errors()

    def _readable_errors(self) -> None:
        # a check constraint's default message names the constraint, not the rule
        for errors in (getattr(self, "_errors", None) or {}).values():
            errors.data = [constraints.readable(message) for message in errors]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


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


class PermitForm(StyledForm, forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Permit
        fields = ["number", "permit_class", "status", "valid_from", "valid_to"]
        widgets = {"valid_from": DateInput(), "valid_to": DateInput()}


class LimitForm(StyledForm, forms.ModelForm):  # type: ignore[type-arg]
    """One row of the permit's limit table."""

    factor_code = forms.ChoiceField(label=pgettext_lazy("one", "监测因子"))

    class Meta:
        model = PermitLimit
        fields = [
            "outlet",
            "factor_code",
            "lower_limit",
            "limit",
            "unit",
            "basis",
            "reference_o2",
            "standard",
        ]

    def __init__(self, *args: Any, outlets: QuerySet[Outlet], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("unit", "mg/m3")
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = outlets  # type: ignore[attr-defined]
        self.fields["factor_code"].choices = factor_choices()  # type: ignore[attr-defined]
        for field in self.fields.values():
            field.widget.attrs["class"] += " form-control-sm"


class AnnualCapForm(StyledForm, forms.ModelForm):  # type: ignore[type-arg]
    """One row of the permit's annual emission caps."""

    pollutant = forms.ChoiceField(label=_("污染物"))

    class Meta:
        model = AnnualCap
        fields = ["pollutant", "tonnes_per_year"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pollutant"].choices = factor_choices()  # type: ignore[attr-defined]


LimitFormSet = forms.formset_factory(LimitForm, extra=1, can_delete=True)
AnnualCapFormSet = forms.formset_factory(AnnualCapForm, extra=1, can_delete=True)


def formset_rows(formset: forms.BaseFormSet) -> tuple[list[dict[str, Any]], list[forms.Form]]:  # type: ignore[type-arg]
    """The filled-in, not deleted rows of a valid formset, and the form of each row."""
    rows, row_forms = [], []
    for index, form in enumerate(formset.forms):
        blank_extra = index >= formset.initial_form_count() and not form.has_changed()
        if blank_extra or form.cleaned_data.get("DELETE"):
            continue
        rows.append({name: form.cleaned_data[name] for name in form._meta.fields})
        row_forms.append(form)
    return rows, row_forms
