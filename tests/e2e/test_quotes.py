"""A client opens the answer link of a quote, without an account, and accepts it, in a real
browser."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import pgtrigger
import pytest
from django_tenants.utils import tenant_context
from playwright.sync_api import ConsoleMessage, Page, expect

from network.registry.models import Cae
from tenants.billing.models import NumberCounter
from tenants.billing.numbering import QUOTE
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, Job, Quote, QuoteLine, QuoteStatus, Service
from tenants.commerce.services import quote_line_add, quote_send
from tests.e2e.conftest import outside_event_loop
from tests.tenants.commerce.factories import ClientFactory, QuoteFactory, ServiceFactory
from tests.tenants.people.factories import CohortFactory

pytestmark = pytest.mark.browser

COHORT_NAME = "Coop des Haies (e2e)"
CLIENT_NAME = "Mairie de Séné (e2e)"


def _remove() -> None:
    with tenant_context(Cae.objects.get(slug="alpha")):
        Job.objects.filter(cohort__name=COHORT_NAME).delete()
        # The lines of a sent quote never change, except when a test cleans up after itself.
        with pgtrigger.ignore("commerce.QuoteLine:quote_lines_follow_their_quote"):
            QuoteLine.objects.filter(quote__cohort__name=COHORT_NAME).delete()
        Quote.objects.filter(cohort__name=COHORT_NAME).delete()
        # Give the quote numbers back, so the other tests still start at D<year>-0001.
        if not Quote.objects.exclude(number="").exists():
            NumberCounter.objects.filter(key__startswith=f"{QUOTE.code}:").delete()
        Client.objects.filter(name=CLIENT_NAME).delete()
        Service.objects.filter(cohort__name=COHORT_NAME).delete()
        Cohort.objects.filter(name=COHORT_NAME).delete()


@pytest.fixture
def answer_link(django_db_blocker: Any) -> Iterator[str]:
    """A quote of CAE Alpha sent to a client, committed for the web server; its answer path."""

    def create() -> str:
        _remove()
        with tenant_context(Cae.objects.get(slug="alpha")):
            cohort = CohortFactory.create(name=COHORT_NAME)
            service = ServiceFactory.create(
                cohort=cohort, name="Taille de haies", unit_price_excl_vat=Decimal("30.00")
            )
            quote = QuoteFactory.create(
                cohort=cohort,
                client=ClientFactory.create(name=CLIENT_NAME, email="mairie@sene.example"),
                subject="Haies du parc",
            )
            quote_line_add(quote=quote, service=service, quantity=Decimal("2"))
            # The email task is the boundary here: the test opens the link itself.
            with patch("tenants.commerce.tasks.quote_email_task.apply_async"):
                sending = quote_send(quote=quote, by=None)
        return f"/devis/{sending.token}/"

    with django_db_blocker.unblock():
        yield outside_event_loop(create)
        outside_event_loop(_remove)


def _quote_status() -> str:
    with tenant_context(Cae.objects.get(slug="alpha")):
        return Quote.objects.get(cohort__name=COHORT_NAME).status


def test_a_client_accepts_a_quote_from_its_link(
    page: Page, web_server: str, answer_link: str, django_db_blocker: Any
) -> None:
    errors: list[str] = []
    page.on("console", lambda message: _keep_errors(message, errors))
    site = f"http://alpha.localhost:{web_server}"

    page.goto(f"{site}{answer_link}")
    expect(page.locator("h1")).to_contain_text("CAE Alpha")
    expect(page.locator(".facts").first).to_contain_text(COHORT_NAME)
    expect(page.get_by_role("row").filter(has_text="Taille de haies")).to_contain_text("30,00")
    page.get_by_label("Un commentaire pour la coopérative (facultatif)").fill("Au printemps")
    page.get_by_role("button", name="J'accepte le devis").click()

    expect(page.locator("h1")).to_have_text("Merci pour votre réponse")
    expect(page.locator("main")).to_contain_text("Vous avez accepté le devis")
    with django_db_blocker.unblock():
        assert outside_event_loop(_quote_status) == QuoteStatus.ACCEPTED
    page.goto(f"{site}{answer_link}")  # the link served once
    expect(page.locator("h1")).to_have_text("Ce lien ne mène à rien")
    assert errors == []


def _keep_errors(message: ConsoleMessage, errors: list[str]) -> None:
    # As in test_commerce.py: Chromium logs the 404s (the favicon, the used link's page).
    if message.type == "error" and "404" not in message.text:
        errors.append(message.text)
