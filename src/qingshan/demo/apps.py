from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "qingshan.demo"
    label = "demo"
    verbose_name = _("演示数据")

    def ready(self) -> None:
        from qingshan.core.worker import Job, register_job
        from qingshan.demo.history import history_job

        # the demo city's history, loaded while the demo runs; idle without a demo city
        register_job(Job("demo.history", 1.0, history_job))
