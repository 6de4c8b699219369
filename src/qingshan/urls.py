from django.contrib import admin
from django.urls import include, path

from qingshan.api import api

# the API's error shape under /api/, Django's pages elsewhere
handler400 = "qingshan.core.api.page_bad_request"
handler403 = "qingshan.core.api.page_forbidden"
handler404 = "qingshan.core.api.page_not_found"
handler500 = "qingshan.core.api.page_server_error"

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("exchange/", include("qingshan.exchange.urls")),
    path("monitoring/", include("qingshan.monitoring.urls")),
    path("quality/", include("qingshan.quality.urls")),
    path("supervision/", include("qingshan.supervision.urls")),
    # at the root, in this order (as when they were all web's): the shell, then the apps' pages
    path("", include("qingshan.web.urls")),
    path("", include("qingshan.registry.urls")),
    path("", include("qingshan.permits.urls")),
]
