from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SkillGridConfig(AppConfig):
    name = "network.skillgrid"
    label = "skillgrid"
    verbose_name = _("Grille de compétences")
