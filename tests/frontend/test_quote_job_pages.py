"""Quote, job and planning pages: a cohort drafts and sends a quote, the client answers it from
the link without an account, the cohort plans the jobs, does them and records the hours."""

from __future__ import annotations

import datetime
import html
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import pytest
from django.core import mail
from django.test import Client as HttpClient
from django.utils import timezone
from django_tenants.utils import tenant_context

from network.registry.models import Cae
from tenants.commerce.models import Job, JobAssignment, JobSlot, JobStatus, Quote, QuoteStatus
from tenants.commerce.services import (
    job_hours_record,
    job_member_assign,
    job_slot_add,
    quote_line_add,
    quote_send,
)
from tests.conftest import World, site_client
from tests.tenants.commerce.factories import (
    ClientFactory,
    JobFactory,
    QuoteFactory,
    enrolled_member,
)

TODAY = timezone.localdate
CLIENT_EMAIL = "commandes@fournil.example"
ROLES = [
    ("animateur", 200),
    ("coop_member", 200),
    ("staff", 200),
    ("other_member", 404),
    ("coordinator", 403),
]


def _page(response: Any) -> str:
    """The page's text, its HTML entities (e.g. the apostrophes) decoded."""
    return html.unescape(response.content.decode())


def _sent_quote(world: World) -> tuple[Quote, str]:
    """A quote of the world's cohort, sent by the services: the quote and its link's token."""
    with tenant_context(world.cae):
        quote = QuoteFactory.create(cohort=world.cohort)
        quote_line_add(quote=quote, service=world.service, quantity=Decimal("3"))
        sending = quote_send(quote=quote, by=world.personas["animateur"])
    return sending.quote, sending.token


def _job(world: World) -> Job:
    with tenant_context(world.cae):
        job: Job = JobFactory.create(cohort=world.cohort, place="Jardin de Kerlann")
    return job


# --- Who sees what -------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "status"), ROLES)
@pytest.mark.parametrize("page", ["devis", "prestations-realisees", "planning"])
def test_the_cohort_pages_by_role(world: World, page: str, persona: str, status: int) -> None:
    response = world.client(persona).get(f"/cooperatives/{world.cohort.pk}/{page}/")

    assert response.status_code == status


