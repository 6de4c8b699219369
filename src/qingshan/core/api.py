"""API plumbing shared by every app: authentication, the one error shape, the token route."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.core.exceptions import (
    BadRequest,
    ObjectDoesNotExist,
    SuspiciousOperation,
    ValidationError,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import Field, NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.pagination import paginate
from ninja.params.functions import Query as QueryParam
from ninja.security import HttpBearer, SessionAuth

from qingshan.core.accounts import api_lockout_response
from qingshan.core.audit import set_audit_context
from qingshan.core.middleware import client_ip
from qingshan.core.models import ApiToken, User
from qingshan.core.pagination import Pagination
from qingshan.core.permissions import PermissionDenied
from qingshan.core.tokens import (
    token_get,
    token_issue,
    token_list,
    token_revoke,
    token_user,
)
from qingshan.core.validators import DB_INT_MAX


class BearerAuth(HttpBearer):
    openapi_description = "POST /api/v1/auth/token 取得令牌，然后携带 Authorization: Bearer <token>"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_user(token)
        if user is not None:
            request.user = user
            set_audit_context(user=user, ip_address=client_ip(request), via="api")
        return user


log = logging.getLogger(__name__)


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


# PostgreSQL's SQLSTATE and SQLite's extended code of a constraint the input broke: the
# value is invalid (422), whereas a unique or exclusion violation is a conflict (409)
_INVALID_SQLSTATES = {"23502", "23503", "23514"}  # not null, foreign key, check
_INVALID_SQLITE = {
    "SQLITE_CONSTRAINT_NOTNULL",
    "SQLITE_CONSTRAINT_FOREIGNKEY",
    "SQLITE_CONSTRAINT_CHECK",
}


def integrity_is_conflict(exc: IntegrityError) -> bool:
    """Whether an IntegrityError is a clash with data already there (unique, exclusion,
    or unknown) rather than a value no row may have."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in _INVALID_SQLSTATES:
        return False
    return getattr(cause, "sqlite_errorname", None) not in _INVALID_SQLITE


def _server_error_message() -> str:
    return _("服务器内部错误，已记录；请稍后再试或联系管理员")


def _json_error(status: int, code: str, message: str) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "fields": {}}}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


# Django's error pages (urls.py handler400/403/404/500), in the API's shape under /api/:
# an unknown API path, or a failure before or after ninja, still answers JSON


def page_bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _json_error(400, "bad_request", _("请求无法处理"))
    return defaults.bad_request(request, exception)


def page_forbidden(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _json_error(403, "forbidden", _("无权执行该操作"))
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _json_error(404, "not_found", _("接口不存在：%(path)s") % {"path": request.path})
    return defaults.page_not_found(request, exception)


def page_server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _json_error(500, "server_error", _server_error_message())
    return defaults.server_error(request)


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
        if not integrity_is_conflict(exc):
            return error_response(
                api, request, 422, "invalid", _("取值不符合数据约束（缺少、超出范围或引用不存在）")
            )
        return error_response(
            api, request, 409, "conflict", _("与已有数据冲突（编号或标识重复？）")
        )

    def out_of_range(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 422, "invalid", _("取值过长或超出范围"))

    def bad_request(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 400, "bad_request", _("请求无法处理"))

    def unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
        # the one place an API failure is logged with its traceback
        log.error("event=api-error %s %s", request.method, request.path, exc_info=exc)
        return error_response(api, request, 500, "server_error", _server_error_message())

    api.add_exception_handler(SchemaValidationError, schema_invalid)
    api.add_exception_handler(ValidationError, model_invalid)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(DjangoPermissionDenied, forbidden)
    api.add_exception_handler(SuspiciousOperation, bad_request)
    api.add_exception_handler(BadRequest, bad_request)
    api.add_exception_handler(MultiPartParserError, bad_request)
    api.add_exception_handler(DataError, out_of_range)
    api.add_exception_handler(OverflowError, out_of_range)  # SQLite: an integer past 64 bits
    api.add_exception_handler(Exception, unexpected)

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
    username: str = Field(max_length=150)
    password: str = Field(max_length=4096)
    name: str = Field("", max_length=100, description="令牌名称，便于日后辨认和撤销")
    lifetime_days: int | None = Field(
        None, ge=1, le=36500, description="有效天数；不填为规则表上限（默认 90 天），不得超过上限"
    )


class TokenOut(Schema):
    token: str = Field(description="令牌本身，仅此一次显示")
    id: int
    name: str
    expires_at: dt.datetime


class TokenInfoOut(Schema):
    """A token as its holder and the administrator see it: never the secret."""

    id: int
    user_id: int
    username: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    status: str = Field(description="active、expired 或 revoked")

    @staticmethod
    def resolve_username(obj: ApiToken) -> str:
        return obj.user.get_username()


@auth_router.post(
    "/token", auth=None, response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut}
)
def token_create(request: HttpRequest, payload: TokenIn) -> Any:
    """Exchange a username and password for a bearer token (shown once).

    Failed logins are counted per account and per address; a locked-out login answers
    429 ``locked_out`` with ``Retry-After`` (seconds), even with the right password.
    """
    issued = token_issue(
        request=request,
        username=payload.username,
        password=payload.password,
        name=payload.name,
        lifetime_days=payload.lifetime_days,
    )
    if issued.locked_out:
        return api_lockout_response(issued.locked_until)
    if issued.row is None:
        return Status(
            401,
            {"error": {"code": "bad_credentials", "message": _("用户名或密码错误"), "fields": {}}},
        )
    row = issued.row
    return Status(
        200, {"token": issued.token, "id": row.pk, "name": row.name, "expires_at": row.expires_at}
    )


@auth_router.get("/tokens", response=list[TokenInfoOut])
@paginate(Pagination)
def token_index(
    request: HttpRequest, user_id: int | None = QueryParam(None, ge=1, le=DB_INT_MAX)
) -> Any:
    """My API tokens (an administrator: everyone's, or one holder's with ``user_id``)."""
    return token_list(user=api_user(request), holder_id=user_id)


@auth_router.post("/tokens/{int:pk}/revoke", response={200: TokenInfoOut, 403: ErrorOut})
def token_revoke_one(request: HttpRequest, pk: int) -> Any:
    """Revoke one of my tokens (an administrator: anyone's); it answers 401 from then on."""
    user = api_user(request)
    return token_revoke(user=user, token=token_get(user=user, pk=pk))


def api_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class SessionUserAuth(SessionAuth):
    """Django's session, its CSRF check made only when the session has a user.

    ninja checks CSRF before it looks for a user, so an anonymous write was refused with
    403 "CSRF check Failed"; without a session there is nothing to forge: 401."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


AUTH = [BearerAuth(), SessionUserAuth()]
