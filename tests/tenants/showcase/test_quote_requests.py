"""The quote request form: one lead per genuine request, none for spam or bad input; the
committee and the visitor are emailed once; the committee follows its leads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Membership, Role
from coopilote.tasking.models import OutboxMessage
from frontend.showcase_forms import RATE_LIMIT, started_token
from tenants.commerce.models import Client, Quote, QuoteStatus
from tenants.showcase.models import QuoteRequest, QuoteRequestStatus
from tenants.showcase.services import quote_request_notify
from tests.conftest import World
from tests.tenants.showcase.helpers import SLUG, published_page, request_data

pytestmark = pytest.mark.django_db

FORM = f"/c/{SLUG}/demande-de-devis/"
THANKS = f"/c/{SLUG}/demande-de-devis/merci/"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page_world(world: World) -> World:
    with tenant_context(world.cae):
        published_page(world.cohort)
    return world


def _pending_notifications(world: World) -> int:
    with tenant_context(world.cae):
        return (
            OutboxMessage.objects.pending()
            .filter(task_name="showcase.quote_request_notify")
            .count()
        )


def _counts(world: World) -> tuple[int, int, int]:
    with tenant_context(world.cae):
        return QuoteRequest.objects.count(), Client.objects.count(), Quote.objects.count()


def test_a_request_creates_exactly_one_lead_with_its_client_and_draft_quote(
    page_world: World, django_capture_on_commit_callbacks: Any
) -> None:
    world = page_world
    before = _counts(world)
    visitor = world.client("anonymous")
    with django_capture_on_commit_callbacks(execute=False):
        response = visitor.post(FORM, request_data())
    assert response.status_code == 302
    assert response["Location"] == THANKS
    assert _counts(world) == (before[0] + 1, before[1] + 1, before[2] + 1)
    with tenant_context(world.cae):
        lead = QuoteRequest.objects.get()
        assert lead.cohort == world.cohort
        assert lead.status == QuoteRequestStatus.NEW
        assert lead.name == "Jeanne Voisine"
        assert len(lead.ip_hash) == 64
        assert lead.client.kind == "individual"
        assert lead.client.email == "jeanne.voisine@example.org"
        assert lead.client.cohort == world.cohort
        assert lead.quote is not None
        assert lead.quote.status == QuoteStatus.DRAFT
        assert lead.quote.cohort == world.cohort
        assert "Tondre la pelouse" in lead.quote.notes
        notifications = OutboxMessage.objects.pending().filter(
            task_name="showcase.quote_request_notify", args=[lead.pk]
        )
        assert notifications.count() == 1
    thanks = visitor.get(THANKS)
    assert thanks.status_code == 200
    assert "Merci pour votre demande" in thanks.content.decode()


def test_the_same_visitor_asking_again_is_linked_to_the_same_client(page_world: World) -> None:
    world = page_world
    visitor = world.client("anonymous")
    visitor.post(FORM, request_data())
    visitor.post(FORM, request_data(need="Laver les vitres."))
    with tenant_context(world.cae):
        assert QuoteRequest.objects.count() == 2
        assert len({lead.client_id for lead in QuoteRequest.objects.all()}) == 1


def test_a_company_gives_its_siret(page_world: World) -> None:
    world = page_world
    before = _counts(world)
    response = world.client("anonymous").post(
        FORM, request_data(kind="company", name="Garage du Port")
    )
    assert response.status_code == 400
    assert "SIRET" in response.content.decode()
    assert _counts(world) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "pas-une-adresse"}, "adresse e-mail valide"),
        ({"need": ""}, "Ce champ est obligatoire"),
        ({"postcode": "5600"}, "5 chiffres"),
        ({"wished_on": "2020-01-01"}, "aujourd&#x27;hui ou plus tard"),
        ({"wished_on": "demain"}, "date valide"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_keeps_what_was_typed(
    page_world: World, changes: dict[str, str], message: str
) -> None:
    world = page_world
    before = _counts(world)
    response = world.client("anonymous").post(FORM, request_data(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'value="Jeanne Voisine"' in html
    assert 'value="4 rue des Lilas"' in html
    assert _counts(world) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"site_web": "http://spam.example"},  # the honeypot
        {"started": "too-fast"},  # sent half a second after the form was shown
        {"started": "forged"},
        {"started": ""},
    ],
)
def test_spam_looks_accepted_but_creates_nothing(
    page_world: World, changes: dict[str, str]
) -> None:
    world = page_world
    before = _counts(world)
    notifications_before = _pending_notifications(world)
    if changes.get("started") == "too-fast":
        changes = {"started": started_token(0.5)}
    response = world.client("anonymous").post(FORM, request_data(**changes))
    assert response.status_code == 302
    assert response["Location"] == THANKS
    assert _counts(world) == before
    assert _pending_notifications(world) == notifications_before


def test_one_address_is_limited_to_a_few_requests_an_hour(page_world: World) -> None:
    world = page_world
    visitor = world.client("anonymous")
    for number in range(RATE_LIMIT + 2):
        response = visitor.post(FORM, request_data(need=f"Besoin {number}"))
        assert response.status_code == 302
    with tenant_context(world.cae):
        assert QuoteRequest.objects.count() == RATE_LIMIT
    # Another address is not held back.
    other = world.client("anonymous")
    other.defaults["REMOTE_ADDR"] = "192.0.2.7"
    other.post(FORM, request_data(need="Autre voisin"))
    with tenant_context(world.cae):
        assert QuoteRequest.objects.count() == RATE_LIMIT + 1


def test_the_committee_and_the_visitor_are_emailed_once(page_world: World) -> None:
    world = page_world
    world.client("anonymous").post(FORM, request_data())
    with tenant_context(world.cae):
        lead = QuoteRequest.objects.get()
        assert quote_request_notify(request_id=lead.pk) is True
        assert quote_request_notify(request_id=lead.pk) is False  # delivered twice, sent once
    committee, acknowledgement = mail.outbox
    assert committee.to == ["animateur@example.org"]
    assert "Nouvelle demande de devis pour CJS de Vannes" in committee.subject
    assert "Tondre la pelouse" in committee.body
    assert acknowledgement.to == ["jeanne.voisine@example.org"]
    assert "bien reçu votre demande" in acknowledgement.body


def test_the_leads_page_lists_requests_and_takes_one_up(page_world: World) -> None:
    world = page_world
    world.client("anonymous").post(FORM, request_data())
    leads_url = f"/cooperatives/{world.cohort.pk}/demandes/"
    assert world.client("anonymous").get(leads_url).status_code == 302
    assert world.client("other_member").get(leads_url).status_code == 404
    animateur = world.client("animateur")
    html = animateur.get(leads_url).content.decode()
    assert "Jeanne Voisine" in html
    assert "Tondre la pelouse" in html
    with tenant_context(world.cae):
        lead = QuoteRequest.objects.get()
    response = animateur.post(leads_url, {"lead": lead.pk, "decision": "convert"})
    assert response.status_code == 302
    assert response["Location"] == f"/devis-internes/{lead.quote_id}/"
    with tenant_context(world.cae):
        lead.refresh_from_db()
        assert lead.status == QuoteRequestStatus.CONVERTED


def test_declining_a_lead_removes_its_untouched_draft_quote(page_world: World) -> None:
    world = page_world
    world.client("anonymous").post(FORM, request_data())
    with tenant_context(world.cae):
        lead = QuoteRequest.objects.get()
        quote_id = lead.quote_id
        assert quote_id is not None
    member = world.client("coop_member")
    leads_url = f"/cooperatives/{world.cohort.pk}/demandes/"
    assert member.post(leads_url, {"lead": lead.pk, "decision": "decline"}).status_code == 302
    with tenant_context(world.cae):
        lead.refresh_from_db()
        assert lead.status == QuoteRequestStatus.DECLINED
        assert not Quote.objects.filter(pk=quote_id).exists()
    assert member.post(leads_url, {"lead": "abc", "decision": "decline"}).status_code == 404


def test_an_animateur_whose_role_was_revoked_hears_of_no_lead(page_world: World) -> None:
    world = page_world
    Membership.objects.filter(user=world.personas["animateur"], role=Role.ANIMATEUR).update(
        revoked_at=timezone.now()
    )
    world.client("anonymous").post(FORM, request_data())
    with tenant_context(world.cae):
        assert quote_request_notify(request_id=QuoteRequest.objects.get().pk) is True

    assert [message.to for message in mail.outbox] == [["jeanne.voisine@example.org"]]
