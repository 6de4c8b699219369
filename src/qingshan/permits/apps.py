from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "qingshan.permits"
    label = "permits"
    verbose_name = _("排污许可")
