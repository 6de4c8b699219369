from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "qingshan.supervision"
    label = "supervision"
    verbose_name = _("预警督办")

    def ready(self) -> None:
        from qingshan.core.outbox import register_consumer
        from qingshan.core.worker import Job, register_job
        from qingshan.supervision.services import (
            alarm_raised_handle,
            attachments_purge_unattached,
            deadlines_check,
        )

        # an alarm that the policy in the rule table names opens a case (docs/supervision.md)
        register_consumer(
            "supervision.alarms", topics=["monitoring.alarm.raised"], handle=alarm_raised_handle
        )
        register_job(Job("supervision.deadlines", 60, deadlines_check))
        # uploads no action took, a day old (rule supervision.upload_limits)
        register_job(Job("supervision.attachments_purge", 3600, attachments_purge_unattached))

        from qingshan.supervision.selectors import history_checks_register

        history_checks_register()  # a case is history (qingshan.registry.history)
