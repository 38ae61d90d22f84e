"""The coordinator registers a CAE; its schema is provisioned by a task; its admin is invited
by email and activates their account through a single-use link."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django_tenants.utils import schema_exists

from coopilote.accounts.models import Membership, Role, User
from network.registry.fictional import fictional_identity
from network.registry.models import Cae, Domain, SiteStatus
from network.registry.tasks import cae_provision_task
from tests.conftest import sign_in, site_client


@pytest.fixture
def coordinator(db: None) -> User:
    return User.objects.create_user(
        "coordination@example.org", "mot-de-passe-national", is_coordinator=True
    )


def _payload(number: int = 21, **overrides: Any) -> dict[str, Any]:
    identity = fictional_identity(number)
    payload = {
        "name": "CAE Ker Avel",
        "slug": "ker-avel",
        "legal_form": "scic_sas",
        "siren": identity["siren"],
        "siret": identity["siret"],
        "vat_number": identity["vat_number"],
        "vat_regime": "standard",
        "address": "3 rue du Port",
        "postcode": "56100",
        "city": "Lorient",
        "department": "56",
        "network_membership": "cpe",
        "first_admin": {"email": "Gwen@Example.org", "first_name": "Gwen"},
    }
    return payload | overrides


def _activation_path(body: str) -> str:
    match = re.search(r"http://ker-avel\.localhost(/activation/[^/\s]+/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_coordinator_onboards_a_cae_through_the_api(
    coordinator: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = site_client()
    sign_in(client, coordinator)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post("/api/v1/caes/", _payload(), content_type="application/json")

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "provisioning"
    cae = Cae.objects.get(slug="ker-avel")
    assert (cae.region, cae.siren) == ("53", fictional_identity(21)["siren"])
    assert Domain.objects.get(tenant=cae).domain == "ker-avel.localhost"
    assert len(callbacks) == 1  # the provisioning task, sent once the registration commits
    assert not schema_exists("cae_ker_avel")
    assert site_client(cae).get("/").status_code == 404  # not served until ready

    # The worker's part, run here in-process (the real worker is exercised in test_worker).
    cae_provision_task.apply(kwargs={"cae_id": cae.pk}, throw=True)

    cae.refresh_from_db()
    assert cae.status == SiteStatus.ACTIVE
    assert schema_exists("cae_ker_avel")
    admin = User.objects.get(email="gwen@example.org")
    assert Membership.objects.filter(user=admin, cae=cae, role=Role.CAE_ADMIN).exists()
    (invitation,) = mail.outbox
    assert invitation.to == ["gwen@example.org"]
    assert invitation.subject == "Votre accès à CAE Ker Avel sur Coopilote"

    # A retried task sends nothing twice.
    cae_provision_task.apply(kwargs={"cae_id": cae.pk}, throw=True)
    assert len(mail.outbox) == 1


def test_the_invited_admin_activates_their_account_once(coordinator: User) -> None:
    client = site_client()
    sign_in(client, coordinator)
    client.post("/api/v1/caes/", _payload(), content_type="application/json")
    cae = Cae.objects.get(slug="ker-avel")
    cae_provision_task.apply(kwargs={"cae_id": cae.pk}, throw=True)
    path = _activation_path(str(mail.outbox[0].body))
    browser = site_client(cae)

    form = browser.get(path)
    too_short = browser.post(path, {"password": "court", "password_again": "court"})
    activated = browser.post(
        path,
        {"password": "une-phrase-de-passe-solide", "password_again": "une-phrase-de-passe-solide"},
    )

    assert form.status_code == 200
    assert "Activer votre compte" in form.content.decode()
    assert too_short.status_code == 400
    assert "Ce mot de passe est trop court" in too_short.content.decode()
    assert activated.status_code == 302
    assert "gwen@example.org" in browser.get("/", follow=True).content.decode()  # then 2FA set-up
    reused = site_client(cae).get(path)
    assert reused.status_code == 404
    assert "Lien expiré ou déjà utilisé" in reused.content.decode()
    signed_in = site_client(cae).post(
        "/connexion/", {"username": "gwen@example.org", "password": "une-phrase-de-passe-solide"}
    )
    assert signed_in.status_code == 302


def test_a_forged_activation_link_is_refused(cae_alpha: Cae, person: User) -> None:
    response = site_client(cae_alpha).get("/activation/MQ/abc-123/")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"siren": "123456789"}, "siren", "Ce SIREN n'est pas valide"),
        ({"siret": "99000021000000"}, "siret", "Ce SIRET n'est pas valide"),
        ({"vat_number": "FR00990000214"}, "vat_number", "n'est pas valide"),
        ({"slug": "alpha"}, "slug", "existe déjà"),
        ({"department": "00"}, "department", "n'est pas un choix valide"),
    ],
)
def test_bad_identity_is_refused_with_a_message_and_nothing_saved(
    coordinator: User, overrides: dict[str, Any], field: str, message: str
) -> None:
    client = site_client()
    sign_in(client, coordinator)
    before = (Cae.objects.count(), User.objects.count(), Membership.objects.count())

    response = client.post("/api/v1/caes/", _payload(**overrides), content_type="application/json")

    assert response.status_code == 400
    body = response.json()
    errors = body.get("errors", body)
    assert message in " ".join(str(text) for text in errors[field])
    assert (Cae.objects.count(), User.objects.count(), Membership.objects.count()) == before


def test_siret_of_another_company_is_refused(coordinator: User) -> None:
    client = site_client()
    sign_in(client, coordinator)

    response = client.post(
        "/api/v1/caes/",
        _payload(siret=fictional_identity(22)["siret"]),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["siret"] == ["Le SIRET doit commencer par le SIREN de la CAE."]


def test_coordinator_registers_a_cae_in_the_web_form(coordinator: User) -> None:
    client = site_client()
    sign_in(client, coordinator)
    payload = _payload()
    admin = payload.pop("first_admin")
    form = payload | {
        "admin_email": admin["email"],
        "admin_first_name": "Gwen",
        "admin_last_name": "",
    }

    invalid = client.post("/caes/nouvelle/", form | {"siren": "123"})
    response = client.post("/caes/nouvelle/", form)

    assert invalid.status_code == 400
    assert "Ce SIREN n&#x27;est pas valide" in invalid.content.decode()
    assert 'value="CAE Ker Avel"' in invalid.content.decode()  # what was typed is kept
    cae = Cae.objects.get(slug="ker-avel")
    assert response.status_code == 302
    assert response["Location"] == f"/caes/{cae.pk}/"
    page = client.get(response["Location"])
    assert "Espace en préparation" in page.content.decode()
    assert 'hx-trigger="every 1s"' in page.content.decode()


def test_the_provisioning_status_refreshes_as_a_fragment(coordinator: User) -> None:
    client = site_client()
    sign_in(client, coordinator)
    client.post("/api/v1/caes/", _payload(), content_type="application/json")
    cae = Cae.objects.get(slug="ker-avel")

    polling = client.get(f"/caes/{cae.pk}/", HTTP_HX_REQUEST="true").content.decode()
    cae_provision_task.apply(kwargs={"cae_id": cae.pk}, throw=True)
    ready = client.get(f"/caes/{cae.pk}/", HTTP_HX_REQUEST="true").content.decode()

    assert polling.lstrip().startswith('<div id="statut"')
    assert "<html" not in polling
    assert "Espace en préparation" in polling
    assert 'hx-trigger="every 1s"' not in ready  # polling stops once ready
    assert "http://ker-avel.localhost/" in ready


def test_an_expired_invitation_link_is_refused(coordinator: User, settings: Any) -> None:
    client = site_client()
    sign_in(client, coordinator)
    client.post("/api/v1/caes/", _payload(), content_type="application/json")
    cae = Cae.objects.get(slug="ker-avel")
    cae_provision_task.apply(kwargs={"cae_id": cae.pk}, throw=True)
    path = _activation_path(str(mail.outbox[0].body))

    settings.INVITATION_TIMEOUT = -1  # every link is older than that

    response = site_client(cae).post(
        path,
        {"password": "une-phrase-de-passe-solide", "password_again": "une-phrase-de-passe-solide"},
    )
    assert response.status_code == 404
    assert not User.objects.get(email="gwen@example.org").has_usable_password()
