"""Pieces shared by the pages: the current user, the form page, and the pages that delete,
retire (注销) and reinstate a record (issue 15: a record with history is retired, never
deleted; its delete page says so and offers the retirement instead)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.exceptions import ValidationError
from django.db.models import Model, ProtectedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from qingshan.core.models import User
from qingshan.core.permissions import PermissionDenied
from qingshan.registry.models import RETIRED_REASON_MAX
from qingshan.registry.services import RecordConflict
from qingshan.web.forms import StyledForm

GET_POST = require_http_methods(["GET", "POST"])


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every page is behind login_required
    return user


def form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    title: str,
    enterprise: Model | None,
    cancel_url: str,
) -> HttpResponse:
    return render(
        request,
        "web/object_form.html",
        {"form": form, "title": title, "enterprise": enterprise, "cancel_url": cancel_url},
    )


def _delete(request: HttpRequest, delete: Callable[[], object]) -> bool:
    """Run a delete service; False (with a message) when the record cannot go."""
    try:
        delete()
    except RecordConflict as exc:  # it has history: the page offers to retire it
        messages.error(request, " ".join(exc.messages))
        return False
    except PermissionDenied as exc:
        raise Forbidden(str(exc)) from exc
    except ProtectedError:
        messages.error(request, _("仍有其他记录（如用户账号）引用该记录，不能删除"))
        return False
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    return True


def confirm_delete(
    request: HttpRequest,
    *,
    obj: Model,
    delete: Callable[[], object],
    cancel_url: str,
    success_url: str,
    consequences: Sequence[tuple[str, int]] = (),
    enterprise: Model | None = None,
    refusal: str = "",
    instead: tuple[str, str] | None = None,
) -> HttpResponse:
    """GET: what will be deleted, and a button; POST: delete, then go on.

    ``refusal`` says why the record cannot be deleted (it has history); the page then
    offers ``instead`` (label, URL: retire it) and no delete button. A refused POST comes
    back to this page."""
    if request.method == "POST":
        if not _delete(request, delete):
            return redirect(request.path if refusal else cancel_url)
        messages.success(
            request,
            _("已删除%(kind)s %(name)s") % {"kind": obj._meta.verbose_name, "name": obj},
        )
        return redirect(success_url)
    context: dict[str, Any] = {
        "object": obj,
        "kind": obj._meta.verbose_name,
        "consequences": [(label, n) for label, n in consequences if n],
        "cancel_url": cancel_url,
        "enterprise": enterprise,
        "refusal": refusal,
        "instead": instead,
    }
    return render(request, "web/confirm_delete.html", context)


def history_refusal(history: Sequence[str]) -> str:
    """Why a record with history cannot be deleted, for its delete page."""
    if not history:
        return ""
    return _(
        "已有%(what)s，是监管记录，不能删除。请改为注销：记录与全部历史仍可查看，"
        "不再接收新数据，需要时可以恢复。"
    ) % {"what": _("、").join(history)}


class RetireForm(StyledForm, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("注销原因"),
        max_length=RETIRED_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("如：企业关停、排放口封堵、点位撤除、设备更换"),
    )


def retire_page(
    request: HttpRequest,
    *,
    obj: Any,
    retire: Callable[[str], object],
    back_url: str,
    consequences: Sequence[tuple[str, int]] = (),
    enterprise: Model | None = None,
) -> HttpResponse:
    """GET: what retiring means, and the reason to give; POST: retire, then go back."""
    if obj.retired_at is not None:
        messages.info(request, _("%(name)s 已注销") % {"name": obj})
        return redirect(back_url)
    form = RetireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            retire(form.cleaned_data["reason"])
        except PermissionDenied as exc:
            raise Forbidden(str(exc)) from exc
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("已注销%(kind)s %(name)s") % {"kind": obj._meta.verbose_name, "name": obj},
            )
            return redirect(back_url)
    context: dict[str, Any] = {
        "object": obj,
        "kind": obj._meta.verbose_name,
        "form": form,
        "consequences": [(label, n) for label, n in consequences if n],
        "cancel_url": back_url,
        "enterprise": enterprise,
    }
    return render(request, "web/confirm_retire.html", context)


def reinstate_page(
    request: HttpRequest,
    *,
    obj: Any,
    reinstate: Callable[[], object],
    back_url: str,
    enterprise: Model | None = None,
) -> HttpResponse:
    """GET: the retirement being undone, and a button; POST: reinstate, then go back."""
    if obj.retired_at is None:
        messages.info(request, _("%(name)s 未注销") % {"name": obj})
        return redirect(back_url)
    if request.method == "POST":
        try:
            reinstate()
        except PermissionDenied as exc:
            raise Forbidden(str(exc)) from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("已恢复%(kind)s %(name)s") % {"kind": obj._meta.verbose_name, "name": obj},
            )
        return redirect(back_url)
    context: dict[str, Any] = {
        "object": obj,
        "kind": obj._meta.verbose_name,
        "cancel_url": back_url,
        "enterprise": enterprise,
    }
    return render(request, "web/confirm_reinstate.html", context)
