"""API plumbing shared by every app: authentication, the one error shape, the token route."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import HttpBearer, SessionAuth

from qingshan.core.audit import set_audit_context
from qingshan.core.middleware import client_ip
from qingshan.core.models import User
from qingshan.core.permissions import PermissionDenied
from qingshan.core.tokens import token_issue, token_user


class BearerAuth(HttpBearer):
    openapi_description = "POST /api/v1/auth/token 取得令牌，然后携带 Authorization: Bearer <token>"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(token)
        if user is not None:
            request.user = user
            set_audit_context(user=user, ip_address=client_ip(request), via="api")
        return user


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorBody


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return api.create_response(request, body, status=status)


def _schema_fields(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for err in errors:
        # loc is ("body", "payload", "credit_code") or ("query", "limit"): keep the field path
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
        fields.setdefault(".".join(loc) or "__all__", []).append(str(err.get("msg", "invalid")))
    return fields


def _django_fields(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {("__all__" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def install_error_handlers(api: NinjaAPI) -> None:
    def schema_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        fields = _schema_fields(list(exc.errors))
        return error_response(api, request, 422, "invalid_input", _("请求数据不符合要求"), fields)

    def model_invalid(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            api, request, 422, "invalid", _("数据校验未通过"), _django_fields(exc)
        )

    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("对象不存在或无权访问"))

    def unauthenticated(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 401, "unauthenticated", _("请先登录或提供有效的令牌"))

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", str(exc) or _("无权执行该操作"))

    def conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(
            api, request, 409, "conflict", _("与已有数据冲突（编号或标识重复？）")
        )

    api.add_exception_handler(SchemaValidationError, schema_invalid)
    api.add_exception_handler(ValidationError, model_invalid)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(PermissionDenied, forbidden)

    def protected(request: HttpRequest, exc: Any) -> HttpResponse:
        blockers = sorted({str(o._meta.verbose_name) for o in exc.protected_objects})
        message = _("仍有关联的%(blockers)s，不能删除；请先解除关联") % {
            "blockers": "、".join(blockers)
        }
        return error_response(api, request, 409, "protected", message)

    def http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if exc.status_code == 400:  # ninja raises this when the body is not JSON
            return error_response(
                api, request, 400, "bad_request", _("请求体无法解析（应为 JSON）")
            )
        return error_response(api, request, exc.status_code, "http_error", str(exc))

    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(IntegrityError, conflict)
    api.add_exception_handler(ProtectedError, protected)


auth_router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@auth_router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut})
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """Exchange a username and password for a bearer token (shown once)."""
    token = token_issue(username=payload.username, password=payload.password)
    if token is None:
        return Status(
            401,
            {"error": {"code": "bad_credentials", "message": _("用户名或密码错误"), "fields": {}}},
        )
    return Status(200, {"token": token})


def api_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


AUTH = [BearerAuth(), SessionAuth()]
