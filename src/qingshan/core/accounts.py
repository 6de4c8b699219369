"""Logins: brute-force throttling (django-axes) and the audit rows of account events.

How failures are counted. django-axes keeps one row per (username, address, user agent)
with its number of failures and the time of the last one. A login — on the login page,
the admin's login page or ``POST /api/v1/auth/token`` — is refused, right password or
not, while within one lockout period before now

- the failures against the account, from any address, reach
  ``core.login_failure_limit``, or
- the failures from the address, against any account, reach
  ``core.login_failure_limit_per_address`` (higher: a bureau's staff often share one
  outgoing address, and one colleague's typos must not lock the others out).

A refused try is not counted, so a lockout ends one period (``core.login_lockout_minutes``)
after the failure that started it, unless an administrator deletes the rows first
(admin → 登录失败与锁定). The three values are national rule-table rows; they are read on
every attempt, so a change in the admin applies to the next login.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from qingshan.core.actor import current
from qingshan.core.choices import AuditAction
from qingshan.core.middleware import client_ip
from qingshan.core.models import AuditLog, User
from qingshan.core.rules import rule_value

RULE_ACCOUNT_LIMIT = "core.login_failure_limit"
RULE_ADDRESS_LIMIT = "core.login_failure_limit_per_address"
RULE_LOCKOUT_MINUTES = "core.login_lockout_minutes"
# Only if the national rows were deleted: the administrator must still be able to log
# in to put them back, and logins must stay throttled meanwhile. Same as the seed.
FALLBACK = {RULE_ACCOUNT_LIMIT: 5, RULE_ADDRESS_LIMIT: 20, RULE_LOCKOUT_MINUTES: 30}


def _rule(name: str) -> int:
    return int(rule_value(name, on=timezone.localdate(), default=FALLBACK[name]))


def account_failure_limit(request: HttpRequest | None = None, credentials: Any = None) -> int:
    """AXES_FAILURE_LIMIT: failures against one account that lock it."""
    return _rule(RULE_ACCOUNT_LIMIT)


def address_failure_limit() -> int:
    return _rule(RULE_ADDRESS_LIMIT)


def lockout_period(request: HttpRequest | None = None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: how long failures count, and so how long a lockout lasts."""
    return dt.timedelta(minutes=_rule(RULE_LOCKOUT_MINUTES))


def _failures(since: dt.datetime, **where: Any) -> list[tuple[dt.datetime, int]]:
    rows = AccessAttempt.objects.filter(attempt_time__gte=since, **where)
    return list(rows.values_list("attempt_time", "failures_since_start"))


def _release(rows: list[tuple[dt.datetime, int]], limit: int, period: dt.timedelta) -> Any:
    """When the failures in ``rows`` drop below ``limit`` as they age out, or None."""
    total = 0
    for at, failures in sorted(rows, reverse=True):
        total += failures
        if total >= limit:
            return at + period
    return None


def locked_until(*, username: str | None, ip_address: str | None) -> dt.datetime | None:
    """The end of the lockout of this account or this address, or None if neither is."""
    now, period = timezone.now(), lockout_period()
    since = now - period
    ends = [
        _release(_failures(since, username=username), account_failure_limit(), period),
        _release(_failures(since, ip_address=ip_address), address_failure_limit(), period),
    ]
    return max((end for end in ends if end is not None and end > now), default=None)


class LoginThrottle(AxesDatabaseHandler):  # type: ignore[misc]
    """AXES_HANDLER: axes' database handler, with the per-address limit of its own and
    an audit row when a lockout begins."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """The failures compared with the account limit: the account's own, or the limit
        itself once the address is over its (higher) limit."""
        since = get_cool_off_threshold(request)
        username = get_client_username(request, credentials)
        by_account = sum(n for _, n in _failures(since, username=username))
        by_address = sum(n for _, n in _failures(since, ip_address=request.axes_ip_address))
        if by_address >= address_failure_limit():
            return max(by_account, account_failure_limit())
        return by_account

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        """Count the failure (axes), and audit it; and the lockout, if this one began it."""
        # a try refused because the lockout is on arrives already flagged by the backend
        already_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        username = credentials.get(User.USERNAME_FIELD)
        username = str(username) if username is not None else None
        reason = "locked_out" if already_locked else "bad_credentials"
        account_event(
            request=request,
            action=AuditAction.LOGIN_FAILED,
            username=username,
            changes={"reason": [None, reason]},
        )
        if request is not None and request.axes_locked_out and not already_locked:
            until = locked_until(username=username, ip_address=request.axes_ip_address)
            account_event(
                request=request,
                action=AuditAction.LOCKOUT,
                username=username,
                changes={"locked_until": [None, until.isoformat() if until else None]},
            )


def retry_after(until: dt.datetime | None) -> int:
    """Whole seconds until ``until`` (at least 1; a full period if it is unknown)."""
    if until is None:
        return int(lockout_period().total_seconds())
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def lockout_message(until: dt.datetime | None) -> str:
    seconds = retry_after(until)
    when = timezone.localtime(until or timezone.now() + dt.timedelta(seconds=seconds))
    return _(
        "登录失败次数过多，该账号或来源地址已被暂时锁定。"
        "请于 %(time)s 之后（约 %(minutes)d 分钟后）再试；如需提前解锁，请联系局管理员。"
    ) % {"time": f"{when:%Y-%m-%d %H:%M}", "minutes": math.ceil(seconds / 60)}


def request_lockout(request: HttpRequest, credentials: dict[str, Any] | None) -> dt.datetime | None:
    """The end of the lockout that refused this request (axes has annotated it)."""
    return locked_until(
        username=get_client_username(request, credentials),
        ip_address=getattr(request, "axes_ip_address", client_ip(request)),
    )


def api_lockout_response(until: dt.datetime | None) -> HttpResponse:
    """429 in the API's error shape, with Retry-After in seconds (RFC 9110 §10.2.3)."""
    body = {"error": {"code": "locked_out", "message": lockout_message(until), "fields": {}}}
    response = JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
    response["Retry-After"] = str(retry_after(until))
    return response


def _via(request: HttpRequest | None) -> str:
    ctx = current()
    if ctx is not None and ctx.via:
        return ctx.via
    path = getattr(request, "path", "") or ""
    return "api" if path.startswith("/api/") else "web"


def account_event(
    *,
    request: HttpRequest | None,
    action: str,
    username: str | None,
    user: User | None = None,
    changes: dict[str, list[Any]] | None = None,
) -> AuditLog:
    """An audit row of a login, a failed login or a lockout of the account ``username``.

    The actor is the person who logged in; for a failure, no one is known, and the name
    tried stands in ``actor_name``. Passwords never reach here. Failures are written by
    ``LoginThrottle`` (it knows whether the lockout refused the try); logins by the
    ``user_logged_in`` signal (bookkeeping) and by the token service.
    """
    name = (user.get_username() if user is not None else username or "")[:150]
    account = user
    if account is None and name:
        account = User.objects.filter(username=name).first()
    return AuditLog.objects.create(
        actor=user,
        actor_name=name,
        ip_address=client_ip(request) if request is not None else None,
        via=_via(request),
        action=action,
        object_type=User._meta.label_lower,
        object_id=str(account.pk) if account is not None else "",
        object_repr=name[:200],
        changes=changes or {},
    )


@receiver(user_logged_in, dispatch_uid="qingshan.accounts.logged_in")
def _logged_in(sender: Any, request: HttpRequest | None, user: User, **_: Any) -> None:
    account_event(request=request, action=AuditAction.LOGIN, username=None, user=user)
