"""Forms of the permit pages: the permit editor (the permit, its limit table and its
annual caps, as two inline formsets) and the filter bar of the permit list.

The forms only collect and check input; saving is the services' job (the views call it
with ``cleaned_data``), so the access rules and the audit trail live in one place.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshan.core.models import User
from qingshan.permits.choices import PermitClass, PermitStatus
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.permits.selectors import permit_list, permits_expiring
from qingshan.registry.models import Outlet
from qingshan.web.filters import FilterForm
from qingshan.web.forms import DateInput, StyledForm
from qingshan.web.helpers import factor_choices


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


# ---- filters ---------------------------------------------------------------------------

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
