"""Whether an anomaly declaration covers a time: the one rule the alarm engine and the
offline/silence checks share."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from qingshan.monitoring.choices import DeclarationStatus
from qingshan.monitoring.models import AnomalyDeclaration

#: A declaration counts while it is pending or once accepted; a rejected one does not.
IN_FORCE = (DeclarationStatus.SUBMITTED, DeclarationStatus.ACCEPTED)


def declarations_covering(
    point_ids: Iterable[int], start: int, end: int
) -> QuerySet[AnomalyDeclaration]:
    """The in-force declarations of ``point_ids`` covering some time of ``[start, end]``
    (epoch seconds; a declaration covers ``starts_at <= t < ends_at``)."""
    return AnomalyDeclaration.objects.filter(
        point_id__in=point_ids,
        status__in=IN_FORCE,
        starts_at__lte=end,
        ends_at__gt=start,
    )
