from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class SiteKind(models.TextChoices):
    NETWORK = "network", _("Réseau national")
    CAE = "cae", _("CAE")
    TEMPLATE = "template", _("Modèle de schéma")


class SiteStatus(models.TextChoices):
    PROVISIONING = "provisioning", _("En préparation")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspendue")


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
        ]

    def __str__(self) -> str:
        return self.name


class Domain(DomainMixin):
    """A host name served by a site: `<slug>.<base host>`, or a CAE's own domain."""

    class Meta:
        verbose_name = _("domaine")
        verbose_name_plural = _("domaines")

    def __str__(self) -> str:
        return str(self.domain)
