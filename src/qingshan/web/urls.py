from django.contrib.auth import views as auth_views
from django.urls import path

from qingshan.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("enterprises/", views.enterprise_list, name="enterprise-list"),
    path("points/", views.point_list, name="point-list"),
    path("devices/", views.device_list, name="device-list"),
    path("permits/", views.permit_list, name="permit-list"),
]
