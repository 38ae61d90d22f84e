"""Creating the network's sites and provisioning their schemas."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_exists

from coopilote.errors import ApplicationError
from network.registry.models import Cae, Domain, SiteKind, SiteStatus

logger = logging.getLogger(__name__)


def site_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_HOST}"


def schema_name_for(slug: str) -> str:
    return "cae_" + slug.replace("-", "_")


@transaction.atomic
def network_setup(*, name: str = "Coopérer Pour Entreprendre") -> Cae:
    """Create, if missing, the national site (public schema) and the template of CAE schemas.

    Idempotent; run after the migrations of the public schema.
    """
    network: Cae
    network, _created = Cae.objects.get_or_create(
        kind=SiteKind.NETWORK,
        defaults={
            "name": name,
            "slug": "reseau",
            "schema_name": get_public_schema_name(),
            "status": SiteStatus.ACTIVE,
        },
    )
    Domain.objects.get_or_create(
        domain=settings.BASE_HOST, defaults={"tenant": network, "is_primary": True}
    )
    template, _created = Cae.objects.get_or_create(
        kind=SiteKind.TEMPLATE,
        defaults={
            "name": "Modèle de schéma CAE",
            "slug": "modele",
            "schema_name": settings.TENANT_BASE_SCHEMA,
            "status": SiteStatus.ACTIVE,
        },
    )
    if not schema_exists(template.schema_name):
        # The template itself is built by running the tenant migrations once.
        template.create_schema(check_if_exists=True, verbosity=0)
        logger.info("template schema %s migrated", template.schema_name)
    return network


@transaction.atomic
def cae_create(*, name: str, slug: str) -> Cae:
    """Register a CAE, its schema and its host `<slug>.<base host>`; it is served once active."""
    cae = Cae(name=name, slug=slug, schema_name=schema_name_for(slug), kind=SiteKind.CAE)
    try:
        cae.full_clean()
    except ValidationError as error:
        raise ApplicationError(_("Cette CAE ne peut pas être créée."), errors=error) from error
    if not schema_exists(settings.TENANT_BASE_SCHEMA):
        raise ApplicationError(_("Le réseau n'est pas initialisé (lancez setup_network)."))
    cae.save()
    Domain.objects.create(domain=site_host(slug), tenant=cae, is_primary=True)
    cae_provision(cae=cae)
    return cae


@transaction.atomic
def cae_provision(*, cae: Cae) -> Cae:
    """Give the CAE its schema, cloned from the pre-migrated template, and open its site."""
    cae = Cae.objects.select_for_update().get(pk=cae.pk)  # locked: provisioned once
    if cae.status != SiteStatus.PROVISIONING:
        return cae
    cae.create_schema(check_if_exists=True, verbosity=0)
    cae.status = SiteStatus.ACTIVE
    cae.save(update_fields=["status"])
    logger.info("CAE schema %s provisioned", cae.schema_name)
    return cae
