"""The part a user plays in a case, from their platform role and jurisdiction.

- the bureau administrator, and a regulator above county level whose jurisdiction covers
  the case (city 3306, province 33): the supervising bureau (督办方);
- a regulator of the county the case lies in (330603): the county team (属地);
- an inspector whose jurisdiction covers the case: an inspector (执法人员);
- a user of the case's enterprise: the enterprise.

Anyone else has no part, and does not see the case at all (selectors scope it away).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from qingshan.core.choices import Role
from qingshan.core.models import User
from qingshan.core.permissions import in_jurisdiction
from qingshan.supervision.choices import CaseRole

COUNTY_CODE_LENGTH = 6


def role_in(user: User | AnonymousUser, *, region_code: str, enterprise_id: int) -> str | None:
    if not user.is_authenticated or not isinstance(user, User):
        return None
    if user.role == Role.ENTERPRISE and not user.is_superuser:
        return CaseRole.ENTERPRISE if user.enterprise_id == enterprise_id else None
    if not in_jurisdiction(user, region_code):
        return None
    if user.is_bureau_admin:
        return CaseRole.SUPERVISOR
    if user.role == Role.INSPECTOR:
        return CaseRole.INSPECTOR
    if user.role == Role.REGULATOR:
        if len(user.region_code) >= COUNTY_CODE_LENGTH:
            return CaseRole.COUNTY
        return CaseRole.SUPERVISOR
    return None


def case_role(user: User | AnonymousUser, case: object) -> str | None:
    return role_in(
        user,
        region_code=getattr(case, "region_code", ""),
        enterprise_id=getattr(case, "enterprise_id", 0),
    )
