"""Forms of the monitoring pages: filter bars and the inputs of the alarm and declaration steps.

Forms only collect and check input; the services decide who may do what.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qingshan.core.models import User
from qingshan.monitoring.choices import (
    AlarmKind,
    DeclarationKind,
    DeclarationStatus,
    PointStatus,
    Severity,
)
from qingshan.monitoring.series import KIND_NAMES, default_range
from qingshan.registry import selectors as registry
from qingshan.registry.models import MonitoringPoint
from qingshan.web.filters import YES_NO, FilterForm
from qingshan.web.forms import DateInput, StyledForm
from qingshan.web.helpers import factor_choices, factor_label

ALL = [("", _("全部"))]
KIND_CHOICES = [
    ("rtd", _("实时数据")),
    ("minute", _("分钟数据")),
    ("hour", _("小时数据")),
    ("day", _("日数据")),
]


class OverviewFilter(FilterForm):
    search_hint = _("监控点或排污单位名称")
    industry = forms.CharField(label=_("行业代码"), required=False)
    factor = forms.ChoiceField(label=pgettext_lazy("one", "监测因子"), required=False)
    status = forms.ChoiceField(label=_("状态"), choices=ALL + PointStatus.choices, required=False)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data, user=user)
        self.fields["factor"].choices = factor_choices(_("全部"))  # type: ignore[attr-defined]


class AlarmFilter(FilterForm):
    search_hint = _("排污单位名称")
    kind = forms.ChoiceField(label=_("类型"), choices=ALL + AlarmKind.choices, required=False)
    severity = forms.ChoiceField(label=_("级别"), choices=ALL + Severity.choices, required=False)
    active = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), ("1", _("未消除")), ("0", _("已消除"))],
        required=False,
    )
    acknowledged = forms.ChoiceField(label=_("已确认"), choices=YES_NO, required=False)
    factor = forms.ChoiceField(label=pgettext_lazy("one", "监测因子"), required=False)
    start = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    end = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data, user=user)
        self.fields["factor"].choices = factor_choices(_("全部"))  # type: ignore[attr-defined]


class DeclarationFilter(FilterForm):
    search_hint = _("排污单位名称")
    status = forms.ChoiceField(
        label=_("状态"), choices=ALL + DeclarationStatus.choices, required=False
    )
    kind = forms.ChoiceField(label=_("类型"), choices=ALL + DeclarationKind.choices, required=False)


class SeriesForm(StyledForm, forms.Form):
    """What the point page's chart shows: a factor, a kind of data and a period."""

    # neither is required: a link that names only one ("?kind=day") shows the point's first
    # factor or hourly data, with no error on the field it left out
    factor = forms.ChoiceField(label=pgettext_lazy("one", "监测因子"), required=False)
    kind = forms.ChoiceField(
        label=_("数据类型"), choices=KIND_CHOICES, initial="hour", required=False
    )
    start = forms.DateField(label=_("起始日期"), required=False, widget=DateInput())
    end = forms.DateField(label=_("截止日期"), required=False, widget=DateInput())

    def __init__(self, data: Any, *, factors: list[str]) -> None:
        super().__init__(data)
        self.fields["factor"].choices = [(c, factor_label(c)) for c in factors]  # type: ignore[attr-defined]

    def period(self) -> tuple[str, str, int, int]:
        """(factor, kind, start, end) from valid input, with defaults for what is missing."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        factor = data.get("factor") or self.fields["factor"].choices[0][0]  # type: ignore[attr-defined]
        kind = data.get("kind") or "hour"
        start, end = default_range(KIND_NAMES[kind])
        tz = timezone.get_current_timezone()
        if data.get("end"):
            end = int(
                dt.datetime.combine(data["end"] + dt.timedelta(days=1), dt.time(), tz).timestamp()
            )
            if not data.get("start"):
                start = end - (
                    default_range(KIND_NAMES[kind])[1] - default_range(KIND_NAMES[kind])[0]
                )
        if data.get("start"):
            start = int(dt.datetime.combine(data["start"], dt.time(), tz).timestamp())
        return factor, kind, start, end


class NoteForm(StyledForm, forms.Form):
    note = forms.CharField(
        label=_("备注"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommentForm(StyledForm, forms.Form):
    text = forms.CharField(
        label=_("评论"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExplainForm(StyledForm, forms.Form):
    text = forms.CharField(
        label=_("情况说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachment = forms.FileField(
        label=_("附件"),
        required=False,
        help_text=_("PDF、PNG、JPEG、Word（docx）或 Excel（xlsx），不超过 10 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx,.xlsx"}),
    )


class ReviewForm(StyledForm, forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"), choices=[("accept", _("采纳")), ("reject", _("驳回"))]
    )
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=2000,
        help_text=_("驳回时必填"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def point_label(point: MonitoringPoint) -> str:
    return f"{point.outlet.code} {point.name}" if point.outlet is not None else point.name


class DeclarationForm(StyledForm, forms.Form):
    point = forms.ModelChoiceField(label=_("监控点"), queryset=MonitoringPoint.objects.none())
    kind = forms.ChoiceField(label=_("类型"), choices=DeclarationKind.choices)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput())
    reason = forms.CharField(
        label=_("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = forms.FileField(
        label=_("附件"),
        required=False,
        help_text=_("PDF、PNG、JPEG、Word（docx）或 Excel（xlsx），不超过 10 MB"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.docx,.xlsx"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["point"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = registry.point_list(user=user)
        field.label_from_instance = point_label  # type: ignore[method-assign,assignment]
