"""The registry pages: enterprises, and their outlets, monitoring points and data loggers.

Included at the site root (``qingshan.urls``); the names are not namespaced.
"""

from django.urls import URLPattern, path

from qingshan.registry.views import enterprises, records


def records_retirement(prefix: str, kind: str) -> list[URLPattern]:
    """/<prefix>/<pk>/retire/ and /reinstate/ of an outlet, point or data logger (issue 15)."""
    return [
        path(f"{prefix}/<int:pk>/{verb}/", view, {"kind": kind}, name=f"{kind}-{verb}")
        for verb, view in (
            ("retire", records.record_retire),
            ("reinstate", records.record_reinstate),
        )
    ]


urlpatterns = [
    # enterprises
    path("enterprises/", enterprises.enterprise_list, name="enterprise-list"),
    path("enterprises/new/", enterprises.enterprise_create, name="enterprise-create"),
    path("enterprises/<int:pk>/", enterprises.enterprise_detail, name="enterprise-detail"),
    path("enterprises/<int:pk>/edit/", enterprises.enterprise_edit, name="enterprise-edit"),
    path("enterprises/<int:pk>/delete/", enterprises.enterprise_delete, name="enterprise-delete"),
    path("enterprises/<int:pk>/retire/", enterprises.enterprise_retire, name="enterprise-retire"),
    path(
        "enterprises/<int:pk>/reinstate/",
        enterprises.enterprise_reinstate,
        name="enterprise-reinstate",
    ),
    # outlets, points, devices: created under their enterprise, then edited by their own URL
    path("enterprises/<int:pk>/outlets/new/", records.outlet_create, name="outlet-create"),
    path("outlets/<int:pk>/edit/", records.outlet_edit, name="outlet-edit"),
    path("outlets/<int:pk>/delete/", records.outlet_delete, name="outlet-delete"),
    *records_retirement("outlets", "outlet"),
    path("points/", records.point_list, name="point-list"),
    path("enterprises/<int:pk>/points/new/", records.point_create, name="point-create"),
    path("points/<int:pk>/edit/", records.point_edit, name="point-edit"),
    path("points/<int:pk>/delete/", records.point_delete, name="point-delete"),
    *records_retirement("points", "point"),
    path("devices/", records.device_list, name="device-list"),
    path("enterprises/<int:pk>/devices/new/", records.device_create, name="device-create"),
    path("devices/<int:pk>/edit/", records.device_edit, name="device-edit"),
    path("devices/<int:pk>/password/", records.device_password, name="device-password"),
    path("devices/<int:pk>/delete/", records.device_delete, name="device-delete"),
    *records_retirement("devices", "device"),
]
