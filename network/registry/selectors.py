from __future__ import annotations

from network.registry.models import Cae, CaeQuerySet, SiteKind


def cae_list() -> CaeQuerySet:
    """Every CAE of the network, whatever its status."""
    return Cae.objects.caes().order_by("name")


def cae_list_active() -> CaeQuerySet:
    return cae_list().active()


def network_site() -> Cae | None:
    site: Cae | None = Cae.objects.filter(kind=SiteKind.NETWORK).first()
    return site
