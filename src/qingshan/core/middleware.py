from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from qingshan.core.audit import audit_context

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _address(text: str) -> Address | None:
    """One hop of X-Forwarded-For: an address, perhaps bracketed or with a port."""
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:  # 203.0.113.9:51234
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address | None) -> bool:
    networks = _networks(tuple(getattr(settings, "QINGSHAN_TRUSTED_PROXIES", ())))
    return address is not None and any(address in network for network in networks)


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    return _trusted(_address(request.META.get("REMOTE_ADDR") or ""))


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind a proxy named in
    QINGSHAN_TRUSTED_PROXIES the right-most X-Forwarded-For hop that is not one of them.

    Anything to the left of that hop was written by the client and is never believed; a
    hop that is not an address ends the walk at the last address believed.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    if not peer_is_trusted_proxy(request):
        return remote
    believed = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break
        believed = str(address)
        if not _trusted(address):
            break
    return believed


def _door(path: str) -> str:
    """Which door a web request came through, for the audit log's channel."""
    if path.startswith("/api/"):
        return "api"
    return "admin" if path.startswith("/admin/") else "web"


class AuditContextMiddleware:
    """Tells the audit log who is acting on this request and from where."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user if request.user.is_authenticated else None
        via = _door(request.path)
        with audit_context(user=user, ip_address=client_ip(request), via=via):
            return self.get_response(request)


class ForwardedHeadersMiddleware:
    """Removes X-Forwarded-For and X-Forwarded-Proto unless a trusted proxy sent them.

    From any other peer they are the client's own claim: an address for the audit log, or
    "https" on a plain connection (Django believes SECURE_PROXY_SSL_HEADER from anyone).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not peer_is_trusted_proxy(request):
            request.META.pop("HTTP_X_FORWARDED_FOR", None)
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)


class ApiErrorShapeMiddleware:
    """Gives the API's error shape to the one refusal ninja answers in plain text: 405
    (a method the path does not have)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/"):
            body = {
                "error": {
                    "code": "method_not_allowed",
                    "message": _("该地址不支持 %(method)s 请求") % {"method": request.method},
                    "fields": {},
                }
            }
            response.content = json.dumps(body, ensure_ascii=False).encode()
            response["Content-Type"] = "application/json; charset=utf-8"
        return response
