"""The base class of every Coopilote task: a tenant task refuses to run outside its CAE."""

from __future__ import annotations

from typing import Any

from tenant_schemas_celery.task import TenantTask

from coopilote.tenancy import in_public_schema


class MissingTenantError(RuntimeError):
    """A tenant task was about to run in the public schema: its message lost its CAE."""


class CoopiloteTask(TenantTask):
    abstract = True
    # Network-layer tasks (public schema) set this to False; everything else belongs to a CAE.
    tenant_scoped = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.tenant_scoped and in_public_schema():
            raise MissingTenantError(
                f"Task {self.name} needs a CAE schema but was sent without one; refusing to run "
                "it in the public schema."
            )
        return super().__call__(*args, **kwargs)


class NetworkTask(CoopiloteTask):
    """A task of the national layer: runs in the public schema, sent from it."""

    abstract = True
    tenant_scoped = False
