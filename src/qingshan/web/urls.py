"""The shell's pages: home, search, login. Each app's pages are in its own ``urls.py``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from qingshan.web.views import home, search

urlpatterns = [
    path("", home.home, name="home"),
    path("search/", search.search, name="search"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
