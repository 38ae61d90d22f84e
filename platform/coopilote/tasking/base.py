"""The base class of every Coopilote task: a tenant task refuses to run outside its CAE."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django_tenants.utils import get_public_schema_name
from tenant_schemas_celery.task import TenantTask


class MissingTenantError(RuntimeError):
    """A tenant task was about to run in the public schema: its message lost its CAE."""


class CoopiloteTask(TenantTask):  # type: ignore[misc]
    abstract = True
    # Network-layer tasks (public schema) set this to False; everything else belongs to a CAE.
    tenant_scoped = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.tenant_scoped and connection.schema_name == get_public_schema_name():
            raise MissingTenantError(
                f"Task {self.name} needs a CAE schema but was sent without one; refusing to run "
                "it in the public schema."
            )
        return super().__call__(*args, **kwargs)
