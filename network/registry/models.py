from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from coopilote.identifiers import (
    validate_siren,
    validate_siret,
    validate_vat_number,
    vat_number_siren,
)
from network.registry.geography import DEPARTMENT_CHOICES, REGION_CHOICES, REGION_OF_DEPARTMENT


class SiteKind(models.TextChoices):
    NETWORK = "network", _("Réseau national")
    CAE = "cae", _("CAE")
    TEMPLATE = "template", _("Modèle de schéma")


class SiteStatus(models.TextChoices):
    PROVISIONING = "provisioning", _("En préparation")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspendue")


class LegalForm(models.TextChoices):
    SCOP_SA = "scop_sa", _("SCOP SA")
    SCOP_SARL = "scop_sarl", _("SCOP SARL")
    SCIC_SA = "scic_sa", _("SCIC SA")
    SCIC_SARL = "scic_sarl", _("SCIC SARL")
    SCIC_SAS = "scic_sas", _("SCIC SAS")
    OTHER = "other", _("Autre")


class VatRegime(models.TextChoices):
    STANDARD = "standard", _("Assujettie à la TVA")
    FRANCHISE = "franchise", _("Franchise en base de TVA (art. 293 B du CGI)")


class NetworkMembership(models.TextChoices):
    CPE = "cpe", _("Coopérer Pour Entreprendre")
    OTHER = "other", _("Autre réseau")
    NONE = "none", _("Aucun réseau")


class CaeQuerySet(models.QuerySet["Cae"]):
    def caes(self) -> CaeQuerySet:
        return self.filter(kind=SiteKind.CAE)

    def active(self) -> CaeQuerySet:
        return self.filter(status=SiteStatus.ACTIVE)


class Cae(TenantMixin):
    """A site of the network with its own PostgreSQL schema: a CAE, or the network itself.

    The national site (schema `public`) and the empty template that new CAEs are cloned from
    are rows of this table too, told apart by `kind`.
    """

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=50, unique=True)
    kind = models.CharField(
        _("nature"), max_length=10, choices=SiteKind.choices, default=SiteKind.CAE
    )
    status = models.CharField(
        _("statut"), max_length=12, choices=SiteStatus.choices, default=SiteStatus.PROVISIONING
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    # Legal identity: the CAE is the legal seller of its cohorts' services. Empty for the
    # network and template rows; required for a CAE (see the constraint below).
    legal_form = models.CharField(
        _("forme juridique"), max_length=10, choices=LegalForm.choices, blank=True
    )
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    siret = models.CharField(
        _("SIRET du siège"), max_length=14, blank=True, validators=[validate_siret]
    )
    vat_number = models.CharField(
        _("n° de TVA intracommunautaire"),
        max_length=13,
        blank=True,
        validators=[validate_vat_number],
    )
    vat_regime = models.CharField(
        _("régime de TVA"), max_length=10, choices=VatRegime.choices, default=VatRegime.STANDARD
    )
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postcode = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    rcs_city = models.CharField(
        _("greffe du RCS"),
        max_length=100,
        blank=True,
        help_text=_("Ville du registre du commerce où la CAE est immatriculée (ex. Vannes)."),
    )
    department = models.CharField(
        _("département (code INSEE)"), max_length=3, blank=True, choices=DEPARTMENT_CHOICES
    )
    region = models.CharField(
        _("région (code INSEE)"), max_length=2, blank=True, choices=REGION_CHOICES, editable=False
    )
    network_membership = models.CharField(
        _("réseau"), max_length=10, choices=NetworkMembership.choices, default=NetworkMembership.CPE
    )
    network_name = models.CharField(_("nom de l'autre réseau"), max_length=100, blank=True)
    payment_account = models.CharField(
        _("compte de paiement en ligne"),
        max_length=100,
        blank=True,
        help_text=_("Le compte Stripe connecté de la CAE (acct_…), qui encaisse ses factures."),
    )
    contact_email = models.EmailField(_("e-mail de contact"), blank=True)
    contact_phone = models.CharField(_("téléphone de contact"), max_length=20, blank=True)

    # Schemas are made by `cae_provision` (cloned from the template), never by save().
    auto_create_schema = False
    # The template is kept empty: clone its structure only.
    clone_mode = "NODATA"

    objects = CaeQuerySet.as_manager()

    class Meta:
        verbose_name = _("CAE")
        verbose_name_plural = _("CAE")
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind__in=["network", "template"]),
                name="registry_cae_single_network_and_template",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="cae")
                | (~models.Q(siren="") & ~models.Q(siret="") & ~models.Q(department="")),
                name="registry_cae_has_legal_identity",
                violation_error_message=_("Une CAE a un SIREN, un SIRET et un département."),
            ),
        ]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.department:
            self.region = REGION_OF_DEPARTMENT.get(self.department, "")
        if self.siren and self.siret and not self.siret.startswith(self.siren):
            errors["siret"] = _("Le SIRET doit commencer par le SIREN de la CAE.")
        if self.siren and self.vat_number and not errors.get("vat_number"):
            try:
                if vat_number_siren(self.vat_number) != self.siren:
                    errors["vat_number"] = _("Le numéro de TVA ne correspond pas au SIREN.")
            except ValueError:
                pass  # the field validator reports a malformed number
        if (
            self.vat_regime == VatRegime.STANDARD
            and self.kind == SiteKind.CAE
            and not self.vat_number
        ):
            errors["vat_number"] = _("Une CAE assujettie à la TVA a un numéro de TVA.")
        if self.network_membership == NetworkMembership.OTHER and not self.network_name:
            errors["network_name"] = _("Précisez le nom du réseau.")
        if errors:
            raise ValidationError(errors)

    def __str__(self) -> str:
        return self.name


class Domain(DomainMixin):
    """A host name served by a site: `<slug>.<base host>`, or a CAE's own domain."""

    class Meta:
        verbose_name = _("domaine")
        verbose_name_plural = _("domaines")

    def __str__(self) -> str:
        return str(self.domain)


class TemplateSnapshot(models.Model):
    """The template schema as SQL (its `pg_dump`), for one state of its migrations: new CAE
    schemas are created by replaying it (network/registry/template.py)."""

    state = models.CharField(_("état des migrations"), max_length=64, unique=True)
    sql = models.TextField(_("SQL"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("instantané du schéma modèle")
        verbose_name_plural = _("instantanés du schéma modèle")

    def __str__(self) -> str:
        return self.state
