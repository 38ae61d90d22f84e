"""The national directory of published cohort pages: fed by the CAEs after each change, read by
the national site without touching any CAE's schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context, tenant_context

from coopilote.tasking.models import OutboxMessage
from network.registry.models import Cae
from network.showcase.models import PublishedCohort
from network.showcase.services import directory_entry_apply
from tenants.cohorts.models import Programme
from tenants.showcase.services import page_save, page_set_published
from tests.conftest import World, site_client
from tests.tenants.people.factories import CohortFactory

pytestmark = pytest.mark.django_db


def _relay(cae: Cae) -> None:
    """Apply the directory messages the CAE's outbox holds, as the worker would."""
    with tenant_context(cae):
        messages = list(
            # Pending ones only: a browser test's messages, committed and sent, stay a while.
            OutboxMessage.objects.pending()
            .filter(task_name="showcase.directory_update")
            .order_by("created_at")
        )
        OutboxMessage.objects.filter(pk__in=[message.pk for message in messages]).delete()
    for message in messages:
        assert message.schema_name == "public"
        kwargs: dict[str, Any] = message.kwargs
        with schema_context("public"):
            directory_entry_apply(
                schema_name=kwargs["cae_schema"],
                cohort_id=kwargs["cohort_id"],
                entry=kwargs["entry"],
            )


@pytest.fixture
def directory(world: World, cae_beta: Cae) -> World:
    with tenant_context(world.cae):
        world.cohort.town = "Vannes"
        world.cohort.save()
        vannes = page_save(cohort=world.cohort, by=None, slug="belle-coop", headline="Jardins")
        page_set_published(page=vannes, by=None, published=True)
        auray = CohortFactory.create(name="CJM d'Auray", programme=Programme.CJM, town="Auray")
        page_set_published(
            page=page_save(cohort=auray, by=None, slug="coop-auray", headline="Vitres"),
            by=None,
            published=True,
        )
        page_save(cohort=world.other_cohort, by=None, slug="jamais-publiee", headline="Cachée")
    with tenant_context(cae_beta):
        lorient = CohortFactory.create(name="CJS de Lorient", town="Lorient")
        page_set_published(
            page=page_save(cohort=lorient, by=None, slug="coop-lorient", headline="Peinture"),
            by=None,
            published=True,
        )
    _relay(world.cae)
    _relay(cae_beta)
    return world


def test_published_pages_of_every_cae_are_listed(directory: World) -> None:
    with schema_context("public"):
        names = set(PublishedCohort.objects.values_list("name", flat=True))
    assert names == {"CJS de Vannes", "CJM d'Auray", "CJS de Lorient"}

    with CaptureQueriesContext(connection) as queries:
        response = site_client(None).get("/cooperatives/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("CJS de Vannes", "CJM d&#x27;Auray", "CJS de Lorient"):
        assert name in html
    assert "Cachée" not in html
    assert "http://alpha.localhost" in html
    assert "/c/belle-coop/" in html
    assert "<script" not in html
    assert '<link rel="canonical"' in html
    # The national site reads only the public schema.
    assert not [q for q in queries.captured_queries if "cae_alpha" in q["sql"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?programme=CJM", {"CJM d&#x27;Auray"}),
        ("?programme=CJS", {"CJS de Vannes", "CJS de Lorient"}),
        ("?commune=lorient", {"CJS de Lorient"}),
        ("?programme=CJS&commune=Auray", set()),
        ("?programme=nope", {"CJS de Vannes", "CJM d&#x27;Auray", "CJS de Lorient"}),
    ],
)
def test_the_directory_filters_by_programme_and_town(
    directory: World, query: str, expected: set[str]
) -> None:
    html = site_client(None).get(f"/cooperatives/{query}").content.decode()
    shown = {
        name for name in ("CJS de Vannes", "CJM d&#x27;Auray", "CJS de Lorient") if name in html
    }
    assert shown == expected


def test_hiding_or_editing_a_page_updates_the_directory(directory: World) -> None:
    world = directory
    with tenant_context(world.cae):
        page = page_save(cohort=world.cohort, by=None, slug="belle-coop-56", headline="Nouveau")
    _relay(world.cae)
    with schema_context("public"):
        row = PublishedCohort.objects.get(name="CJS de Vannes")
        assert (row.slug, row.headline) == ("belle-coop-56", "Nouveau")
        assert row.url.endswith("/c/belle-coop-56/")
    with tenant_context(world.cae):
        page_set_published(page=page, by=None, published=False)
    _relay(world.cae)
    with schema_context("public"):
        assert not PublishedCohort.objects.filter(name="CJS de Vannes").exists()
        # Applying the same message again changes nothing (idempotent).
        directory_entry_apply(
            schema_name=world.cae.schema_name, cohort_id=world.cohort.pk, entry=None
        )
        assert PublishedCohort.objects.count() == 2
