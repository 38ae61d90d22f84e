"""Network-level tasks: they run in the public schema (no CAE)."""

from __future__ import annotations

from celery import shared_task

from coopilote.accounts.models import Membership
from coopilote.tasking.base import NetworkTask
from coopilote.tasking.services import task_send
from network.registry.models import Cae
from network.registry.selectors import cae_list_active
from network.registry.services import cae_invite_team, cae_provision, membership_invite


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


@shared_task(
    name="registry.membership_invite",
    base=NetworkTask,
    max_retries=5,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
)
def membership_invite_task(*, membership_id: int) -> None:
    """Email a person the role they were just given."""
    membership = Membership.objects.select_related("user", "cae").get(pk=membership_id)
    membership_invite(membership=membership)


@shared_task(name="registry.tenant_fanout", base=NetworkTask)
def tenant_fanout_task(*, task_name: str) -> int:
    """Send the tenant task `task_name` to every active CAE (periodic work, e.g. reminders):
    one message per CAE, each running in its own schema."""
    schemas = [cae.schema_name for cae in cae_list_active()]
    for schema_name in schemas:
        task_send(task_name, schema_name=schema_name)
    return len(schemas)
