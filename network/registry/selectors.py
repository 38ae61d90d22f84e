from __future__ import annotations

from network.registry.models import Cae, CaeQuerySet, SiteKind


def cae_list_active() -> CaeQuerySet:
    return Cae.objects.caes().active().order_by("name")


def network_site() -> Cae | None:
    return Cae.objects.filter(kind=SiteKind.NETWORK).first()
