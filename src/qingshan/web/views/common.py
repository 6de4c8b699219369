"""Pieces shared by the pages: the current user, the form page and the delete page."""

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
from django.views.decorators.http import require_http_methods

from qingshan.core.models import User
from qingshan.core.permissions import PermissionDenied

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


def _delete(request: HttpRequest, delete: Callable[[], None]) -> bool:
    """Run a delete service; False (with a message) when the record cannot go."""
    try:
        delete()
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
    delete: Callable[[], None],
    cancel_url: str,
    success_url: str,
    consequences: Sequence[tuple[str, int]] = (),
    enterprise: Model | None = None,
) -> HttpResponse:
    """GET: what will be deleted, and a button; POST: delete, then go on."""
    if request.method == "POST":
        if not _delete(request, delete):
            return redirect(cancel_url)
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
    }
    return render(request, "web/confirm_delete.html", context)
