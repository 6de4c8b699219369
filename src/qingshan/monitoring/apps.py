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

        from qingshan.monitoring.selectors import history_checks_register

        history_checks_register()  # alarms, data, packets (qingshan.registry.history)

        from qingshan.monitoring import jobs
        from qingshan.monitoring.statistics import due_mark
        from qingshan.monitoring.stream import register_stream_consumer, stream_dispatch

        register_stream_consumer(
            "monitoring.alarms",
            jobs.alarms_apply,
            prepare=jobs.alarms_judge,
            reset=jobs.alarms_reset,
        )
        register_stream_consumer("monitoring.statistics", due_mark)
        # a few times a second: alarm latency is this interval plus one evaluation
        register_job(Job("monitoring.stream", 0.25, stream_dispatch))
        register_job(Job("monitoring.statistics", 30, jobs.statistics_job))
        register_job(Job("monitoring.silence", 30, jobs.silence_job))

        from qingshan.monitoring.retention import retention_job

        # real-time and minute data, raw packets: kept as long as the rule says
        register_job(Job("monitoring.retention", 300, retention_job))

        from qingshan.core.outbox import register_consumer
        from qingshan.monitoring.alarms import point_retired_handle

        # a retired point's open alarms would otherwise stay open for ever
        register_consumer(
            "monitoring.retirements", topics=["registry.point.retired"], handle=point_retired_handle
        )
