"""A coopérante prices a service for her cohort and records a client, in a real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import ConsoleMessage, Page, expect

from coopilote.accounts.models import Membership, Role, User
from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, Service
from tests.e2e.conftest import outside_event_loop
from tests.tenants.people.factories import CohortFactory

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "maelys@example.org", "un-mot-de-passe-solide"
COHORT_NAME = "Coop des Vitres (e2e)"
CLIENT_NAME = "Crêperie du Port (e2e)"
SIRET = fictional_identity(77)["siret"]


def _remove() -> None:
    with tenant_context(Cae.objects.get(slug="alpha")):
        Client.objects.filter(name=CLIENT_NAME).delete()
        Service.objects.filter(cohort__name=COHORT_NAME).delete()
        Cohort.objects.filter(name=COHORT_NAME).delete()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def committed_member(django_db_blocker: Any) -> Iterator[int]:
    """A coopérante of a cohort of CAE Alpha, committed for the web server; the cohort's id."""

    def create() -> int:
        _remove()
        cae = Cae.objects.get(slug="alpha")
        with tenant_context(cae):
            cohort = CohortFactory.create(name=COHORT_NAME)
        user = User.objects.create_user(EMAIL, PASSWORD, first_name="Maëlys")
        Membership.objects.create(user=user, cae=cae, role=Role.MEMBER, cohort_id=cohort.pk)
        return cohort.pk

    with django_db_blocker.unblock():
        yield outside_event_loop(create)
        outside_event_loop(_remove)


def test_a_member_adds_a_service_and_records_a_client(
    page: Page, web_server: str, committed_member: int
) -> None:
    errors: list[str] = []
    page.on("console", lambda message: _keep_errors(message, errors))
    site = f"http://alpha.localhost:{web_server}"
    page.goto(f"{site}/connexion/")
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("CAE Alpha")

    page.goto(f"{site}/cooperatives/{committed_member}/")
    page.get_by_role("link", name="Voir les prestations de la coopérative").click()
    expect(page.locator("h1")).to_have_text("Prestations proposées")
    page.get_by_label("Nom de la prestation").fill("Lavage de vitres")
    page.get_by_label("Unité").select_option(label="heure")
    page.get_by_label("Prix unitaire HT (€)").fill("25,00")
    page.get_by_role("button", name="Ajouter la prestation").click()

    expect(page.get_by_role("status")).to_have_text(
        "La prestation « Lavage de vitres » est ajoutée."
    )
    row = page.get_by_role("row").filter(has_text="Lavage de vitres")
    expect(row).to_contain_text("25,00 €")
    expect(row).to_contain_text("20 %")

    page.get_by_role("navigation").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Nouveau client").click()
    page.get_by_label("Type de client").select_option(label="Entreprise")
    page.get_by_label(re.compile(r"^Nom\W*$")).fill(CLIENT_NAME)
    page.get_by_label("SIRET").fill(SIRET)
    page.get_by_label(re.compile(r"^Adresse\W*$")).fill("2 quai du Port")
    page.get_by_label("Code postal").fill("56000")
    page.get_by_label("Commune").fill("Vannes")
    page.get_by_label("Trouvé par la coopérative").select_option(label=COHORT_NAME)
    page.get_by_role("button", name="Enregistrer le client").click()

    expect(page.locator("h1")).to_have_text(CLIENT_NAME)
    expect(page.locator(".facts")).to_contain_text(COHORT_NAME)

    page.get_by_role("link", name="← Clients").click()
    page.get_by_label("Rechercher par nom").fill("crêperie")  # htmx refreshes the results
    expect(page).to_have_url(re.compile(r"/clients/\?.*q=cr"))  # the address follows
    expect(page.locator("#resultats")).to_contain_text(CLIENT_NAME)
    assert errors == []  # htmx runs under the Content-Security-Policy


def _keep_errors(message: ConsoleMessage, errors: list[str]) -> None:
    # As in test_pages.py: Chromium logs the 404 of /favicon.ico, which the site does not serve.
    if message.type == "error" and "404" not in message.text:
        errors.append(message.text)
