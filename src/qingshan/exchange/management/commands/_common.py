"""Shared by the exchange commands: the acting user by name."""

from __future__ import annotations

from django.core.management.base import CommandError

from qingshan.core.models import User


def user_named(username: str) -> User:
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f"没有名为 {username!r} 的有效用户") from None
