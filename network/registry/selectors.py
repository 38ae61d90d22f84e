from __future__ import annotations

from django.db.models import QuerySet

from coopilote.accounts.models import Membership, Role, User
from network.registry.models import Cae, CaeQuerySet, SiteKind


def cae_list() -> CaeQuerySet:
    """Every CAE of the network, whatever its status."""
    return Cae.objects.caes().order_by("name")


def cae_list_active() -> CaeQuerySet:
    return cae_list().active()


def network_site() -> Cae | None:
    site: Cae | None = Cae.objects.filter(kind=SiteKind.NETWORK).first()
    return site


def cae_team(*, cae: Cae) -> list[Membership]:
    """The people with a role in the CAE, admins first."""
    order = {role.value: index for index, role in enumerate(Role)}
    memberships = Membership.objects.active().filter(cae=cae).select_related("user")
    return sorted(memberships, key=lambda m: (order[m.role], m.user.email))


def cae_people(*, cae: Cae | None) -> QuerySet[User]:
    """Active accounts with a current role in the CAE (e.g. to pick an animateur·rice)."""
    return (
        User.objects.filter(
            is_active=True, memberships__cae=cae, memberships__revoked_at__isnull=True
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )
