from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "qingshan.monitoring"
    label = "monitoring"
    verbose_name = _("在线监测")

    def ready(self) -> None:
        from qingshan.core.worker import Job, register_job
        from qingshan.monitoring.storage import partitions_maintain

        register_job(Job("monitoring.partitions", 86400, partitions_maintain))
