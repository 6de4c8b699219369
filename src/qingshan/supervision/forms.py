"""Forms of the case pages: one action form per workflow row, with only the fields it needs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from qingshan.core.models import User
from qingshan.supervision.choices import (
    SHARED_BY_DEFAULT,
    CaseAction,
    CaseRole,
    CaseState,
    Visibility,
)
from qingshan.supervision.models import SupervisionCase
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
    """The form of one action: its fields come from the workflow row's ``needs``."""

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
            self.fields["assignee"] = forms.ModelChoiceField(
                label=_("执法人员"),
                queryset=inspectors if inspectors is not None else User.objects.none(),
                required=False,
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
    assignee = forms.ModelChoiceField(
        label=_("承办人"), queryset=User.objects.none(), required=False
    )
    overdue = forms.ChoiceField(label=_("逾期"), choices=YES_NO, required=False)
    enterprise = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = ["q", "state", "region", "assignee", "overdue"]

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data, user=user)
        from qingshan.core.choices import Role

        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        if user.role == Role.ENTERPRISE:
            for name in ("region", "assignee"):
                del self.fields[name]
        else:
            prefix = user.region_code[:4] if user.region_code else ""
            assignee.queryset = User.objects.filter(
                role=Role.INSPECTOR, region_code__startswith=prefix
            ).order_by("username")

    def selector_kwargs(self, *, with_state: bool = True) -> dict[str, Any]:
        v = self.values()
        assignee = v.get("assignee")
        kwargs: dict[str, Any] = {
            "q": (v.get("q") or "").strip(),
            "region_code": v.get("region", "") or "",
            "assignee_id": assignee.pk if assignee else None,
            "overdue": yes_no(v.get("overdue", "") or ""),
            "enterprise_id": v.get("enterprise") or None,
        }
        if with_state:
            kwargs["state"] = v.get("state", "") or ""
        return kwargs
