from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "qingshan.registry"
    label = "registry"
    verbose_name = _("排污单位名录")
