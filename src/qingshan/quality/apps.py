from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "qingshan.quality"
    label = "quality"
    verbose_name = _("环境质量")

    def ready(self) -> None:
        from qingshan.core.worker import Job, register_job
        from qingshan.monitoring.stream import register_stream_consumer
        from qingshan.quality.results import readings_arrived, results_recompute_pending

        # new readings of station and section points dirty their hours and days …
        register_stream_consumer("quality.results", readings_arrived)
        # … which are recomputed in the same transaction; this job catches up whatever
        # else left marks (imports in another process, a recomputation asked for by hand)
        register_job(Job("quality.results", 5, results_recompute_pending))

        from qingshan.quality.selectors import history_checks_register

        history_checks_register()  # a station's point is history (qingshan.registry.history)
