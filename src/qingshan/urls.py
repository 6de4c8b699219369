from django.contrib import admin
from django.urls import include, path

from qingshan.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("exchange/", include("qingshan.exchange.urls")),
    path("monitoring/", include("qingshan.monitoring.urls")),
    path("quality/", include("qingshan.quality.urls")),
    path("supervision/", include("qingshan.supervision.urls")),
    path("", include("qingshan.web.urls")),
]
