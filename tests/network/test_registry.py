from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from coopilote.accounts.models import Membership, Role, User
from network.registry.fictional import fictional_identity
from network.registry.models import Cae, Domain, SiteKind, SiteStatus
from network.registry.services import cae_provision
from tenants.cohorts.models import Cohort


def _identity_options(number: int) -> list[str]:
    identity = fictional_identity(number)
    return [
        f"--siren={identity['siren']}",
        f"--siret={identity['siret']}",
        f"--vat-number={identity['vat_number']}",
        "--department=56",
    ]


def _applied_migrations(schema: str) -> int:
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_migrations")
        (applied,) = cursor.fetchone()
    return int(applied)


def test_create_cae_command_clones_a_ready_schema_and_invites_the_admin(db: None) -> None:
    call_command(
        "create_cae",
        "sitelle",
        "CAE Sitelle",
        *_identity_options(7),
        "--admin-email=Nolwenn@Example.org",
    )

    cae = Cae.objects.get(slug="sitelle")
    assert (cae.kind, cae.status, cae.schema_name) == (
        SiteKind.CAE,
        SiteStatus.ACTIVE,
        "cae_sitelle",
    )
    assert (cae.department, cae.region) == ("56", "53")
    assert list(Domain.objects.filter(tenant=cae).values_list("domain", flat=True)) == [
        "sitelle.localhost"
    ]
    assert schema_exists("cae_sitelle")
    with schema_context("cae_sitelle"):
        assert Cohort.objects.count() == 0
    assert _applied_migrations("cae_sitelle") == _applied_migrations("cae_template") > 0
    admin = User.objects.get(email="nolwenn@example.org")
    assert Membership.objects.filter(user=admin, cae=cae, role=Role.CAE_ADMIN).count() == 1
    (email,) = mail.outbox
    assert email.to == ["nolwenn@example.org"]
    assert "http://sitelle.localhost/activation/" in email.body


def test_create_cae_refuses_a_taken_slug_and_changes_nothing(db: None) -> None:
    before = (Cae.objects.count(), Domain.objects.count())

    with pytest.raises(CommandError, match="existe déjà"):
        call_command("create_cae", "alpha", "Une autre CAE", *_identity_options(8))

    assert (Cae.objects.count(), Domain.objects.count()) == before


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--siren=123456789", "Ce SIREN n'est pas valide"),
        ("--siret=12345678901234", "Ce SIRET n'est pas valide"),
        ("--vat-number=FR00123456789", "Ce numéro de TVA intracommunautaire n'est pas valide"),
        ("--department=99", "n\N{RIGHT SINGLE QUOTATION MARK}est pas un choix valide"),
    ],
)
def test_create_cae_refuses_invalid_identifiers(db: None, option: str, message: str) -> None:
    options = [o for o in _identity_options(9) if not o.startswith(option.split("=")[0])]

    with pytest.raises(CommandError, match=message):
        call_command("create_cae", "invalide", "CAE invalide", *options, option)

    assert not Cae.objects.filter(slug="invalide").exists()
    assert not schema_exists("cae_invalide")


def test_create_cae_refuses_an_invalid_slug(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("create_cae", "pas un slug!", "CAE invalide", *_identity_options(10))

    assert not Cae.objects.filter(name="CAE invalide").exists()


def test_provisioning_is_idempotent(cae_alpha: Cae) -> None:
    assert cae_provision(cae=cae_alpha).status == SiteStatus.ACTIVE


def test_invite_coordinator_command(db: None, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite_coordinator", "Camille@Example.org", "--first-name=Camille")

    camille = User.objects.get(email="camille@example.org")
    assert camille.is_coordinator
    assert not camille.has_usable_password()
    (email,) = mail.outbox
    assert email.to == ["camille@example.org"]
    assert "http://localhost/activation/" in email.body
    with pytest.raises(CommandError, match="coordonne déjà"):
        call_command("invite_coordinator", "camille@example.org")
    assert len(mail.outbox) == 1
