"""Who is acting, and from where: the context the audit log reads (qingshan.core.audit).

Kept free of Django models so that the ``qingshan`` command can set it before Django is
set up (every management command runs inside it). The web middleware, the API's token
auth, the importer and the worker set it too.
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qingshan.core.models import User


@dataclass(frozen=True, slots=True)
class AuditContext:
    user: User | None
    ip_address: str | None
    via: str  # web, admin, api, import, cli, worker, demo
    actor_name: str | None = None  # who, when no platform user acts (the OS user of a command)


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "qingshan_audit", default=None
)


def current() -> AuditContext | None:
    return _context.get()


@contextlib.contextmanager
def audit_context(
    *,
    user: User | None,
    ip_address: str | None = None,
    via: str,
    actor_name: str | None = None,
) -> Iterator[None]:
    token = _context.set(
        AuditContext(user=user, ip_address=ip_address, via=via, actor_name=actor_name)
    )
    try:
        yield
    finally:
        _context.reset(token)


def set_audit_context(*, user: User | None, ip_address: str | None, via: str) -> None:
    """Set the context for the rest of this request (the API auth calls it)."""
    _context.set(AuditContext(user=user, ip_address=ip_address, via=via))


def os_user() -> str:
    """The operating-system account running a command: who typed ``qingshan …``."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # a container's uid without a passwd entry
        return f"uid {os.getuid()}"
