"""Creating the network's sites and provisioning their schemas."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_exists

from coopilote.accounts.models import Membership, Role, User
from coopilote.accounts.services import invitation_send, user_get_or_invite
from coopilote.errors import ApplicationError
from coopilote.identifiers import compact_siren, compact_siret, compact_vat_number
from coopilote.tasking.services import task_enqueue_on_commit, task_run_record
from coopilote.tenancy import site_host, site_url
from network.registry.models import Cae, Domain, SiteKind, SiteStatus
from network.registry.template import schema_create_from_template

logger = logging.getLogger(__name__)


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


IDENTITY_FIELDS = (
    "legal_form",
    "siren",
    "siret",
    "vat_number",
    "vat_regime",
    "address",
    "postcode",
    "city",
    "rcs_city",
    "department",
    "network_membership",
    "network_name",
    "contact_email",
    "contact_phone",
)


@dataclass(frozen=True)
class FirstAdmin:
    email: str
    first_name: str = ""
    last_name: str = ""


@transaction.atomic
def cae_register(
    *,
    name: str,
    slug: str,
    identity: dict[str, Any],
    first_admin: FirstAdmin | None = None,
    provision_now: bool = False,
) -> Cae:
    """Register a CAE with its legal identity and host `<slug>.<base host>`.

    Its schema is provisioned by a Celery task once this transaction commits (or here, with
    `provision_now`, for the command line); the site opens when it is ready, and the first
    admin is then invited by email.
    """
    unknown = set(identity) - set(IDENTITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown identity fields: {sorted(unknown)}")
    cae = Cae(
        name=name,
        slug=slug,
        schema_name=schema_name_for(slug),
        kind=SiteKind.CAE,
        status=SiteStatus.PROVISIONING,
        **normalised_identity(identity),
    )
    try:
        cae.full_clean()
    except ValidationError as error:
        raise ApplicationError(_("Cette CAE ne peut pas être créée."), errors=error) from error
    if not schema_exists(settings.TENANT_BASE_SCHEMA):
        raise ApplicationError(_("Le réseau n'est pas initialisé (lancez setup_network)."))
    cae.save()
    Domain.objects.create(domain=site_host(slug), tenant=cae, is_primary=True)
    if first_admin is not None:
        admin = user_get_or_invite(
            email=first_admin.email,
            first_name=first_admin.first_name,
            last_name=first_admin.last_name,
        )
        Membership.objects.create(user=admin, cae=cae, role=Role.CAE_ADMIN)
    if provision_now:
        cae_provision(cae=cae)
        cae_invite_team(cae=cae)
    else:
        from network.registry.tasks import cae_provision_task  # the tasks module imports this one

        task_enqueue_on_commit(cae_provision_task, cae_id=cae.pk)
    return cae


def normalised_identity(identity: dict[str, Any]) -> dict[str, Any]:
    """Identifiers as typed by people (spaces, dots) brought to their compact form."""
    compactors = {"siren": compact_siren, "siret": compact_siret, "vat_number": compact_vat_number}
    return {
        field: compactors[field](value) if field in compactors and value else value
        for field, value in identity.items()
    }


def cae_invite_team(*, cae: Cae) -> int:
    """Email an invitation to each admin of the CAE not yet told; return how many were sent."""
    memberships = Membership.objects.active().filter(cae=cae, role=Role.CAE_ADMIN)
    return sum(membership_invite(membership=membership) for membership in memberships)


def membership_invite(*, membership: Membership) -> bool:
    """Email the person their new role, once per membership; return whether it was sent now.

    Tasks are delivered at least once: the ledger row and the email go together, so a retry
    after a failed send sends it, and a retry after a successful one does not.
    """
    cae = membership.cae
    with transaction.atomic():
        _run, created = task_run_record(
            key=f"registry.invite:{cae.pk}:{membership.pk}", task_name="registry.invite"
        )
        if created:
            invitation_send(user=membership.user, site_name=cae.name, site_url=site_url(cae.slug))
    return created


@transaction.atomic
def coordinator_invite(*, email: str, first_name: str = "", last_name: str = "") -> User:
    """Make the person (invited if new) a national coordinator; the email, with an activation
    link for a new account, leaves after the commit."""
    user = user_get_or_invite(email=email, first_name=first_name, last_name=last_name)
    if user.is_coordinator:
        raise ApplicationError(_("Cette personne coordonne déjà le réseau."))
    user.is_coordinator = True
    user.save(update_fields=["is_coordinator"])
    network = Cae.objects.get(schema_name=get_public_schema_name())
    transaction.on_commit(
        lambda: invitation_send(user=user, site_name=network.name, site_url=site_url())
    )
    return user


TEAM_ROLES = (Role.CAE_ADMIN, Role.CAE_STAFF, Role.ANIMATEUR)


@transaction.atomic
def cae_team_invite(
    *,
    cae: Cae,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    cohort_id: int | None = None,
) -> Membership:
    """Give a person (invited if new) a role in the CAE; the email leaves after the commit.

    An animateur·rice is invited for one cohort (`cohort_id`, checked by the caller in the CAE's
    schema); admins and staff for the whole CAE.
    """
    if role not in TEAM_ROLES:
        raise ApplicationError(_("Ce rôle ne s'attribue pas par invitation."))
    if (role == Role.ANIMATEUR) != (cohort_id is not None):
        raise ApplicationError(_("Un·e animateur·rice est invité·e pour une coopérative précise."))
    return _role_invite(cae, email, role, first_name, last_name, cohort_id)


@transaction.atomic
def cae_member_invite(
    *, cae: Cae, email: str, cohort_id: int, first_name: str = "", last_name: str = ""
) -> Membership:
    """Give an enrolled coopérant·e their account (invited if new) with the member role in
    their cohort (`cohort_id`, checked by the caller in the CAE's schema); the email leaves
    after the commit."""
    return _role_invite(cae, email, Role.MEMBER, first_name, last_name, cohort_id)


def _role_invite(
    cae: Cae, email: str, role: str, first_name: str, last_name: str, cohort_id: int | None
) -> Membership:
    user = user_get_or_invite(email=email, first_name=first_name, last_name=last_name)
    membership, created = Membership.objects.active().get_or_create(
        user=user, cae=cae, role=role, cohort_id=cohort_id
    )
    if not created:
        raise ApplicationError(_("Cette personne a déjà ce rôle."))
    from network.registry.tasks import membership_invite_task  # the tasks module imports us

    task_enqueue_on_commit(membership_invite_task, membership_id=membership.pk)
    return membership


@transaction.atomic
def cae_provision(*, cae: Cae) -> Cae:
    """Give the CAE its schema, cloned from the pre-migrated template, and open its site."""
    cae = Cae.objects.select_for_update().get(pk=cae.pk)  # locked: provisioned once
    if cae.status != SiteStatus.PROVISIONING:
        return cae
    fast = (
        settings.TENANT_CREATION_FAKES_MIGRATIONS
        and not schema_exists(cae.schema_name)
        and schema_create_from_template(cae.schema_name)
    )
    if not fast:
        cae.create_schema(check_if_exists=True, verbosity=0)
    cae.status = SiteStatus.ACTIVE
    cae.save(update_fields=["status"])
    logger.info("CAE schema %s provisioned", cae.schema_name)
    return cae


@transaction.atomic
def cae_payment_account_set(*, cae: Cae, account: str) -> Cae:
    """Record the CAE's connected payment account: its invoices are paid there."""
    cae = Cae.objects.select_for_update().get(pk=cae.pk)
    cae.payment_account = account
    cae.save(update_fields=["payment_account"])
    return cae
