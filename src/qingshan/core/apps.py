from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "qingshan.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from qingshan.core import audit

        audit.connect_signals()
        from django.apps import apps

        from qingshan.core.validators import install_plain_text_checks

        install_plain_text_checks(apps.get_models())
        from qingshan.core import accounts  # noqa: F401  (audits logins: user_logged_in)
        from qingshan.core.outbox import events_dispatch
        from qingshan.core.worker import Job, register_job

        register_job(Job("core.events", 1.0, events_dispatch))
        from qingshan.core.maintenance import database_optimize

        register_job(Job("core.optimize", 3600, database_optimize))
