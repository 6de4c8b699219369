"""The demo city's supervision cases: removed with the city when the demo is reset.

In the demo, cases open by themselves (the live simulator's exceedances raise alarms, the
policy opens cases). A case keeps its enterprise, alarm and assignee from being deleted
(its history is evidence), so the reset removes the demo enterprises' cases first, with
their timelines, attachments, penalties and notifications.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from qingshan.supervision.models import (
    CaseAttachment,
    CaseEvent,
    Notification,
    Penalty,
    SupervisionCase,
)


@transaction.atomic
def cases_remove(*, enterprise_ids: Iterable[int]) -> int:
    """Delete every case of these enterprises and everything recorded with it."""
    cases = SupervisionCase.objects.filter(enterprise_id__in=list(enterprise_ids))
    attachments = CaseAttachment.objects.filter(case__in=cases)
    for attachment in attachments:
        attachment.file.delete(save=False)
    attachments.delete()
    Penalty.objects.filter(case__in=cases).delete()
    Notification.objects.filter(case__in=cases).delete()
    CaseEvent.objects.filter(case__in=cases).delete()  # a queryset delete: the reset only
    removed, _ = cases.delete()
    return removed
