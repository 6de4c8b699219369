"""Forms of the case pages: one action form per workflow row, with only the fields it needs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingshan.core.choices import Role
from qingshan.core.models import User
from qingshan.monitoring.models import Alarm
from qingshan.monitoring.selectors import alarm_list
from qingshan.registry import selectors as registry
from qingshan.registry.choices import RecordState
from qingshan.registry.factors import factor_name
from qingshan.registry.models import Enterprise, MonitoringPoint
from qingshan.supervision.choices import (
    SHARED_BY_DEFAULT,
    CaseAction,
    CaseRole,
    CaseSeverity,
    CaseState,
    Visibility,
)
from qingshan.supervision.models import CASE_DESCRIPTION_MAX, SupervisionCase
from qingshan.supervision.workflow import (
    ATTACHMENTS,
    COMMENT,
    DEADLINE_SETTABLE,
    PENALTY,
    Transition,
)
from qingshan.web.filters import YES_NO, FilterForm, yes_no
from qingshan.web.forms import StyledForm

COMMENT_LABELS: dict[str, Any] = {
    CaseAction.RETURN_DISPATCH: _("退回原因"),
    CaseAction.RECORD_FINDINGS: _("现场检查情况"),
    CaseAction.ORDER_RECTIFICATION: _("检查结论与整改要求"),
    CaseAction.SUBMIT_RECTIFICATION: _("整改方案与完成情况"),
    CaseAction.REJECT_RECTIFICATION: _("退回原因"),
    CaseAction.CLOSE_UNFOUNDED: _("核查结论"),
    CaseAction.CLOSE_FALSE_ALARM: _("误报原因"),
}


def display_name(user: User) -> str:
    """A person as the pages name them: the name they go by, the login name only when
    the account has no name at all."""
    return user.get_full_name() or user.get_username()


class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of people, by display name (a login name is an account, not a person)."""

    def label_from_instance(self, obj: Any) -> str:
        return display_name(obj)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ActionForm(StyledForm, forms.Form):
    """The form of one action: its fields come from the workflow row's ``needs``.

    Its fields are stacked, one per line: the form sits in a third of the case page on a
    laptop and in the whole width of a phone, where two columns do not fit.
    """

    template_name = "supervision/forms/stacked.html"

    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        row: Transition,
        case: SupervisionCase,
        inspectors: QuerySet[User] | None = None,
        role: str | None = None,
    ) -> None:
        super().__init__(
            data,
            files,
            initial={"action": row.action, "version": case.version},
            prefix=row.action,
        )
        self.row = row
        self.label = CaseAction(row.action).label
        action = row.action
        if action == CaseAction.DISPATCH:
            self.fields["team_region_code"] = forms.ChoiceField(
                label=_("承办单位"),
                choices=[
                    (case.region_code, _("属地县区（%(code)s）") % {"code": case.region_code}),
                    (
                        case.region_code[:4],
                        _("市局直接承办（%(code)s）") % {"code": case.region_code[:4]},
                    ),
                ],
            )
        if action == CaseAction.DISPATCH or (action == CaseAction.ACCEPT and role == "county"):
            self.fields["assignee"] = PersonChoiceField(
                label=_("执法人员"),
                queryset=inspectors if inspectors is not None else User.objects.none(),
                required=False,
                empty_label=_("暂不指定（由承办单位安排）"),
            )
        if action in DEADLINE_SETTABLE:
            self.fields["deadline"] = forms.DateTimeField(
                label=_("期限"),
                required=False,
                widget=DateTimeInput(),
                help_text=_("留空按规则表计算"),
            )
        if COMMENT in row.needs or action in (
            CaseAction.ACCEPT,
            CaseAction.DISPATCH,
            CaseAction.VERIFY,
        ):
            self.fields["comment"] = forms.CharField(
                label=COMMENT_LABELS.get(action, _("意见")),
                widget=forms.Textarea(attrs={"rows": 3}),
                required=COMMENT in row.needs,
                max_length=4000,
            )
        if action in (
            CaseAction.RECORD_FINDINGS,
            CaseAction.ORDER_RECTIFICATION,
            CaseAction.SUBMIT_RECTIFICATION,
            CaseAction.REJECT_RECTIFICATION,
            CaseAction.CLOSE_UNFOUNDED,
            CaseAction.PENALISE,
            CaseAction.VERIFY,
        ):
            self.fields["files"] = MultipleFileField(
                label=_("附件（照片、PDF、Word、Excel）"),
                required=ATTACHMENTS in row.needs,
                widget=MultipleFileInput(attrs={"accept": "image/*,.pdf,.docx,.xlsx"}),
            )
        if role != CaseRole.ENTERPRISE and ("comment" in self.fields or "files" in self.fields):
            # the author decides who reads it; bureau only unless they share it
            self.fields["visibility"] = forms.ChoiceField(
                label=_("意见和附件的可见范围"),
                choices=Visibility.choices,
                initial=(Visibility.SHARED if action in SHARED_BY_DEFAULT else Visibility.BUREAU),
                required=False,  # left out (an older page, a script): the same default
                widget=forms.Select(attrs={"class": "form-select"}),
                help_text=_(
                    "默认仅生态环境局内部可见；需企业知悉的（如整改要求）请选择与企业共享。"
                    "信访举报案件请勿共享可能暴露举报人的内容。"
                ),
            )
        if PENALTY in row.needs:
            self.fields["decision_number"] = forms.CharField(
                label=_("处罚决定书文号"), max_length=64
            )
            self.fields["legal_basis"] = forms.CharField(label=_("法律依据"), max_length=300)
            self.fields["amount"] = forms.DecimalField(
                label=_("罚款金额（元）"), min_value=0, max_digits=14, decimal_places=2
            )

    @property
    def wants_location(self) -> bool:
        return self.row.action in (CaseAction.RECORD_FINDINGS, CaseAction.ORDER_RECTIFICATION)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "action": self.row.action,
            "version": data["version"],
            "comment": data.get("comment", "") or "",
            "assignee": data.get("assignee"),
            "team_region_code": data.get("team_region_code", "") or "",
            "deadline": data.get("deadline"),
            "visibility": data.get("visibility") or None,
        }
        if data.get("lat") is not None and data.get("lng") is not None:
            kwargs["location"] = {"lat": data["lat"], "lng": data["lng"]}
        if PENALTY in self.row.needs:
            kwargs["penalty"] = {
                "decision_number": data["decision_number"],
                "legal_basis": data["legal_basis"],
                "amount": data["amount"],
            }
        return kwargs


