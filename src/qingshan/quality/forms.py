"""Edit forms of stations and sections; saving is the services' job."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qingshan.core.models import User
from qingshan.core.permissions import can_edit_region
from qingshan.quality.choices import DataKind, HeldStatus
from qingshan.quality.cli import RowError
from qingshan.quality.imports import row_moment
from qingshan.quality.models import AirStation, WaterSection
from qingshan.quality.services import DECISION_REASON_MAX
from qingshan.web.forms import StyledForm

_COMMON = [
    "code",
    "name",
    "region_code",
    "level",
    "longitude",
    "latitude",
    "address",
    "is_published",
]


class LoggerFields(forms.Form):
    """The station's data logger: MN, and a password set on creation or reset."""

    mn = forms.CharField(
        label=_("数采仪 MN"),
        max_length=24,
        required=False,
        help_text=_("留空表示暂不接入；HJ 212 设备唯一标识"),
    )
    password = forms.CharField(
        label=_("访问密码"),
        max_length=32,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("新建数采仪时必填；修改时留空表示不变"),
    )


class _SiteForm(StyledForm, forms.ModelForm):  # type: ignore[type-arg]
    mn = LoggerFields.base_fields["mn"]
    password = LoggerFields.base_fields["password"]

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["region_code"].help_text = _("6 位行政区划代码，如 330602（越城区）")

    def clean_region_code(self) -> str:
        code: str = self.cleaned_data["region_code"]
        if not can_edit_region(self.user, code):
            raise forms.ValidationError(_("该行政区划不在您可以管理的辖区内"))
        return code

    def model_data(self) -> dict[str, Any]:
        names = self.changed_data if self.instance.pk else list(self._meta.fields or [])
        return {n: self.cleaned_data[n] for n in names if n not in ("mn", "password")}


class StationForm(_SiteForm):
    class Meta:
        model = AirStation
        fields = [*_COMMON[:4], "air_class", *_COMMON[4:]]


class SectionForm(_SiteForm):
    class Meta:
        model = WaterSection
        fields = [
            *_COMMON[:4],
            "water_body_name",
            "water_body",
            "target_class",
            *_COMMON[4:],
        ]


class ImportForm(StyledForm, forms.Form):
    kind = forms.ChoiceField(label=_("数据类型"), choices=DataKind.choices)
    file = forms.FileField(
        label=_("文件"),
        help_text=_("CSV（UTF-8 或 GB18030）或 Excel .xlsx，列名与 qingshan quality 命令相同"),
    )


class HeldFilter(StyledForm, forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[*HeldStatus.choices, ("all", _("全部"))],
    )
    data_import = forms.IntegerField(label=_("导入编号"), required=False, min_value=1)


class DiscardForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=_("理由"),
        max_length=DECISION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：日期录入错误、重复数据、已向报送单位核实"),
    )


class ReleaseForm(DiscardForm):
    corrected_time = forms.CharField(
        label=_("更正后的时间"),
        required=False,
        max_length=32,
        help_text=_(
            "文件中的日期有误时填写，格式同导入文件（如 2026-03-10T08:00；空气为小时结束时刻）；"
            "留空则按文件中的时间放行"
        ),
    )

    def clean_corrected_time(self) -> int | None:
        text = self.cleaned_data["corrected_time"].strip()
        if not text:
            return None
        try:
            return row_moment(text)
        except RowError as error:
            raise forms.ValidationError(str(error)) from None
