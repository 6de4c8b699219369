"""The login page's answer to a locked-out login (django-axes' AXES_LOCKOUT_CALLABLE).

django-axes calls it for every request it refused or that started a lockout: the login
page, the admin's login page and the API. The page says when to try again; the API
answers 429 in its own error shape (the token endpoint builds that itself).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qingshan.core.accounts import (
    api_lockout_response,
    lockout_message,
    request_lockout,
    retry_after,
)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | dict[str, Any] | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    if isinstance(original_response, dict):
        # axes 8.3.1's middleware under ASGI (uvicorn) calls us as (request, credentials)
        original_response, credentials = None, original_response
    if original_response is not None and original_response.status_code == 429:
        return original_response  # the API already answered in its own shape
    until = request_lockout(request, credentials)
    if request.path.startswith("/api/"):
        return api_lockout_response(until)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    next_url = request.POST.get("next", "")  # checked by the login view when it is used
    context = {"form": form, "lockout_message": lockout_message(until), "next": next_url}
    response = render(request, "web/login.html", context, status=429)
    response["Retry-After"] = str(retry_after(until))
    return response
