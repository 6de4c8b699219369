"""The permit pages. Included at the site root (``qingshan.urls``); the names are not
namespaced."""

from django.urls import path

from qingshan.permits import views

urlpatterns = [
    path("permits/", views.permit_list, name="permit-list"),
    path("permits/<int:pk>/", views.permit_detail, name="permit-detail"),
    path("enterprises/<int:pk>/permits/new/", views.permit_create, name="permit-create"),
    path("permits/<int:pk>/edit/", views.permit_edit, name="permit-edit"),
    path("permits/<int:pk>/delete/", views.permit_delete, name="permit-delete"),
]
