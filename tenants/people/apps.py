from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "tenants.people"
    label = "people"
    verbose_name = _("Coopérant·es")

    def ready(self) -> None:
        import tenants.people.personal_data  # noqa: F401  (fills the register of personal data)
