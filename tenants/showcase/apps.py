from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShowcaseConfig(AppConfig):
    name = "tenants.showcase"
    label = "showcase"
    verbose_name = _("Pages publiques des coopératives")
