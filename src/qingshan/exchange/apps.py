from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "qingshan.exchange"
    label = "exchange"
    verbose_name = _("Excel 导入导出")

    def ready(self) -> None:
        from qingshan.core.worker import Job, register_job
        from qingshan.exchange.services import import_jobs_run

        # uploads are imported here, never in the web process (qingshan.exchange.runner)
        register_job(Job("exchange.imports", 2.0, import_jobs_run))
