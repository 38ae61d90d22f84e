from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "network.indicators"
    label = "indicators"
    verbose_name = _("Indicateurs nationaux")

    def ready(self) -> None:
        from coopilote.facts import facts_sink_register
        from network.indicators.services import facts_store

        facts_sink_register(facts_store)
