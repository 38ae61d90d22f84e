from __future__ import annotations

from coopilote.accounts.models import Membership, Role
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
