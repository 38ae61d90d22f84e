from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayConfig(AppConfig):
    name = "tenants.pay"
    label = "pay"
    verbose_name = _("Rémunération des coopérant·es")
