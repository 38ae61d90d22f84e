import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from network.registry.models import Cae, Domain, SiteKind, SiteStatus
from network.registry.services import cae_provision
from tenants.cohorts.models import Cohort


def test_create_cae_command_clones_a_ready_schema_and_serves_its_host(db: None) -> None:
    call_command("create_cae", "sitelle", "CAE Sitelle")

    cae = Cae.objects.get(slug="sitelle")
    assert (cae.kind, cae.status, cae.schema_name) == (
        SiteKind.CAE,
        SiteStatus.ACTIVE,
        "cae_sitelle",
    )
    assert list(Domain.objects.filter(tenant=cae).values_list("domain", flat=True)) == [
        "sitelle.localhost"
    ]
    assert schema_exists("cae_sitelle")
    with schema_context("cae_sitelle"):
        assert Cohort.objects.count() == 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations")
            (applied,) = cursor.fetchone()
    with schema_context("cae_template"), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        (template_applied,) = cursor.fetchone()
    assert applied == template_applied > 0


def test_create_cae_refuses_a_taken_slug_and_changes_nothing(db: None) -> None:
    before = (Cae.objects.count(), Domain.objects.count())

    with pytest.raises(CommandError, match="existe déjà"):
        call_command("create_cae", "alpha", "Une autre CAE")

    assert (Cae.objects.count(), Domain.objects.count()) == before


def test_create_cae_refuses_an_invalid_slug(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("create_cae", "pas un slug!", "CAE invalide")

    assert not Cae.objects.filter(name="CAE invalide").exists()


def test_provisioning_is_idempotent(cae_alpha: Cae) -> None:
    assert cae_provision(cae=cae_alpha).status == SiteStatus.ACTIVE
