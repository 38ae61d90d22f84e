"""What a CAE's cohorts sell (services) and to whom (the CAE's clients and their contacts).

The CAE is the legal seller: clients belong to the CAE and are shared by its cohorts; the cohort
that found a client is only recorded. A client holds what an invoice needs (French law: the
buyer's name and address, a business buyer's SIREN/SIRET, its VAT number when it has one).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from coopilote.identifiers import validate_siret, validate_vat_number
from tenants.cohorts.models import Cohort
from tenants.people.validators import validate_postcode


class ServiceUnit(models.TextChoices):
    HOUR = "hour", _("heure")
    FLAT = "flat", _("forfait")
    ITEM = "item", _("unité")


class ClientKind(models.TextChoices):
    COMPANY = "company", _("Entreprise")
    ASSOCIATION = "association", _("Association")
    PUBLIC_BODY = "public_body", _("Organisme public")
    INDIVIDUAL = "individual", _("Particulier")


class ServiceQuerySet(models.QuerySet["Service"]):
    def in_cohorts(self, cohort_ids: Iterable[int]) -> ServiceQuerySet:
        return self.filter(cohort_id__in=cohort_ids)

    def active(self) -> ServiceQuerySet:
        """Services still offered (a deactivated one stays for the quotes that name it)."""
        return self.filter(is_active=True)


class Service(models.Model):
    """A service a cohort offers, at a price excluding VAT per unit."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="services", verbose_name=_("coopérative")
    )
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unité"), max_length=4, choices=ServiceUnit.choices)
    unit_price_excl_vat = models.DecimalField(
        _("prix unitaire HT (€)"), max_digits=10, decimal_places=2
    )
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=4, decimal_places=1)
    is_active = models.BooleanField(_("proposée"), default=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("prestation")
        verbose_name_plural = _("prestations")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "name"],
                name="commerce_service_unique_name_per_cohort",
                violation_error_message=_(
                    "Cette coopérative propose déjà une prestation de ce nom."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price_excl_vat__gte=0),
                name="commerce_service_price_not_negative",
                violation_error_message=_("Un prix ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=models.Q(vat_rate__gte=0),
                name="commerce_service_vat_rate_not_negative",
                violation_error_message=_("Un taux de TVA ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    """A buyer of the CAE: a company, an association, a public body or a private person."""

    kind = models.CharField(_("type"), max_length=11, choices=ClientKind.choices)
    name = models.CharField(
        _("nom"),
        max_length=200,
        help_text=_("Raison sociale de la structure, ou nom complet de la personne."),
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    vat_number = models.CharField(
        _("numéro de TVA intracommunautaire"),
        max_length=13,
        blank=True,
        validators=[validate_vat_number],
    )
    address = models.CharField(_("adresse"), max_length=250)
    postcode = models.CharField(_("code postal"), max_length=5, validators=[validate_postcode])
    city = models.CharField(_("commune"), max_length=100)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clients_found",
        verbose_name=_("trouvé par la coopérative"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=ClientKind.COMPANY) | ~models.Q(siret=""),
                name="commerce_client_company_has_siret",
                violation_error_message=_("Une entreprise cliente a un SIRET (14 chiffres)."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ClientKind.INDIVIDUAL) | models.Q(siret="", vat_number=""),
                name="commerce_client_individual_has_no_company_number",
                violation_error_message=_("Un particulier n'a ni SIRET ni numéro de TVA."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def siren(self) -> str:
        """The SIREN printed on invoices: the first 9 digits of the SIRET ("" without one)."""
        return self.siret[:9]


class ClientContact(models.Model):
    """A person to talk to at a client (the one who orders, the one who pays…)."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("client")
    )
    full_name = models.CharField(_("nom complet"), max_length=200)
    role = models.CharField(
        _("fonction"), max_length=100, blank=True, help_text=_("Par exemple : gérante, comptable.")
    )
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["full_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="") | ~models.Q(phone=""),
                name="commerce_clientcontact_reachable",
                violation_error_message=_("Indiquez l'adresse e-mail ou le téléphone du contact."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name
