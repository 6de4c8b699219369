from django.urls import path

from qingshan.quality import staff_views, views

app_name = "quality"
urlpatterns = [
    # public, no login
    path("", views.air, name="air"),
    path("ranking/", views.ranking, name="ranking"),
    path("water/", views.water, name="water"),
    path("reports/", views.report, name="report"),
    # bureau staff
    path("stations/", staff_views.station_list, name="station-list"),
    path("stations/new/", staff_views.station_create, name="station-create"),
    path("stations/<int:pk>/", staff_views.station_detail, name="station-detail"),
    path("stations/<int:pk>/edit/", staff_views.station_edit, name="station-edit"),
    path("stations/<int:pk>/delete/", staff_views.station_delete, name="station-delete"),
    path("sections/", staff_views.section_list, name="section-list"),
    path("sections/new/", staff_views.section_create, name="section-create"),
    path("sections/<int:pk>/", staff_views.section_detail, name="section-detail"),
    path("sections/<int:pk>/edit/", staff_views.section_edit, name="section-edit"),
    path("sections/<int:pk>/delete/", staff_views.section_delete, name="section-delete"),
    path("import/", staff_views.data_import, name="import"),
    path("held/", staff_views.held_list, name="held-list"),
    path("held/<int:pk>/release/", staff_views.held_release, name="held-release"),
    path("held/<int:pk>/discard/", staff_views.held_discard, name="held-discard"),
]
