"""The audit history of a record as a person reads it: who, when, from where, what changed.

Staff read every row: who by name and role, from which address and channel. An
enterprise user reads what changed and when; its own enterprise's users by name and
address, everyone else as the bureau (生态环境局) — never a staff account, an address or a
channel of the bureau's, nor a change naming a user. Nobody reads a login name, a
record's database id or a channel's code: the log stores those, the page says them in
words (issue 17).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DateTimeField, ForeignKey, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qingshan.core.audit import history_for
from qingshan.core.choices import Role
from qingshan.core.models import AuditLog, User

HISTORY_LIMIT = 100
BUREAU = _("生态环境局")
# the audit log's channels (core.actor), as a reader says them
CHANNELS = {
    "web": _("网页"),
    "admin": _("管理后台"),
    "api": _("接口"),
    "import": _("Excel 导入"),
    "cli": _("命令行"),
    "worker": _("后台任务"),
    "demo": _("演示数据"),
    "system": _("系统"),
}
PEOPLE_CHANNELS = ("web", "admin", "api", "import")  # a person acted, with an account


@dataclass(frozen=True)
class Change:
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryRow:
    entry: AuditLog
    changes: list[Change]
    actor: str  # the name to show: a person, or the bureau
    source: str  # "address · channel", or "" when the reader may not see it


def person(user: User) -> str:
    """A person as the pages name them: the display name and the role, never the login."""
    role = str(user.get_role_display())
    name = user.get_full_name()
    return f"{name} · {role}" if name else role


def channel(via: str) -> str:
    return str(CHANNELS.get(via, via or "—"))


def actor_of(entry: AuditLog) -> str:
    """Who made the change: a person, or the channel that made it without one."""
    if entry.actor is not None:
        return person(entry.actor)
    if entry.via in PEOPLE_CHANNELS:  # the account was deleted since
        return str(_("已删除的账户"))
    return channel(entry.via) if entry.via in CHANNELS else str(_("系统"))


@dataclass
class Names:
    """Related records named by their text, looked up once per history."""

    found: dict[tuple[type[Model], Any], str] = field(default_factory=dict)

    def of(self, related: type[Model], pk: Any) -> Any:
        if pk is None or pk == "":
            return pk
        key = (related, pk)
        if key not in self.found:
            obj = related._default_manager.filter(pk=pk).first()
            if obj is None:
                self.found[key] = str(_("（已删除）"))
            else:
                self.found[key] = person(obj) if isinstance(obj, User) else str(obj)
        return self.found[key]


def _moment(value: Any) -> Any:
    """An ISO timestamp from the log as local date and time: 2026-03-01 08:00."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def readable(
    model: type[Model], name: str, values: list[Any], names: Names | None = None
) -> Change:
    """The field's label; choices by their labels ("key" → 重点管理), related records
    by their names rather than their ids, times in local time."""
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return Change(name, *values)
    label = str(getattr(model_field, "verbose_name", name))
    if isinstance(model_field, ForeignKey):
        names = names or Names()
        related = model_field.related_model
        related = model if related == "self" else related
        return Change(label, *(names.of(related, v) for v in values))
    if isinstance(model_field, DateTimeField):
        return Change(label, *(_moment(v) if v else v for v in values))
    choices = dict(getattr(model_field, "flatchoices", None) or [])
    old, new = (choices.get(v, v) if isinstance(v, str) else v for v in values)
    return Change(label, old, new)


def _names_a_user(model: type[Model], name: str) -> bool:
    try:
        field = model._meta.get_field(name.removesuffix("_id"))
    except FieldDoesNotExist:
        return False
    return isinstance(field, ForeignKey) and field.related_model is User


def _own(entry: AuditLog, viewer: User) -> bool:
    actor = entry.actor
    return (
        actor is not None
        and actor.role == Role.ENTERPRISE
        and actor.enterprise_id is not None
        and actor.enterprise_id == viewer.enterprise_id
    )


def _row(model: type[Model], entry: AuditLog, outsider: User | None, names: Names) -> HistoryRow:
    fields = list(entry.changes)
    if outsider is not None:
        fields = [n for n in fields if not _names_a_user(model, n)]
    changes = [readable(model, name, entry.changes[name], names) for name in fields]
    source = " · ".join([entry.ip_address or "—", channel(entry.via)])
    if outsider is None or _own(entry, outsider):
        return HistoryRow(entry, changes, actor_of(entry), source)
    return HistoryRow(entry, changes, str(BUREAU), "")


def history_rows(obj: Model, *, viewer: User, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """The record's history as ``viewer`` may read it, newest first."""
    model = type(obj)
    outsider = None if viewer.is_bureau_staff else viewer
    entries = history_for(obj)[:limit]
    names = Names()
    return [_row(model, entry, outsider, names) for entry in entries]
