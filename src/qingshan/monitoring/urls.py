from django.urls import path

from qingshan.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("gateway/", views.gateway_status, name="gateway-status"),
]
