from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "qingshan.monitoring"
    label = "monitoring"
    verbose_name = _("在线监测")
