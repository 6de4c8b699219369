from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from qingshan.core.audit import audit_context


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trusted only behind a configured proxy, which
    # the single-node deployment does not have.
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    """Tells the audit log who is acting on this request and from where."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        via = "api" if request.path.startswith("/api/") else "web"
        with audit_context(user=user, ip_address=client_ip(request), via=via):
            return self.get_response(request)