class CaseFilter(FilterForm):
    search_hint = _("标题或排污单位名称")
    state = forms.ChoiceField(
        label=_("状态"),
        choices=[("", _("全部")), ("open", _("未销号")), *CaseState.choices],
        required=False,
    )
    enterprise = forms.ModelChoiceField(
        label=_("排污单位"),
        queryset=Enterprise.objects.none(),
        required=False,
        empty_label=_("全部"),
    )
    assignee = PersonChoiceField(
        label=_("承办人"), queryset=User.objects.none(), required=False, empty_label=_("全部")
    )
    overdue = forms.ChoiceField(label=_("逾期"), choices=YES_NO, required=False)

    field_order = ["q", "state", "region", "enterprise", "assignee", "overdue"]

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data, user=user)
        assignee = self.fields["assignee"]
        enterprise = self.fields["enterprise"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assert isinstance(enterprise, forms.ModelChoiceField)
        if user.role == Role.ENTERPRISE:
            # its own cases only: nothing to choose among
            for name in ("region", "enterprise", "assignee"):
                del self.fields[name]
            return
        # the enterprises the user sees, retired ones too (their cases stay on record);
        # an enterprise outside the scope is no choice, and is ignored if sent
        enterprise.queryset = registry.enterprise_list(user=user, state=RecordState.ALL).order_by(
            "name", "pk"
        )
        prefix = user.region_code[:4] if user.region_code else ""
        assignee.queryset = User.objects.filter(
            role=Role.INSPECTOR, region_code__startswith=prefix
        ).order_by("first_name", "last_name", "username")

    def selector_kwargs(self, *, with_state: bool = True) -> dict[str, Any]:
        v = self.values()
        assignee = v.get("assignee")
        enterprise = v.get("enterprise")
        kwargs: dict[str, Any] = {
            "q": (v.get("q") or "").strip(),
            "region_code": v.get("region", "") or "",
            "assignee_id": assignee.pk if assignee else None,
            "overdue": yes_no(v.get("overdue", "") or ""),
            "enterprise_id": enterprise.pk if enterprise else None,
        }
        if with_state:
            kwargs["state"] = v.get("state", "") or ""
        return kwargs


class EnterpriseChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.region_code}）"


class AlarmChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        factor = f" {factor_name(obj.factor_code)}" if obj.factor_code else ""
        when = timezone.localtime(obj.first_at).strftime("%Y-%m-%d %H:%M")  # its data time
        return f"{when} {obj.point.name}{factor} {obj.get_kind_display()}"


