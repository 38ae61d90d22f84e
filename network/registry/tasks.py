"""Network-level tasks: they run in the public schema (no CAE)."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.base import NetworkTask
from network.registry.models import Cae
from network.registry.services import cae_invite_team, cae_provision


@shared_task(
    name="registry.cae_provision",
    base=NetworkTask,
    max_retries=3,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
)
def cae_provision_task(*, cae_id: int) -> None:
    """Clone the CAE's schema from the template, open its site, invite its first admin."""
    cae = Cae.objects.get(pk=cae_id)
    cae = cae_provision(cae=cae)
    cae_invite_team(cae=cae)
