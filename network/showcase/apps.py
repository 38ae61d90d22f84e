from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShowcaseDirectoryConfig(AppConfig):
    name = "network.showcase"
    label = "showcase_directory"
    verbose_name = _("Annuaire des coopératives")
