"""The audit log's source address: X-Forwarded-For is believed only from a named proxy."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import RequestFactory, override_settings

from qingshan.core.middleware import client_ip
from qingshan.core.models import AuditLog

PROXY = "10.0.0.5"


def _patch_outlet(users: Any, api_client: Any, **headers: str) -> AuditLog:
    outlet = users["keqiao"]["outlet"]
    response = api_client(users["admin"]).patch(
        f"/api/v1/outlets/{outlet.pk}",
        json.dumps({"name": "改名的排口"}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.content
    return AuditLog.objects.filter(object_id=str(outlet.pk), action="update").latest("at")


def test_without_trusted_proxies_a_forwarded_address_is_ignored(users, api_client):
    row = _patch_outlet(
        users, api_client, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.66"
    )
    assert row.ip_address == "198.51.100.7"


@override_settings(QINGSHAN_TRUSTED_PROXIES=[PROXY])
def test_behind_a_trusted_proxy_the_forwarded_address_is_recorded(users, api_client):
    # the client wrote the first hop itself; the proxy appended the address it saw
    row = _patch_outlet(
        users, api_client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9"
    )
    assert row.ip_address == "203.0.113.9"


@override_settings(
    QINGSHAN_TRUSTED_PROXIES=[PROXY], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_an_untrusted_peer_cannot_claim_https(users, api_client):
    response = api_client(users["admin"]).get(
        "/api/v1/enterprises", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_PROTO="https"
    )
    assert response.wsgi_request.is_secure() is False
    response = api_client(users["admin"]).get(
        "/api/v1/enterprises", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https"
    )
    assert response.wsgi_request.is_secure() is True


def _ip(remote: str, forwarded: str | None) -> str | None:
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **meta))


@override_settings(QINGSHAN_TRUSTED_PROXIES=[PROXY, "10.1.0.0/24", "2001:db8::/32"])
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "203.0.113.9", "203.0.113.9"),
        (PROXY, "203.0.113.9, 10.1.0.7", "203.0.113.9"),  # two proxies of ours
        (PROXY, "10.1.0.8, 10.1.0.7", "10.1.0.8"),  # all ours: the earliest
        (PROXY, "203.0.113.9:51234", "203.0.113.9"),
        (PROXY, "[2001:db9::1]:443", "2001:db9::1"),
        (PROXY, "", PROXY),
        (PROXY, None, PROXY),
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),  # not a proxy of ours
        # garbage never raises and is never believed
        (PROXY, "not-an-address", PROXY),
        (PROXY, "203.0.113.9, <script>", PROXY),
        (PROXY, "<script>, 203.0.113.9", "203.0.113.9"),
        (PROXY, ",,,", PROXY),
        (PROXY, "[", PROXY),
        (PROXY, "\x00" * 1000, PROXY),
        (PROXY, "1.2.3.4:5:6", PROXY),
        ("garbage", "203.0.113.9", "garbage"),
    ],
)
def test_the_right_most_hop_that_is_not_a_proxy(remote, forwarded, expected):
    assert _ip(remote, forwarded) == expected
