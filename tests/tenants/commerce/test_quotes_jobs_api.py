"""The quotes and jobs API: who may do what on which cohort, and refusals as 400/403/404."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from django_tenants.utils import tenant_context

from network.registry.models import Cae
from tenants.commerce.models import Job, JobStatus, Quote, QuoteStatus
from tenants.commerce.services import quote_line_add
from tests.conftest import World
from tests.tenants.commerce.factories import (
    ClientFactory,
    JobFactory,
    QuoteFactory,
    enrolled_member,
)

YEAR = timezone.localdate().year
VALID_UNTIL = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
DAY = "2031-07-07"


class QuoteWorld(World):
    """The commerce API's world, plus a client of the CAE with an email address."""

    def __init__(self, cae: Cae, other_cae: Cae) -> None:
        super().__init__(cae, other_cae)
        with tenant_context(cae):
            self.client_row = ClientFactory.create(email="commandes@fournil.example")


@pytest.fixture
def world(cae_alpha: Cae, cae_beta: Cae) -> QuoteWorld:
    return QuoteWorld(cae_alpha, cae_beta)


def _send(client: HttpClient, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(
        url, data=json.dumps(data or {}), content_type="application/json"
    )


def _client_id(world: QuoteWorld) -> int:
    return world.client_row.pk


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("cae_admin", 201),
        ("staff", 201),
        ("animateur", 201),
        ("coop_member", 201),
        ("other_animateur", 404),
        ("other_member", 404),
        ("coordinator", 403),
        ("other_cae_staff", 403),
        ("anonymous", 403),
    ],
)
def test_create_a_quote_by_role(world: QuoteWorld, persona: str, status: int) -> None:
    response = _send(
        world.client(persona),
        "post",
        f"/api/v1/cohorts/{world.cohort.pk}/quotes/",
        {"client": _client_id(world), "subject": "Jardin", "valid_until": VALID_UNTIL},
    )

    assert response.status_code == status, response.content
    with tenant_context(world.cae):
        count = Quote.objects.count()
    assert count == (1 if status == 201 else 0)
    if status == 201:
        body = response.json()
        assert (body["status"], body["number"], body["lines"], body["totals"]) == (
            "draft",
            "",
            [],
            {"excl_vat": "0.00", "vat": "0.00", "incl_vat": "0.00"},
        )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 200),
        ("animateur", 200),
        ("coop_member", 200),
        ("other_member", 404),
        ("other_cae_staff", 403),
    ],
)
def test_see_a_quote_and_a_job_by_role(world: QuoteWorld, persona: str, status: int) -> None:
    with tenant_context(world.cae):
        quote = QuoteFactory.create(cohort=world.cohort, client=world.client_row)
        job = JobFactory.create(cohort=world.cohort, client=world.client_row)
    client = world.client(persona)

    assert client.get(f"/api/v1/quotes/{quote.pk}/").status_code == status
    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == status
    listed = client.get(f"/api/v1/cohorts/{world.cohort.pk}/jobs/")
    assert listed.status_code == status


def test_a_quote_of_another_cae_is_not_found(world: QuoteWorld, cae_beta: Cae) -> None:
    with tenant_context(cae_beta):
        beta_quote = QuoteFactory.create(subject="Devis de beta")
        beta_job = JobFactory.create()
    with tenant_context(world.cae):
        Quote.objects.filter(pk=beta_quote.pk).delete()  # the same id must not exist in alpha
        Job.objects.filter(pk=beta_job.pk).delete()
    client = world.client("cae_admin")

    assert client.get(f"/api/v1/quotes/{beta_quote.pk}/").status_code == 404
    assert client.get(f"/api/v1/jobs/{beta_job.pk}/").status_code == 404
    assert _send(client, "post", f"/api/v1/quotes/{beta_quote.pk}/send/").status_code == 404


