"""The dead-letter list: what the alarm engine could not judge, for bureau staff.

Each entry is a packet, a derived hour or day, or a point's silence check that failed and
was set aside so that the rest went on (``monitoring.dead_letters``). A regulator in
jurisdiction judges it again once the cause is fixed, or dismisses it with a reason;
both through the services, audited. Enterprise users never see the list.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qingshan.core.models import User
from qingshan.core.permissions import can_edit_region
from qingshan.monitoring import selectors, services
from qingshan.monitoring.dead_letters import CONSUMER_LABELS
from qingshan.monitoring.models import DeadLetter
from qingshan.registry.models import Device
from qingshan.web.filters import FilterForm
from qingshan.web.forms import StyledForm
from qingshan.web.helpers import call_service, get_or_404, paginate
from qingshan.web.views.common import current_user

OPEN, RESOLVED, ALL = "", "resolved", "all"


class DeadLetterFilter(FilterForm):
    search_hint = gettext_lazy("数采仪 MN")
    state = forms.ChoiceField(
        label=gettext_lazy("状态"),
        choices=[
            (OPEN, gettext_lazy("待处理")),
            (RESOLVED, gettext_lazy("已处理")),
            (ALL, gettext_lazy("全部")),
        ],
        required=False,
    )
    consumer = forms.ChoiceField(label=gettext_lazy("处理环节"), required=False)

    def __init__(self, data: Any, *, user: User) -> None:
        super().__init__(data, user=user)
        del self.fields["region"]  # the list is short; an entry may have no point at all
        self.fields["consumer"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("全部")),
            *((name, gettext_lazy(label)) for name, label in CONSUMER_LABELS.items()),
        ]

    def apply(self, user: User) -> QuerySet[DeadLetter]:
        v = self.values()
        state = v.get("state", OPEN)
        qs = selectors.dead_letter_list(
            user=user, open_only=state == OPEN, consumer=v.get("consumer", "")
        )
        if state == RESOLVED:
            qs = qs.filter(resolved_at__isnull=False)
        if q := v.get("q", "").strip():
            qs = qs.filter(device_id__in=Device.objects.filter(mn__icontains=q).values("pk"))
        return qs


class DismissForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("不再研判的理由"),
        max_length=DeadLetter._meta.get_field("resolution").max_length,
    )


def _staff(request: HttpRequest) -> User:
    user = current_user(request)
    if not user.is_bureau_staff:
        raise Forbidden(_("只有生态环境部门人员可以查看未能研判的数据"))
    return user


def _row(user: User, letter: DeadLetter) -> dict[str, Any]:
    """An entry with its data date, and whether the user may judge it again or dismiss it:
    open, and the user a regulator of its point's region (an entry of no point: the
    administrator), as the services check again."""
    region = getattr(letter, "region_code", None) or ""
    return {
        "letter": letter,
        "data_date": selectors.dead_letter_date(letter),
        "editable": letter.resolved_at is None and can_edit_region(user, region),
    }


@login_required
def dead_letter_list(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    filters = DeadLetterFilter(request.GET, user=user)
    page = paginate(request, filters.apply(user))
    context = {
        "filters": filters,
        "page": page,
        "rows": [_row(user, letter) for letter in page],
        "consumers": {name: _(label) for name, label in CONSUMER_LABELS.items()},
        "open_count": selectors.dead_letter_count(user=user),
    }
    return render(request, "monitoring/dead_letter_list.html", context)


def _back() -> HttpResponse:
    return redirect("monitoring:dead-letters")


@login_required
@require_POST
def dead_letter_judge_again(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    letter = get_or_404(selectors.dead_letter_get, user=user, pk=pk)
    form = forms.Form(request.POST)
    done = call_service(form, lambda: services.dead_letter_judge_again(letter=letter, user=user))
    if done is not None and done.resolved_at is not None:
        messages.success(request, _("已重新研判"))
    elif done is not None:
        messages.warning(request, _("仍未能研判：%(reason)s") % {"reason": _(done.reason)})
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return _back()


@login_required
@require_POST
def dead_letter_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    letter = get_or_404(selectors.dead_letter_get, user=user, pk=pk)
    form = DismissForm(request.POST)
    if form.is_valid():
        done = call_service(
            form,
            lambda: services.dead_letter_dismiss(
                letter=letter, user=user, reason=form.cleaned_data["reason"]
            ),
        )
        if done is not None:
            messages.success(request, _("已不再研判"))
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return _back()
