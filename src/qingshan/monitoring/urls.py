from django.urls import path

from qingshan.monitoring import alarm_views, dead_letter_views, views

app_name = "monitoring"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("gateway/", views.gateway_status, name="gateway-status"),
    path("gateway/refused/", views.refused_senders, name="refused-senders"),
    path("dead-letters/", dead_letter_views.dead_letter_list, name="dead-letters"),
    path(
        "dead-letters/<int:pk>/judge-again/",
        dead_letter_views.dead_letter_judge_again,
        name="dead-letter-judge-again",
    ),
    path(
        "dead-letters/<int:pk>/dismiss/",
        dead_letter_views.dead_letter_dismiss,
        name="dead-letter-dismiss",
    ),
    path("points/<int:pk>/", views.point_detail, name="point"),
    path("points/<int:pk>/export.xlsx", views.point_export, name="point-export"),
    path("alarms/", alarm_views.alarm_list, name="alarm-list"),
    path("alarms/<int:pk>/", alarm_views.alarm_detail, name="alarm"),
    path("alarms/<int:pk>/acknowledge/", alarm_views.alarm_acknowledge, name="alarm-acknowledge"),
    path("alarms/<int:pk>/comment/", alarm_views.alarm_comment, name="alarm-comment"),
    path("alarms/<int:pk>/explain/", alarm_views.alarm_explain, name="alarm-explain"),
    path("alarms/<int:pk>/review/", alarm_views.alarm_review, name="alarm-review"),
    path("attachments/<int:pk>/", alarm_views.alarm_attachment, name="alarm-attachment"),
    path("declarations/", alarm_views.declaration_list, name="declaration-list"),
    path("declarations/new/", alarm_views.declaration_create, name="declaration-create"),
    path("declarations/<int:pk>/", alarm_views.declaration_detail, name="declaration"),
    path(
        "declarations/<int:pk>/attachment/",
        alarm_views.declaration_attachment,
        name="declaration-attachment",
    ),
]