def test_the_whole_quote_flow_through_the_api(
    world: QuoteWorld, django_capture_on_commit_callbacks: Any
) -> None:
    client = world.client("coop_member")
    created = _send(
        client,
        "post",
        f"/api/v1/cohorts/{world.cohort.pk}/quotes/",
        {"client": _client_id(world), "subject": "Jardin", "valid_until": VALID_UNTIL},
    ).json()
    quote_url = f"/api/v1/quotes/{created['id']}/"

    with_service = _send(
        client, "post", quote_url + "lines/", {"service": world.service.pk, "quantity": "3"}
    )
    free = _send(
        client,
        "post",
        quote_url + "lines/",
        {
            "description": "Évacuation",
            "quantity": "1",
            "unit": "flat",
            "unit_price_excl_vat": "40.004",
            "vat_rate": "10",
        },
    )
    removable = free.json()["lines"][1]["id"]
    removed = _send(client, "delete", f"{quote_url}lines/{removable}/")
    _send(
        client,
        "post",
        quote_url + "lines/",
        {
            "description": "Évacuation",
            "quantity": "1",
            "unit": "flat",
            "unit_price_excl_vat": "40",
            "vat_rate": "10",
        },
    )
    edited = _send(client, "patch", quote_url, {"subject": "Jardin et haies"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = _send(client, "post", quote_url + "send/", {})

    assert with_service.status_code == 201, with_service.content
    assert with_service.json()["lines"][0]["description"] == "Tonte de pelouse"
    assert free.json()["lines"][1]["unit_price_excl_vat"] == "40.00"
    assert [line["description"] for line in removed.json()["lines"]] == ["Tonte de pelouse"]
    assert edited.json()["subject"] == "Jardin et haies"
    assert sent.status_code == 200, sent.content
    body = sent.json()
    assert (body["status"], body["number"], body["recipient_email"]) == (
        "sent",
        f"D{YEAR}-0001",
        "commandes@fournil.example",
    )
    assert body["totals"] == {"excl_vat": "85.00", "vat": "13.00", "incl_vat": "98.00"}
    assert "response_token_hash" not in body
    assert len(callbacks) == 1
    # A sent quote no longer changes; resending gives a new link.
    refused = _send(client, "patch", quote_url, {"subject": "Autre"})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Ce devis a été envoyé : il ne peut plus être modifié."
    assert _send(client, "post", quote_url + "resend/").status_code == 200
    listed = client.get(f"/api/v1/cohorts/{world.cohort.pk}/quotes/?status=sent").json()
    assert [quote["id"] for quote in listed] == [created["id"]]


FREE_LINE = {
    "description": "Désherbage",
    "quantity": "1",
    "unit": "hour",
    "unit_price_excl_vat": "1",
    "vat_rate": "20",
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "abc"}, "quantity"),
        ({"unit_price_excl_vat": "-1"}, "unit_price_excl_vat"),
        ({"vat_rate": "7"}, "vat_rate"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_lines_answer_400_with_the_field(
    world: QuoteWorld, change: dict[str, Any], field: str
) -> None:
    with tenant_context(world.cae):
        quote = QuoteFactory.create(cohort=world.cohort, client=world.client_row)

    response = _send(
        world.client("animateur"),
        "post",
        f"/api/v1/quotes/{quote.pk}/lines/",
        {**FREE_LINE, **change},
    )

    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body.get("errors", body)
    with tenant_context(world.cae):
        assert quote.lines.count() == 0


def test_sending_without_lines_or_email_answers_400(world: QuoteWorld) -> None:
    with tenant_context(world.cae):
        empty = QuoteFactory.create(cohort=world.cohort, client=world.client_row)
        no_email = QuoteFactory.create(
            cohort=world.cohort, client=ClientFactory.create(name="Sans adresse", email="")
        )
        quote_line_add(quote=no_email, service=world.service, quantity=Decimal("1"))
    client = world.client("animateur")

    without_lines = _send(client, "post", f"/api/v1/quotes/{empty.pk}/send/")
    without_email = _send(client, "post", f"/api/v1/quotes/{no_email.pk}/send/")

    assert without_lines.status_code == 400
    assert (
        without_lines.json()["detail"] == "Ajoutez au moins une ligne au devis avant de l'envoyer."
    )
    assert without_email.status_code == 400
    assert list(without_email.json()["errors"]) == ["recipient_email"]
    with tenant_context(world.cae):
        assert set(Quote.objects.values_list("status", flat=True)) == {QuoteStatus.DRAFT}


def test_the_whole_job_flow_through_the_api(world: QuoteWorld) -> None:
    with tenant_context(world.cae):
        member = enrolled_member(world.cohort)
        stranger = enrolled_member(world.other_cohort, first_name="Noé")
    client = world.client("animateur")

    created = _send(
        client,
        "post",
        f"/api/v1/cohorts/{world.cohort.pk}/jobs/",
        {"client": _client_id(world), "service": world.service.pk, "quantity": "3"},
    )
    job_url = f"/api/v1/jobs/{created.json()['id']}/"
    too_early = _send(client, "post", job_url + "done/")
    bad_slot = _send(
        client, "post", job_url + "slots/", {"date": DAY, "starts_at": "12:00", "ends_at": "09:00"}
    )
    slot = _send(
        client, "post", job_url + "slots/", {"date": DAY, "starts_at": "09:00", "ends_at": "12:00"}
    )
    wrong_member = _send(client, "post", job_url + "assignments/", {"member": stranger.pk})
    assigned = _send(client, "post", job_url + "assignments/", {"member": member.pk})
    assignment_id = assigned.json()["assignments"][0]["id"]
    bad_hours = _send(
        client, "post", f"{job_url}assignments/{assignment_id}/hours/", {"hours": "800"}
    )
    hours = _send(client, "post", f"{job_url}assignments/{assignment_id}/hours/", {"hours": "3"})
    calendar = client.get(f"/api/v1/calendar/?start={DAY}&end={DAY}")
    done = _send(client, "post", job_url + "done/")
    cancel_done = _send(client, "post", job_url + "cancel/")

    assert created.status_code == 201, created.content
    assert created.json()["title"] == "Tonte de pelouse"
    assert too_early.status_code == 400
    assert bad_slot.status_code == 400
    assert list(bad_slot.json()["errors"]) == ["ends_at"]
    assert slot.status_code == 201
    assert wrong_member.status_code == 400
    assert list(wrong_member.json()) == ["member"]
    assert assigned.status_code == 201
    assert bad_hours.status_code == 400
    assert list(bad_hours.json()["errors"]) == ["hours"]
    assert hours.json()["assignments"][0]["hours_worked"] == "3.00"
    assert [(s["title"], s["starts_at"], s["client_name"]) for s in calendar.json()] == [
        ("Tonte de pelouse", "09:00:00", "Boulangerie Le Fournil")
    ]
    assert done.status_code == 200
    assert done.json()["status"] == JobStatus.DONE
    assert cancel_done.status_code == 400
    assert cancel_done.json()["detail"] == "Cette prestation est déjà réalisée."


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("start=2031-07-01&end=2031-09-30", 200),  # 92 days
        ("start=2031-07-01&end=2031-10-01", 400),  # 93 days
        ("start=2031-07-10&end=2031-07-01", 400),
        ("start=2031-07-01", 400),
        ("start=demain&end=2031-07-01", 400),
    ],
)
def test_calendar_periods(world: QuoteWorld, query: str, status: int) -> None:
    response = world.client("coop_member").get(f"/api/v1/calendar/?{query}")

    assert response.status_code == status, response.content


def test_calendar_shows_only_the_persons_cohorts(world: QuoteWorld) -> None:
    with tenant_context(world.cae):
        for cohort, title in ((world.cohort, "Chez nous"), (world.other_cohort, "Ailleurs")):
            job = JobFactory.create(cohort=cohort, client=world.client_row, title=title)
            job.slots.create(
                date=datetime.date(2031, 7, 7),
                starts_at=datetime.time(9),
                ends_at=datetime.time(10),
            )
    period = "start=2031-07-01&end=2031-07-31"

    mine = world.client("coop_member").get(f"/api/v1/calendar/?{period}").json()
    everything = world.client("staff").get(f"/api/v1/calendar/?{period}").json()
    other = world.client("coop_member").get(
        f"/api/v1/calendar/?{period}&cohort={world.other_cohort.pk}"
    )

    assert [slot["title"] for slot in mine] == ["Chez nous"]
    assert sorted(slot["title"] for slot in everything) == ["Ailleurs", "Chez nous"]
    assert other.status_code == 404
    assert world.client("coordinator").get(f"/api/v1/calendar/?{period}").status_code == 403
