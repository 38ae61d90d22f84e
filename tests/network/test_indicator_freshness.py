"""Freshness: a change committed in a CAE reaches the national store through the outbox and a
real worker (committed for real: the worker is another process)."""

from __future__ import annotations

import datetime
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import tenant_context

from coopilote.tasking.models import OutboxMessage
from network.indicators.models import CohortFact
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.cohorts.services import cohort_create

pytestmark = pytest.mark.worker


def test_a_change_reaches_the_national_figures_through_the_worker(
    celery_worker: Path, django_db_blocker: Any
) -> None:
    """Committed for real: the service's outbox row is relayed after the commit and a real
    worker stores the cohort's facts, well within a minute."""
    with django_db_blocker.unblock():
        alpha = Cae.objects.get(slug="alpha")
        started = time.monotonic()
        with tenant_context(alpha):
            cohort = cohort_create(
                name=f"Fraîcheur {uuid.uuid4().hex[:6]}",
                programme="CT",
                starts_on=datetime.date(2027, 1, 4),
                ends_on=datetime.date(2027, 5, 28),
                people_informed=17,
            )
        try:
            fact = None
            while time.monotonic() - started < 60 and fact is None:
                fact = CohortFact.objects.filter(cae=alpha, cohort_id=cohort.pk).first()
                time.sleep(0.2)
            with tenant_context(alpha):
                sent = list(
                    OutboxMessage.objects.filter(task_name="cohorts.facts_publish").values_list(
                        "sent_at", "attempts", "last_error"
                    )
                )
            assert fact is not None, (sent, celery_worker.read_text()[-1500:])
            assert fact.people_informed == 17
        finally:
            CohortFact.objects.filter(cae=alpha, cohort_id=cohort.pk).delete()
            with tenant_context(alpha):
                OutboxMessage.objects.filter(task_name="cohorts.facts_publish").delete()
                Cohort.objects.filter(pk=cohort.pk).delete()
