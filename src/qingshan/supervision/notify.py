"""Who hears about a case, and the in-app inbox (with e-mail when it is configured).

Notifications are written in the transaction of the change they report, so a rolled-back
action notifies nobody; e-mails go out only after that transaction commits.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qingshan.core.choices import Role
from qingshan.core.models import User
from qingshan.supervision.choices import CaseState
from qingshan.supervision.models import Notification, SupervisionCase

log = logging.getLogger("qingshan.supervision")

CITY, PROVINCE = 4, 2


def email_enabled() -> bool:
    """E-mail goes out when QINGSHAN_NOTIFY_EMAIL=1 and Django's EMAIL_* reach a server."""
    configured = getattr(settings, "QINGSHAN_NOTIFY_EMAIL", None)
    if configured is None:
        return os.environ.get("QINGSHAN_NOTIFY_EMAIL", "") == "1"
    return bool(configured)


def _active() -> Q:
    return Q(is_active=True)


def administrators() -> list[User]:
    return list(User.objects.filter(_active(), Q(role=Role.ADMIN) | Q(is_superuser=True)))


def level_users(prefix: str) -> list[User]:
    """Regulators at this level, else at the next level up, else the administrators."""
    while prefix:
        found = list(User.objects.filter(_active(), role=Role.REGULATOR, region_code=prefix))
        if found:
            return found
        prefix = prefix[: len(prefix) - 2]
    return administrators()


def team_users(case: SupervisionCase) -> list[User]:
    return level_users(case.team_region_code or case.region_code)


def supervisors(case: SupervisionCase) -> list[User]:
    return level_users(case.region_code[:CITY])


def enterprise_users(case: SupervisionCase) -> list[User]:
    return list(
        User.objects.filter(_active(), role=Role.ENTERPRISE, enterprise_id=case.enterprise_id)
    )


def responsible(case: SupervisionCase) -> list[User]:
    """Who must act now, by the case's state."""
    if case.state == CaseState.PENDING:
        return supervisors(case)
    if case.state in (CaseState.DISPATCHED, CaseState.INVESTIGATING):
        return [case.assignee] if case.assignee else team_users(case)
    if case.state == CaseState.RECTIFYING:
        return enterprise_users(case)
    if case.state == CaseState.VERIFYING:
        return team_users(case)
    return []


def overseers(case: SupervisionCase) -> list[User]:
    """The responsible party's supervisor: told when the case runs past its deadline."""
    if case.state == CaseState.PENDING:
        return level_users(case.region_code[:PROVINCE])
    if case.state in (CaseState.DISPATCHED, CaseState.INVESTIGATING):
        return team_users(case) if case.assignee else supervisors(case)
    if case.state == CaseState.RECTIFYING:
        return _unique([*([case.assignee] if case.assignee else []), *team_users(case)])
    return supervisors(case)


def escalation_users(case: SupervisionCase, level: int) -> list[User]:
    """The level above the handling level, ``level`` steps up (county → city → province)."""
    handling = (
        case.region_code[:CITY]
        if case.state == CaseState.PENDING
        else (case.team_region_code or case.region_code)
    )
    length = max(len(handling) - 2 * level, 0)
    return level_users(handling[:length]) if length else administrators()


def _unique(users: Iterable[User]) -> list[User]:
    return list({u.pk: u for u in users if u is not None}.values())


def notify(
    users: Iterable[User],
    *,
    case: SupervisionCase,
    kind: str,
    text: str,
    skip: User | None = None,
) -> list[Notification]:
    """Put a message in each user's inbox (not the actor's own); e-mail after commit."""
    now = timezone.now()
    rows = [
        Notification(user=user, case=case, kind=kind, text=text[:300], created_at=now)
        for user in _unique(users)
        if skip is None or user.pk != skip.pk
    ]
    created = Notification.objects.bulk_create(rows)
    if created and email_enabled():
        ids = [n.pk for n in created if n.pk]
        transaction.on_commit(lambda: emails_send(ids))
    return created


def emails_send(ids: list[int]) -> int:
    """Send the e-mail copy of these notifications; a failure is logged, never raised."""
    sent = 0
    for notice in Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).select_related(
        "user", "case"
    ):
        if not notice.user.email:
            continue
        try:
            send_mail(
                subject=f"[青山] {notice.case.number} {notice.get_kind_display()}",
                message=f"{notice.text}\n\n{notice.case.title}",
                from_email=None,
                recipient_list=[notice.user.email],
            )
        except Exception:
            log.exception("notification=%s e-mail failed", notice.pk)
            continue
        Notification.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent
