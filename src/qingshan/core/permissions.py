"""Who may see and change what. Scoping lives here, in one place, so no view can forget it.

Each scoped model names the path from itself to its enterprise in ``SCOPE_ENTERPRISE``
("" for the enterprise itself). A regulator or inspector sees every record whose
enterprise lies in their jurisdiction; an enterprise user sees their own enterprise's
records; the bureau administrator sees everything; anyone else sees nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils.translation import gettext as _

from qingshan.core.choices import Role
from qingshan.core.models import User

M = TypeVar("M", bound=models.Model)


class PermissionDenied(Exception):
    """The user may not do this; the message says why."""


def _path(model: type[models.Model]) -> str:
    path: str | None = getattr(model, "SCOPE_ENTERPRISE", None)
    if path is None:
        raise TypeError(f"{model.__name__} has no SCOPE_ENTERPRISE: it cannot be scoped")
    return path


def scope_q(model: type[models.Model], user: User | AnonymousUser) -> models.Q | None:
    """The filter limiting ``model`` to what ``user`` may see; None means no limit."""
    if not user.is_authenticated:
        return models.Q(pk__in=[])
    assert isinstance(user, User)
    path = _path(model)
    if user.is_bureau_admin:
        return None
    if user.role in (Role.REGULATOR, Role.INSPECTOR):
        if not user.region_code:
            return models.Q(pk__in=[])
        region = f"{path}__region_code" if path else "region_code"
        return models.Q(**{f"{region}__startswith": user.region_code})
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        return models.Q(**{f"{path}_id" if path else "pk": user.enterprise_id})
    return models.Q(pk__in=[])


def restrict(qs: models.QuerySet[M], user: User | AnonymousUser) -> models.QuerySet[M]:
    q = scope_q(qs.model, user)
    return qs if q is None else qs.filter(q)


def in_jurisdiction(user: User, region_code: str) -> bool:
    if user.is_bureau_admin:
        return True
    return bool(user.region_code) and region_code.startswith(user.region_code)


def can_edit_region(user: User | AnonymousUser, region_code: str) -> bool:
    """May this user create or change registry and permit records in this region?

    Regulators edit within their jurisdiction; inspectors and enterprise users read.
    """
    if not user.is_authenticated:
        return False
    assert isinstance(user, User)
    if user.is_bureau_admin:
        return True
    return user.role == Role.REGULATOR and in_jurisdiction(user, region_code)


def require_edit(user: User | AnonymousUser, region_code: str, *, what: Any = "") -> None:
    if not can_edit_region(user, region_code):
        raise PermissionDenied(
            _("无权修改该辖区（%(region)s）的%(what)s记录") % {"region": region_code, "what": what}
        )
