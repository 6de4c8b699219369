"""The JSON API under /api/v1/: one NinjaAPI, one router per app."""

from __future__ import annotations

from ninja import NinjaAPI

from qingshan.core.api import AUTH, auth_router, install_error_handlers
from qingshan.core.validators import PlainTextParser, refuse_bad_body
from qingshan.monitoring.api import router as monitoring_router
from qingshan.permits.api import router as permits_router
from qingshan.quality.api import router as quality_router
from qingshan.registry.api import router as registry_router
from qingshan.supervision.api import router as supervision_router

api = NinjaAPI(
    title="Qingshan API",
    version="1",
    description="青山生态环境监管平台 JSON API。所有列表按调用者的角色与辖区过滤；"
    "错误统一为 {error: {code, message, fields}}。",
    auth=AUTH,
    urls_namespace="api",
    parser=PlainTextParser(),  # refuses control characters in every input
)
install_error_handlers(api)
api.add_decorator(refuse_bad_body)
api.add_router("/auth", auth_router)
api.add_router("/", registry_router)
api.add_router("/", permits_router)
api.add_router("/", monitoring_router)
api.add_router("/", supervision_router)
api.add_router("/quality", quality_router)
