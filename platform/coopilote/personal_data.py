"""The register of personal data (RGPD, art. 30): which model fields hold personal data, of
which kind, and what happens to them when a person is erased.

Entries name fields as "app_label.Model.field" so that the kernel imports no domain package;
a test checks that every entry exists and that every field whose name suggests personal data
is either registered or explicitly declared not personal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Category(StrEnum):
    IDENTITY = "identity"
    CONTACT = "contact"
    SOCIAL = "sensitive-social"  # what funders ask for: age, gender, neighbourhood, status
    FINANCIAL = "financial"
    FREE_TEXT = "free-text"
    DOCUMENT = "document"
    TECHNICAL = "technical"  # connection traces


CATEGORY_LABELS = {
    Category.IDENTITY: _("Identité"),
    Category.CONTACT: _("Coordonnées"),
    Category.SOCIAL: _("Données sociales"),
    Category.FINANCIAL: _("Données financières"),
    Category.FREE_TEXT: _("Texte libre"),
    Category.DOCUMENT: _("Document"),
    Category.TECHNICAL: _("Trace technique"),
}


class Retention(StrEnum):
    ERASED = "erased"  # emptied or replaced by "Anonyme" at erasure
    GENERALISED = "generalised"  # made coarse at erasure (year of birth, department)
    KEPT_STATISTICS = "kept-statistics"  # not identifying once the rest is erased
    KEPT_PAYROLL = "kept-payroll"  # 5 years (Code du travail L3243-4)
    KEPT_INVOICES = "kept-invoices"  # 10 years (Code de commerce L123-22)
    KEPT_LEGAL_CLAIMS = "kept-legal-claims"  # the record of a consent or authorisation
    ACCOUNT = "account"  # the person's own account, managed by its owner
    BUSINESS = "business"  # a client's or partner's business data, kept with the relationship
    TECHNICAL = "technical"  # connection logs, purged by their own schedule


RETENTION_LABELS = {
    Retention.ERASED: _("supprimé à l'effacement"),
    Retention.GENERALISED: _("généralisé à l'effacement"),
    Retention.KEPT_STATISTICS: _("conservé (statistiques, non identifiant seul)"),
    Retention.KEPT_PAYROLL: _("conservé 5 ans (paie)"),
    Retention.KEPT_INVOICES: _("conservé 10 ans (factures)"),
    Retention.KEPT_LEGAL_CLAIMS: _("conservé le temps des recours (preuve datée)"),
    Retention.ACCOUNT: _("compte de la personne, géré par elle"),
    Retention.BUSINESS: _("conservé le temps de la relation commerciale"),
    Retention.TECHNICAL: _("journal technique, purgé automatiquement"),
}


@dataclass(frozen=True)
class PersonalField:
    """One field holding personal data: "app_label.Model.field", its kind and its fate."""

    field: str
    category: Category
    retention: Retention
    note: str = ""

    @property
    def model_label(self) -> str:
        return self.field.rsplit(".", 1)[0]

    @property
    def field_name(self) -> str:
        return self.field.rsplit(".", 1)[1]


# Field names that suggest personal data: the completeness test fails on any such field that
# is neither registered nor declared not personal.
SUSPICIOUS_NAME = re.compile(
    r"(^|_)(name|first_name|last_name|full_name|username|email|phone|mobile|birth|address|"
    r"postcode|city|iban|bic|contact|gender|buyer|recipient|ip|user_agent|comment|reason|"
    r"detail|details|notes|signature)($|_)|birth|email|phone"
)


class Registry:
    """The register: filled by the domain packages at import, read by tests, export and docs."""

    def __init__(self) -> None:
        self._fields: dict[str, PersonalField] = {}
        self._not_personal: dict[str, str] = {}

    def register(self, *fields: PersonalField) -> None:
        for entry in fields:
            self._fields[entry.field] = entry

    def declare_not_personal(self, reasons: dict[str, str]) -> None:
        """Fields whose name looks personal but that are not (a cohort's name…), with why."""
        self._not_personal.update(reasons)

    def fields(self) -> list[PersonalField]:
        return sorted(self._fields.values(), key=lambda entry: entry.field)

    def get(self, field: str) -> PersonalField | None:
        return self._fields.get(field)

    def of_model(self, model_label: str) -> list[PersonalField]:
        return [entry for entry in self.fields() if entry.model_label == model_label]

    def not_personal(self) -> dict[str, str]:
        return dict(self._not_personal)


registry = Registry()