@pytest.mark.parametrize(("persona", "status"), ROLES)
def test_the_quote_and_job_pages_by_role(world: World, persona: str, status: int) -> None:
    quote, _token = _sent_quote(world)
    job = _job(world)
    client = world.client(persona)

    assert client.get(f"/devis-internes/{quote.pk}/").status_code == status
    assert client.get(f"/interventions/{job.pk}/").status_code == status
    pdf = client.get(f"/devis-internes/{quote.pk}/pdf/")
    assert pdf.status_code == status
    if status == 200:
        assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "path", ["/cooperatives/{cohort}/devis/", "/devis-internes/{quote}/", "/interventions/{job}/"]
)
def test_anonymous_visitors_are_asked_to_sign_in(world: World, path: str) -> None:
    quote, _token = _sent_quote(world)
    job = _job(world)

    response = world.client("anonymous").get(
        path.format(cohort=world.cohort.pk, quote=quote.pk, job=job.pk)
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?next=")


def test_the_cohort_page_links_to_quotes_jobs_and_planning(world: World) -> None:
    cohort = world.cohort.pk

    page = _page(world.client("coop_member").get(f"/cooperatives/{cohort}/"))
    coordinator = _page(world.client("coordinator").get(f"/cooperatives/{cohort}/"))

    for link in ("devis", "prestations-realisees", "planning"):
        assert f'href="/cooperatives/{cohort}/{link}/"' in page
        assert f"/cooperatives/{cohort}/{link}/" not in coordinator


# --- A quote through the pages -------------------------------------------------------------


def test_a_member_drafts_a_quote_adds_lines_and_sends_it(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from tenants.commerce.services import quote_email_send
    from tenants.commerce.tasks import quote_email_task

    with tenant_context(world.cae):
        client_id = ClientFactory.create(email=CLIENT_EMAIL).pk
    member = world.client("coop_member")
    valid_until = (TODAY() + datetime.timedelta(days=20)).isoformat()

    created = member.post(
        f"/cooperatives/{world.cohort.pk}/devis/",
        {"client": client_id, "subject": "Entretien du jardin", "valid_until": valid_until},
    )
    quote_page = created["Location"]
    from_service = member.post(
        quote_page,
        {"step": "service", "service-service": world.service.pk, "service-quantity": "4"},
    )
    free = member.post(
        quote_page,
        {
            "step": "free",
            "free-description": "Évacuation des déchets verts",
            "free-quantity": "1",
            "free-unit": "flat",
            "free-unit_price_excl_vat": "40",
            "free-vat_rate": "10.0",
        },
    )
    draft_page = _page(member.get(quote_page))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sent = member.post(quote_page, {"step": "send", "send-recipient_email": ""})

    assert created.status_code == 302
    assert quote_page.startswith("/devis-internes/")
    assert (from_service.status_code, free.status_code) == (302, 302)
    assert "Tonte de pelouse" in draft_page
    assert "116,00" in draft_page  # 4 h at 15 € (20 %) + 40 € (10 %): 100 HT, 16 VAT, 116 TTC
    assert f'value="{CLIENT_EMAIL}"' in draft_page  # the client's address by default
    assert sent.status_code == 302
    with tenant_context(world.cae):
        quote = Quote.objects.get()
        assert (quote.status, quote.recipient_email) == (QuoteStatus.SENT, CLIENT_EMAIL)
        assert quote.lines.count() == 2
        assert len(callbacks) == 1  # the email leaves once the transaction commits
        with patch.object(quote_email_task, "apply_async") as enqueue:
            callbacks[0]()
        _quote_id, token = enqueue.call_args.kwargs["args"]
        assert quote_email_send(quote=quote, token=token) is True
    (email,) = mail.outbox
    assert email.to == [CLIENT_EMAIL]
    assert f"http://alpha.localhost/devis/{token}/" in str(email.body)
    listing = _page(member.get(f"/cooperatives/{world.cohort.pk}/devis/"))
    assert quote.number in listing
    assert "Envoyé" in listing


def test_a_bad_line_is_refused_in_french_and_nothing_saved(world: World) -> None:
    with tenant_context(world.cae):
        quote = QuoteFactory.create(cohort=world.cohort)
    member = world.client("coop_member")

    negative = member.post(
        f"/devis-internes/{quote.pk}/",
        {"step": "service", "service-service": world.service.pk, "service-quantity": "-2"},
    )
    empty_send = member.post(f"/devis-internes/{quote.pk}/", {"step": "send"})

    assert negative.status_code == 400
    assert "Une quantité est positive." in _page(negative)
    assert empty_send.status_code == 400
    assert "Ajoutez au moins une ligne au devis" in _page(empty_send)
    with tenant_context(world.cae):
        quote.refresh_from_db()
        assert (quote.lines.count(), quote.status) == (0, QuoteStatus.DRAFT)


def test_a_service_of_another_cohort_cannot_be_quoted(world: World) -> None:
    with tenant_context(world.cae):
        quote = QuoteFactory.create(cohort=world.cohort)
        other_service = type(world.service).objects.create(
            cohort=world.other_cohort,
            name="Lavage de vitres",
            unit="hour",
            unit_price_excl_vat=Decimal("20"),
            vat_rate=Decimal("20.0"),
        )

    response = world.client("animateur").post(
        f"/devis-internes/{quote.pk}/",
        {"step": "service", "service-service": other_service.pk, "service-quantity": "1"},
    )

    assert response.status_code == 400
    with tenant_context(world.cae):
        assert quote.lines.count() == 0


def test_the_coordinator_cannot_write_a_quote(world: World) -> None:
    with tenant_context(world.cae):
        client_id = ClientFactory.create().pk

    response = world.client("coordinator").post(
        f"/cooperatives/{world.cohort.pk}/devis/",
        {"client": client_id, "subject": "Essai", "valid_until": TODAY().isoformat()},
    )

    assert response.status_code == 403
    with tenant_context(world.cae):
        assert Quote.objects.count() == 0


def test_a_draft_line_is_removed_and_a_sent_quote_resent(world: World) -> None:
    with tenant_context(world.cae):
        draft = QuoteFactory.create(cohort=world.cohort)
        line = quote_line_add(quote=draft, service=world.service, quantity=Decimal("1"))
    quote, token = _sent_quote(world)
    animateur = world.client("animateur")

    removed = animateur.post(
        f"/devis-internes/{draft.pk}/", {"step": "remove-line", "line": line.pk}
    )
    resent = animateur.post(f"/devis-internes/{quote.pk}/", {"step": "resend"})

    assert (removed.status_code, resent.status_code) == (302, 302)
    with tenant_context(world.cae):
        assert draft.lines.count() == 0
    assert site_client(world.cae).get(f"/devis/{token}/").status_code == 404  # replaced


# --- The client's answer -------------------------------------------------------------------


def test_the_client_accepts_from_the_link_and_jobs_are_planned(world: World) -> None:
    quote, token = _sent_quote(world)
    anonymous = site_client(world.cae)

    page = anonymous.get(f"/devis/{token}/")
    pdf = anonymous.get(f"/devis/{token}/pdf/")
    answered = anonymous.post(f"/devis/{token}/", {"answer": "accept", "comment": "Merci !"})
    again = anonymous.post(f"/devis/{token}/", {"answer": "decline"})

    body = _page(page)
    assert page.status_code == 200
    assert quote.number in body
    assert "CAE Alpha" in body
    assert "CJS de Vannes" in body
    assert "Tonte de pelouse" in body
    assert "54,00" in body  # 3 h at 15 € + 20 %
    assert pdf.content.startswith(b"%PDF")
    assert answered.status_code == 200
    assert "Merci pour votre réponse" in _page(answered)
    assert again.status_code == 404
    assert "Ce lien ne mène à rien" in _page(again)
    with tenant_context(world.cae):
        quote.refresh_from_db()
        assert (quote.status, quote.answer_comment) == (QuoteStatus.ACCEPTED, "Merci !")
        job = Job.objects.get()
    assert (job.title, job.status) == ("Tonte de pelouse", JobStatus.PLANNED)
    inside = _page(world.client("animateur").get(f"/devis-internes/{quote.pk}/"))
    assert "Merci !" in inside
    assert f'href="/interventions/{job.pk}/"' in inside


def test_the_client_declines(world: World) -> None:
    quote, token = _sent_quote(world)

    response = site_client(world.cae).post(f"/devis/{token}/", {"answer": "decline"})

    assert response.status_code == 200
    assert "Vous avez refusé le devis" in _page(response)
    with tenant_context(world.cae):
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.DECLINED
        assert Job.objects.count() == 0


def test_an_answer_without_a_choice_is_refused(world: World) -> None:
    quote, token = _sent_quote(world)

    response = site_client(world.cae).post(f"/devis/{token}/", {"comment": "Hmm"})

    assert response.status_code == 400
    assert "Choisissez d'accepter ou de refuser le devis." in _page(response)
    with tenant_context(world.cae):
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.SENT


def test_the_answer_is_protected_against_cross_site_posts(world: World) -> None:
    quote, token = _sent_quote(world)
    strict = HttpClient(HTTP_HOST="alpha.localhost", enforce_csrf_checks=True)

    response = strict.post(f"/devis/{token}/", {"answer": "accept"})

    assert response.status_code == 403
    with tenant_context(world.cae):
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.SENT


@pytest.mark.parametrize("token", ["inconnu", "x" * 43])
def test_an_unknown_link_shows_the_invalid_link_page(world: World, token: str) -> None:
    anonymous = site_client(world.cae)

    page = anonymous.get(f"/devis/{token}/")
    answer = anonymous.post(f"/devis/{token}/", {"answer": "accept"})

    assert (page.status_code, answer.status_code) == (404, 404)
    assert "Ce lien ne mène à rien" in _page(page)


def test_an_expired_quote_says_so_and_cannot_be_accepted(world: World) -> None:
    quote, token = _sent_quote(world)
    yesterday = TODAY() - datetime.timedelta(days=1)
    with tenant_context(world.cae):
        Quote.objects.filter(pk=quote.pk).update(valid_until=yesterday)
    anonymous = site_client(world.cae)
    message = (
        f"Ce devis a expiré le {yesterday:%d/%m/%Y} : contactez la coopérative pour en obtenir "
        "un nouveau."
    )

    page = anonymous.get(f"/devis/{token}/")
    answer = anonymous.post(f"/devis/{token}/", {"answer": "accept"})

    assert page.status_code == 200
    assert message in _page(page)
    assert "J'accepte le devis" not in _page(page)
    assert answer.status_code == 400
    assert message in _page(answer)
    with tenant_context(world.cae):
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.SENT
        assert Job.objects.count() == 0


def test_a_link_of_one_cae_does_not_open_another(world: World, cae_beta: Cae) -> None:
    _quote, token = _sent_quote(world)

    assert site_client(cae_beta).get(f"/devis/{token}/").status_code == 404
    assert site_client(cae_beta).post(f"/devis/{token}/", {"answer": "accept"}).status_code == 404


# --- Jobs ----------------------------------------------------------------------------------


def test_a_member_plans_a_job_without_a_quote(world: World) -> None:
    with tenant_context(world.cae):
        client_id = ClientFactory.create().pk
    member = world.client("coop_member")
    url = f"/cooperatives/{world.cohort.pk}/prestations-realisees/"

    created = member.post(
        url,
        {"client": client_id, "service": world.service.pk, "quantity": "2", "place": "Vannes"},
    )
    negative = member.post(
        url, {"client": client_id, "service": world.service.pk, "quantity": "-1"}
    )
    without_price = member.post(url, {"client": client_id, "title": "Taille", "quantity": "1"})

    assert created.status_code == 302
    assert negative.status_code == 400
    assert "Une quantité est positive." in _page(negative)
    assert without_price.status_code == 400
    assert "Ce champ est obligatoire sans prestation choisie." in _page(without_price)
    with tenant_context(world.cae):
        job = Job.objects.get()
    assert (job.title, job.quantity, job.place) == ("Tonte de pelouse", Decimal("2.00"), "Vannes")
    listing = _page(member.get(url))
    assert f'href="/interventions/{job.pk}/"' in listing


def test_a_job_is_planned_staffed_and_done_through_its_page(world: World) -> None:
    job = _job(world)
    with tenant_context(world.cae):
        member = enrolled_member(world.cohort, first_name="Lina")
    animateur = world.client("animateur")
    url = f"/interventions/{job.pk}/"
    day = TODAY().isoformat()

    slot = animateur.post(
        url, {"step": "slot", "slot-date": day, "slot-starts_at": "09:00", "slot-ends_at": "12:00"}
    )
    assigned = animateur.post(url, {"step": "assign", "assign-member": member.pk})
    with tenant_context(world.cae):
        assignment = JobAssignment.objects.get()
    too_early = animateur.post(url, {"step": "done"})
    hours = animateur.post(
        url,
        {"step": "hours", "assignment": assignment.pk, f"hours-{assignment.pk}-hours": "3"},
    )
    done = animateur.post(url, {"step": "done"})

    assert (slot.status_code, assigned.status_code, hours.status_code) == (302, 302, 302)
    assert too_early.status_code == 302  # refused: shown as a message on the page
    assert done.status_code == 302
    with tenant_context(world.cae):
        job.refresh_from_db()
        assignment.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert assignment.hours_worked == Decimal("3.00")
    page = _page(animateur.get(url))
    assert "Lina" in page
    assert "Réalisée" in page


def test_a_refused_mark_done_is_explained(world: World) -> None:
    job = _job(world)
    url = f"/interventions/{job.pk}/"

    response = world.client("animateur").post(url, {"step": "done"}, follow=True)

    assert "Planifiez au moins un créneau" in _page(response)
    with tenant_context(world.cae):
        job.refresh_from_db()
    assert job.status == JobStatus.PLANNED


def test_bad_job_inputs_are_refused_and_nothing_saved(world: World) -> None:
    job = _job(world)
    with tenant_context(world.cae):
        outsider = enrolled_member(world.other_cohort, first_name="Yann")
        insider = enrolled_member(world.cohort, first_name="Lina")
        assignment = job_member_assign(job=job, member=insider)
    animateur = world.client("animateur")
    url = f"/interventions/{job.pk}/"

    backwards = animateur.post(
        url,
        {
            "step": "slot",
            "slot-date": TODAY().isoformat(),
            "slot-starts_at": "14:00",
            "slot-ends_at": "10:00",
        },
    )
    other_cohort = animateur.post(url, {"step": "assign", "assign-member": outsider.pk})
    too_many_hours = animateur.post(
        url, {"step": "hours", "assignment": assignment.pk, f"hours-{assignment.pk}-hours": "-1"}
    )

    assert backwards.status_code == 400
    assert "Un créneau finit après avoir commencé." in _page(backwards)
    assert other_cohort.status_code == 400
    assert "Cette personne n'est pas inscrite dans cette coopérative." in (_page(other_cohort))
    assert too_many_hours.status_code == 400
    assert "Les heures travaillées sont comprises entre 0 et 744." in (_page(too_many_hours))
    with tenant_context(world.cae):
        assert JobSlot.objects.count() == 0
        assert list(JobAssignment.objects.values_list("member_id", "hours_worked")) == [
            (insider.pk, None)
        ]


def test_a_member_of_another_cohort_cannot_touch_the_job(world: World) -> None:
    job = _job(world)

    response = world.client("other_member").post(f"/interventions/{job.pk}/", {"step": "cancel"})

    assert response.status_code == 404
    with tenant_context(world.cae):
        job.refresh_from_db()
    assert job.status == JobStatus.PLANNED


def test_a_job_is_cancelled_and_removed_slots_leave_the_planning(world: World) -> None:
    job = _job(world)
    with tenant_context(world.cae):
        slot = job_slot_add(
            job=job, date=TODAY(), starts_at=datetime.time(9), ends_at=datetime.time(10)
        )
    animateur = world.client("animateur")
    url = f"/interventions/{job.pk}/"

    removed = animateur.post(url, {"step": "remove-slot", "slot": slot.pk})
    cancelled = animateur.post(url, {"step": "cancel"})

    assert (removed.status_code, cancelled.status_code) == (302, 302)
    with tenant_context(world.cae):
        job.refresh_from_db()
        assert JobSlot.objects.count() == 0
    assert job.status == JobStatus.CANCELLED


# --- The planning --------------------------------------------------------------------------


def _week_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def test_the_planning_shows_a_week_and_htmx_swaps_only_the_calendar(world: World) -> None:
    job = _job(world)
    monday = _week_of(TODAY())
    with tenant_context(world.cae):
        member = enrolled_member(world.cohort, first_name="Lina")
        assignment = job_member_assign(job=job, member=member)
        job_hours_record(assignment=assignment, hours=Decimal("2"))
        job_slot_add(
            job=job,
            date=monday + datetime.timedelta(days=2),
            starts_at=datetime.time(9, 30),
            ends_at=datetime.time(11),
        )
        job_slot_add(
            job=job,
            date=monday + datetime.timedelta(days=7),
            starts_at=datetime.time(14),
            ends_at=datetime.time(16),
        )
    member_page = world.client("coop_member")
    url = f"/cooperatives/{world.cohort.pk}/planning/"

    this_week = _page(member_page.get(url, {"semaine": monday.isoformat()}))
    next_week = member_page.get(
        url, {"semaine": (monday + datetime.timedelta(days=9)).isoformat()}, HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "09:30 \N{EN DASH} 11:00" in this_week
    assert "Tonte de pelouse" in this_week
    assert "Boulangerie Le Fournil" in this_week
    assert "Jardin de Kerlann" in this_week
    assert "Lina" in this_week
    assert "14:00 \N{EN DASH} 16:00" not in this_week
    following = (monday + datetime.timedelta(days=7)).isoformat()
    assert f'href="{url}?semaine={following}"' in this_week
    assert f'hx-get="{url}?semaine={following}"' in this_week
    assert "<html" in this_week
    assert next_week.strip().startswith('<div id="planning"')
    assert "<html" not in next_week
    assert "14:00 \N{EN DASH} 16:00" in next_week
    assert "09:30 \N{EN DASH} 11:00" not in next_week


def test_the_planning_shows_only_the_cohorts_own_slots(world: World) -> None:
    with tenant_context(world.cae):
        other_job = JobFactory.create(cohort=world.other_cohort, title="Lavage de vitres")
        job_slot_add(
            job=other_job, date=TODAY(), starts_at=datetime.time(8), ends_at=datetime.time(9)
        )

    page = world.client("staff").get(f"/cooperatives/{world.cohort.pk}/planning/")

    assert page.status_code == 200
    assert "Lavage de vitres" not in _page(page)


def test_a_bad_week_falls_back_to_this_week(world: World) -> None:
    response = world.client("animateur").get(
        f"/cooperatives/{world.cohort.pk}/planning/", {"semaine": "demain"}
    )

    assert response.status_code == 400
    assert "Date inconnue" in _page(response)
    assert _week_of(TODAY()).strftime("%-d") in _page(response)
