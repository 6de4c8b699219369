"""API bearer tokens: random, shown once, stored as a SHA-256 digest.

A token has a name, a lifetime (``core.api_token_lifetime_days`` of the holder's
jurisdiction; the request may ask a shorter one) and dies early when its holder or an
administrator revokes it, when the holder's password changes or when the account is
deactivated (``User.save``). Issuing and revoking are audited here; the secret never is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.accounts import account_event, request_lockout
from qingshan.core.actor import audit_context
from qingshan.core.audit import audit_record
from qingshan.core.choices import AuditAction
from qingshan.core.middleware import client_ip
from qingshan.core.models import ApiToken, User
from qingshan.core.permissions import PermissionDenied
from qingshan.core.rules import rule_value

RULE_LIFETIME = "core.api_token_lifetime_days"
FALLBACK_LIFETIME_DAYS = 90  # as the seed; only if the national row was deleted


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_lifetime_days(user: User) -> int:
    """The longest lifetime a token of this user may have, in days."""
    value = rule_value(
        RULE_LIFETIME,
        region_code=user.region_code,
        on=timezone.localdate(),
        default=FALLBACK_LIFETIME_DAYS,
    )
    return int(value)


@dataclass(frozen=True, slots=True)
class Issued:
    """What ``token_issue`` gives: the secret (shown once) and its row, or the refusal."""

    token: str = ""
    row: ApiToken | None = None
    locked_until: dt.datetime | None = None  # set when a lockout refused the login

    @property
    def locked_out(self) -> bool:
        return self.row is None and self.locked_until is not None


def token_issue(
    *,
    request: HttpRequest,
    username: str,
    password: str,
    name: str = "",
    lifetime_days: int | None = None,
) -> Issued:
    """A new token for valid credentials of an active user; an empty ``Issued`` for bad
    ones, one with ``locked_until`` when the login throttle refused the try.

    ``authenticate`` gets the request so that django-axes counts the failure and refuses
    a locked-out account or address even with the right password.
    """
    user = authenticate(request=request, username=username, password=password)
    if not isinstance(user, User) or not user.is_active:
        if getattr(request, "axes_locked_out", False):
            return Issued(locked_until=request_lockout(request, {"username": username}))
        return Issued()
    longest = token_lifetime_days(user)
    days = longest if lifetime_days is None else lifetime_days
    if not 1 <= days <= longest:
        message = _("有效期应为 1 至 %(days)d 天") % {"days": longest}
        raise ValidationError({"lifetime_days": [message]})
    secret = secrets.token_urlsafe(32)
    with (
        transaction.atomic(),
        audit_context(user=user, ip_address=client_ip(request), via="api"),
    ):
        row = ApiToken.objects.create(
            user=user,
            name=name.strip(),
            digest=_digest(secret),
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        account_event(request=request, action=AuditAction.LOGIN, username=None, user=user)
        audit_record(
            row,
            AuditAction.TOKEN_ISSUE,
            {
                "user": [None, user.get_username()],
                "name": [None, row.name],
                "expires_at": [None, row.expires_at],
            },
        )
    return Issued(token=secret, row=row)


def token_user(token: str) -> User | None:
    """The active holder of a live token (not revoked, not expired), else None."""
    if not token or len(token) > 200:
        return None
    now = timezone.now()
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def token_list(*, user: User, holder_id: int | None = None) -> QuerySet[ApiToken]:
    """The tokens ``user`` may see: their own; an administrator's, everyone's."""
    rows = ApiToken.objects.select_related("user")
    if not user.is_bureau_admin:
        rows = rows.filter(user=user)
    if holder_id is not None:
        rows = rows.filter(user_id=holder_id)
    return rows.order_by("-created_at", "-id")


def token_get(*, user: User, pk: int) -> ApiToken:
    """One token ``user`` may see (DoesNotExist for any other: its id tells nothing)."""
    return token_list(user=user).get(pk=pk)


def _revoke(row: ApiToken, *, reason: str, now: dt.datetime) -> None:
    ApiToken.objects.filter(pk=row.pk).update(revoked_at=now)
    row.revoked_at = now
    audit_record(
        row, AuditAction.TOKEN_REVOKE, {"revoked_at": [None, now], "reason": [None, reason]}
    )


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    """Revoke a token: its holder may, and an administrator; revoking twice changes nothing."""
    if token.user_id != user.pk and not user.is_bureau_admin:
        raise PermissionDenied(_("只能撤销自己的令牌"))
    if token.revoked_at is None:
        reason = "holder" if token.user_id == user.pk else "administrator"
        _revoke(token, reason=reason, now=timezone.now())
    return token


def tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every live token of ``user`` (password changed, account deactivated).

    Called by ``User.save`` inside its transaction; the audit row names whoever made the
    change (the context), or the system.
    """
    now = timezone.now()
    rows = list(ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now))
    for row in rows:
        _revoke(row, reason=reason, now=now)
    return len(rows)
