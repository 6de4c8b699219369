from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "qingshan.permits"
    label = "permits"
    verbose_name = _("排污许可")

    def ready(self) -> None:
        from qingshan.core.worker import Job, register_job
        from qingshan.permits.services import permits_expire

        register_job(Job("permits.expire", 3600, permits_expire))

        from qingshan.permits.selectors import history_checks_register

        history_checks_register()  # a permit in force is history (qingshan.registry.history)
