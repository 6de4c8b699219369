from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "qingshan.web"
    label = "web"
    verbose_name = _("网页界面")
