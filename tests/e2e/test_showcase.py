"""A neighbour asks a cohort for a quote from its public page, without JavaScript help or an
account, and the animateur finds the request among the cohort's leads, in a real browser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import Page, expect

from coopilote.accounts.models import Membership, Role, User
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, Quote
from tenants.showcase.models import PublicPage, QuoteRequest
from tenants.showcase.services import page_save, page_set_published
from tests.e2e.conftest import outside_event_loop
from tests.tenants.commerce.factories import ServiceFactory
from tests.tenants.people.factories import CohortFactory

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "animatrice.vitrine@example.org", "un-mot-de-passe-solide"
COHORT_NAME = "Coop des Lilas (e2e)"
SLUG = "coop-des-lilas-e2e"
VISITOR = "Jeanne Voisine (e2e)"


def _remove() -> None:
    with tenant_context(Cae.objects.get(slug="alpha")):
        requests = QuoteRequest.objects.filter(cohort__name=COHORT_NAME)
        client_ids = list(requests.values_list("client_id", flat=True))
        requests.delete()
        Quote.objects.filter(cohort__name=COHORT_NAME).delete()
        Client.objects.filter(pk__in=client_ids).delete()
        PublicPage.objects.filter(slug=SLUG).delete()
        for cohort in Cohort.objects.filter(name=COHORT_NAME):
            cohort.services.all().delete()
            cohort.delete()
    User.objects.filter(email=EMAIL).delete()


@pytest.fixture
def published_cohort(django_db_blocker: Any) -> Iterator[int]:
    """A cohort of CAE Alpha with a published page and its animatrice, committed for the web
    server; the cohort's id."""

    def create() -> int:
        _remove()
        cae = Cae.objects.get(slug="alpha")
        with tenant_context(cae):
            cohort = CohortFactory.create(name=COHORT_NAME, town="Vannes")
            ServiceFactory.create(cohort=cohort, name="Tonte de pelouse")
            page = page_save(cohort=cohort, by=None, slug=SLUG, headline="Jardins et vitres")
            page_set_published(page=page, by=None, published=True)
        user = User.objects.create_user(EMAIL, PASSWORD, first_name="Nolwenn")
        Membership.objects.create(user=user, cae=cae, role=Role.ANIMATEUR, cohort_id=cohort.pk)
        return cohort.pk

    with django_db_blocker.unblock():
        yield outside_event_loop(create)
        outside_event_loop(_remove)


def test_a_visitor_asks_for_a_quote_and_the_animateur_sees_the_lead(
    page: Page, web_server: str, published_cohort: int
) -> None:
    site = f"http://alpha.localhost:{web_server}"
    page.goto(f"{site}/c/{SLUG}/")
    expect(page.locator("h1")).to_have_text(COHORT_NAME)
    expect(page).to_have_title(f"{COHORT_NAME} — Jardins et vitres")
    page.get_by_role("link", name="Demander un devis").click()

    expect(page.locator("h1")).to_have_text("Demander un devis")
    page.get_by_label("Vous êtes").select_option(label="Particulier")
    page.get_by_label("Votre nom ou celui de votre structure").fill(VISITOR)
    page.get_by_label("Adresse e-mail").fill("jeanne.e2e@example.org")
    page.get_by_label("Votre besoin").fill("Tondre la pelouse du jardin partagé.")
    page.get_by_label("Date souhaitée").fill("2099-06-15")
    page.get_by_label("Adresse du lieu").fill("4 rue des Lilas")
    page.get_by_label("Code postal").fill("56000")
    page.get_by_label("Commune").fill("Vannes")
    page.wait_for_timeout(3200)  # a person takes a few seconds: faster is held back as spam
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.locator("h1")).to_have_text("Merci pour votre demande")

    page.goto(f"{site}/connexion/")
    page.get_by_label("Adresse e-mail").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{site}/cooperatives/{published_cohort}/demandes/")
    expect(page.locator("h1")).to_have_text("Demandes de devis")
    row = page.get_by_role("row").filter(has_text=VISITOR)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Tondre la pelouse du jardin partagé.")
    expect(row).to_contain_text("Nouvelle")