class CaseOpenForm(StyledForm, forms.Form):
    """A case opened by hand: the enterprise (one the user sees), what was found, and
    optionally the monitoring point, the factor or an alarm without a case it concerns.

    With an alarm, the case is the alarm's (``case_open_from_alarm``: its title, text and
    severity come from the alarm, the description typed here is the opening note);
    without one, a manual case (``case_open_manual``), the point and factor written at
    the head of its description. The choices of point, factor and alarm are the chosen
    enterprise's, so the page reloads them when the enterprise changes.
    """

    template_name = "supervision/forms/case_open.html"
    ALARM_CHOICES = 50  # the enterprise's most recent alarms without a case

    enterprise = EnterpriseChoiceField(
        label=_("排污单位"),
        queryset=Enterprise.objects.none(),
        empty_label=_("请选择排污单位"),
        error_messages={
            "required": _("请选择排污单位"),
            "invalid_choice": _("该排污单位不存在或不在您的辖区内"),
        },
    )
    alarm = AlarmChoiceField(
        label=_("关联报警"),
        queryset=Alarm.objects.none(),
        required=False,
        empty_label=_("不关联报警"),
        help_text=_("选择报警时，案件标题、描述和严重程度取自报警，下面填写的描述作为立案意见。"),
        error_messages={"invalid_choice": _("该报警不属于所选排污单位、已立案或无权访问")},
    )
    point = forms.ModelChoiceField(
        label=_("监控点"),
        queryset=MonitoringPoint.objects.none(),
        required=False,
        empty_label=_("不指定"),
        error_messages={"invalid_choice": _("该监控点不属于所选排污单位")},
    )
    factor = forms.ChoiceField(
        label=_("监测因子"),
        required=False,
        error_messages={"invalid_choice": _("所选排污单位的监控点不监测该因子")},
    )
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        required=False,
        help_text=_("不关联报警时必填"),
        error_messages={"max_length": _("标题最多 %(limit_value)d 个字符（现为 %(show_value)d）")},
    )
    severity = forms.ChoiceField(
        label=_("严重程度"), choices=CaseSeverity.choices, initial=CaseSeverity.MAJOR
    )
    description = forms.CharField(
        label=_("案件描述"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=CASE_DESCRIPTION_MAX,
        help_text=_("发现的问题、来源（如现场检查、信访举报）和需要核查的内容"),
        error_messages={
            "max_length": _("案件描述最多 %(limit_value)d 个字符（现为 %(show_value)d）")
        },
    )

    def __init__(self, data: Any = None, *, user: User, initial: Any = None) -> None:
        super().__init__(data, initial=initial)
        self.user = user
        enterprise = self.fields["enterprise"]
        assert isinstance(enterprise, forms.ModelChoiceField)
        enterprise.queryset = registry.enterprise_list(user=user).order_by("name", "pk")
        self.chosen = self._chosen(enterprise.queryset)
        self._dependent_choices(self.chosen)

    def _chosen(self, enterprises: QuerySet[Enterprise]) -> Enterprise | None:
        """The enterprise picked so far (posted, or given in the page's query)."""
        value = str((self.data if self.is_bound else self.initial).get("enterprise") or "")
        if not value.isdecimal() or int(value) >= 2**63:  # a forged value: none chosen
            return None
        return enterprises.filter(pk=int(value)).first()

    def _dependent_choices(self, enterprise: Enterprise | None) -> None:
        point, alarm = self.fields["point"], self.fields["alarm"]
        assert isinstance(point, forms.ModelChoiceField)
        assert isinstance(alarm, forms.ModelChoiceField)
        factors: list[tuple[str, str]] = []
        if enterprise is not None:
            point.queryset = registry.point_list(user=self.user, enterprise_id=enterprise.pk)
            recent = alarm_list(user=self.user, enterprise_id=enterprise.pk).filter(
                case__isnull=True
            )
            ids = list(recent.order_by("-raised_at", "-id").values_list("pk", flat=True))
            alarm.queryset = (
                Alarm.objects.filter(pk__in=ids[: self.ALARM_CHOICES])
                .select_related("point")
                .order_by("-raised_at", "-id")
            )
            codes = sorted({code for p in point.queryset for code in p.factors})
            factors = [(code, factor_name(code)) for code in codes]
        self.fields["factor"].choices = [("", _("不指定")), *factors]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        alarm, point, factor = data.get("alarm"), data.get("point"), data.get("factor")
        if alarm is not None:
            if point is not None and point.pk != alarm.point_id:
                self.add_error("point", _("与所选报警的监控点不一致"))
            if factor and factor != alarm.factor_code:
                self.add_error("factor", _("与所选报警的监测因子不一致"))
        elif not (data.get("title") or "").strip() and "title" not in self.errors:
            self.add_error("title", _("请填写标题，或选择一个报警（标题取自报警）"))
        if point is not None and factor and factor not in (point.factors or []):
            self.add_error("factor", _("所选监控点不监测该因子"))
        return data

    def manual_description(self) -> str:
        """The description of a manual case: the point and the factor first, if given."""
        data = self.cleaned_data
        # the record is written in Chinese whatever the page's language (as an alarm's is)
        lines = []
        if data.get("point") is not None:
            lines.append(f"监控点：{data['point'].name}")
        if data.get("factor"):
            lines.append(f"监测因子：{factor_name(data['factor'])}")
        text = (data.get("description") or "").strip()
        return "\n".join([*lines, text] if text else lines)
