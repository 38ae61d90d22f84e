"""Tasks run on a real Celery worker (a separate process), in the schema they were sent from."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django_tenants.utils import schema_context, schema_exists, tenant_context

from coopilote.accounts.models import Membership, User
from coopilote.tasking.base import MissingTenantError
from coopilote.tasking.models import TaskRun
from coopilote.tasking.services import task_enqueue_on_commit
from coopilote.tasking.tasks import worker_probe
from coopilote.tenancy import current_schema
from network.registry.fictional import fictional_identity
from network.registry.models import Cae, SiteStatus
from network.registry.services import FirstAdmin, cae_register

pytestmark = pytest.mark.worker

WAIT_SECONDS = 60


@pytest.fixture
def committed(django_db_blocker: Any) -> Iterator[list[str]]:
    """Real commits (the worker is another process); the task runs recorded are removed after."""
    keys: list[str] = []
    with django_db_blocker.unblock():
        yield keys
        for schema in ("public", "cae_alpha", "cae_beta"):
            with schema_context(schema):
                TaskRun.objects.filter(key__in=keys).delete()


def _new_key(keys: list[str]) -> str:
    keys.append(f"probe-{uuid.uuid4()}")
    return keys[-1]


def _wait_for_run(schema: str, key: str, log: Path) -> TaskRun:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        with schema_context(schema):
            run = TaskRun.objects.filter(key=key).first()
        if run is not None:
            return run
        time.sleep(0.1)
    pytest.fail(
        f"No worker ran the task within {WAIT_SECONDS} s. Is the broker "
        f"({settings.CELERY_BROKER_URL}) running? Worker log:\n{log.read_text()[-3000:]}"
    )


def _runs_anywhere(key: str) -> list[str]:
    found = []
    for schema in ("public", "cae_alpha", "cae_beta"):
        with schema_context(schema):
            if TaskRun.objects.filter(key=key).exists():
                found.append(schema)
    return found


def test_a_task_enqueued_in_a_cae_runs_in_that_cae(
    celery_worker: Path, committed: list[str]
) -> None:
    alpha, beta = Cae.objects.get(slug="alpha"), Cae.objects.get(slug="beta")
    key_alpha, key_beta = _new_key(committed), _new_key(committed)

    with tenant_context(alpha), transaction.atomic():
        task_enqueue_on_commit(worker_probe, key=key_alpha)
    with tenant_context(beta), transaction.atomic():
        task_enqueue_on_commit(worker_probe, key=key_beta)

    run = _wait_for_run("cae_alpha", key_alpha, celery_worker)
    assert run.schema_name == "cae_alpha"
    assert _wait_for_run("cae_beta", key_beta, celery_worker).schema_name == "cae_beta"
    assert _runs_anywhere(key_alpha) == ["cae_alpha"]
    assert _runs_anywhere(key_beta) == ["cae_beta"]


def test_the_schema_is_the_one_of_the_enqueue_not_of_the_commit(
    celery_worker: Path, committed: list[str]
) -> None:
    # The commit hook fires after tenant_context() has exited, back in public.
    alpha = Cae.objects.get(slug="alpha")
    key = _new_key(committed)

    with transaction.atomic():
        with tenant_context(alpha):
            task_enqueue_on_commit(worker_probe, key=key)
        assert current_schema() == "public"

    assert _wait_for_run("cae_alpha", key, celery_worker).schema_name == "cae_alpha"


def test_nothing_is_sent_when_the_transaction_rolls_back(
    celery_worker: Path, committed: list[str]
) -> None:
    alpha = Cae.objects.get(slug="alpha")
    rolled_back, sentinel = _new_key(committed), _new_key(committed)

    def failing_user_action() -> None:
        with transaction.atomic():
            task_enqueue_on_commit(worker_probe, key=rolled_back)
            raise RuntimeError("the user action failed")

    with tenant_context(alpha):
        with pytest.raises(RuntimeError, match="failed"):
            failing_user_action()
        with transaction.atomic():
            task_enqueue_on_commit(worker_probe, key=sentinel)

    # The single worker takes messages in order: once the sentinel ran, nothing else is pending.
    _wait_for_run("cae_alpha", sentinel, celery_worker)
    assert _runs_anywhere(rolled_back) == []


def test_a_tenant_task_refuses_to_run_or_be_sent_without_a_cae(committed: list[str]) -> None:
    key = _new_key(committed)

    with pytest.raises(MissingTenantError):
        worker_probe.apply(kwargs={"key": key}, throw=True)
    with pytest.raises(MissingTenantError), transaction.atomic():
        task_enqueue_on_commit(worker_probe, key=key)

    assert _runs_anywhere(key) == []


def test_a_registered_cae_is_provisioned_by_the_worker(
    celery_worker: Path, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                cae = cae_register(
                    name="CAE Worker",
                    slug="worker-test",
                    identity=fictional_identity(41),
                    first_admin=FirstAdmin(email="admin-worker@example.org"),
                )
            assert cae.status == SiteStatus.PROVISIONING

            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline:
                cae.refresh_from_db()
                if (
                    cae.status == SiteStatus.ACTIVE
                    and TaskRun.objects.filter(
                        key__startswith=f"registry.invite:{cae.pk}:"
                    ).exists()
                ):
                    break
                time.sleep(0.1)

            assert cae.status == SiteStatus.ACTIVE, celery_worker.read_text()[-3000:]
            assert schema_exists("cae_worker_test")
            # The invitation was sent once, by the worker, from the public schema.
            (run,) = TaskRun.objects.filter(key__startswith=f"registry.invite:{cae.pk}:")
            assert run.schema_name == "public"
        finally:
            TaskRun.objects.filter(key__startswith="registry.invite:").delete()
            for leftover in Cae.objects.filter(slug="worker-test"):
                Membership.objects.filter(cae=leftover).delete()
                leftover.delete(force_drop=True)
            User.objects.filter(email="admin-worker@example.org").delete()
