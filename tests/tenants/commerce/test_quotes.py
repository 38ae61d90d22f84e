"""Quotes: drafting, sending with a single-use answer link, the client's answer, and the jobs an
accepted quote plans."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from coopilote.tasking.models import TaskRun
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.commerce.models import (
    Client,
    Job,
    JobStatus,
    Quote,
    QuoteLine,
    QuoteStatus,
    Service,
    ServiceUnit,
)
from tenants.commerce.selectors import (
    client_history,
    quote_by_token,
    quote_get,
    quote_list,
    quote_token_hash,
    quote_totals,
)
from tenants.commerce.services import (
    QuoteSending,
    quote_answer,
    quote_create,
    quote_line_add,
    quote_line_remove,
    quote_resend,
    quote_send,
    quote_update,
)
from tests.conftest import grant
from tests.tenants.commerce.factories import ClientFactory, QuoteFactory, ServiceFactory
from tests.tenants.people.factories import CohortFactory

TODAY = timezone.localdate
YEAR = timezone.localdate().year
STANDARD_REFUSAL = "Taux de TVA non autorisé : 20 %, 10 %, 5,5 % ou 2,1 %."
USED_LINK = (
    "Ce lien n'est plus valable : le devis a déjà reçu une réponse, ou un lien plus récent vous "
    "a été envoyé."
)


@pytest.fixture
def seller(db: None) -> User:
    return User.objects.create_user("vendeuse@example.org", "x" * 12, first_name="Maëlle")


def _draft_with_lines(**quote_fields: Any) -> Quote:
    """A draft of two lines: 3 h at 15 € (20 %) and a 40 € flat fee at 10 %: 85 € HT."""
    quote = QuoteFactory.create(**quote_fields)
    service = ServiceFactory.create(cohort=quote.cohort, unit_price_excl_vat=Decimal("15.00"))
    quote_line_add(quote=quote, service=service, quantity=Decimal("3"))
    quote_line_add(
        quote=quote,
        description="Évacuation des déchets verts",
        quantity=Decimal("1"),
        unit=ServiceUnit.FLAT,
        unit_price_excl_vat=Decimal("40"),
        vat_rate=Decimal("10"),
    )
    return quote


def _sent(seller: User, **quote_fields: Any) -> QuoteSending:
    return quote_send(quote=_draft_with_lines(**quote_fields), by=seller)


def _expire(quote: Quote) -> None:
    Quote.objects.filter(pk=quote.pk).update(valid_until=TODAY() - datetime.timedelta(days=1))


# --- Drafting ------------------------------------------------------------------------------


def test_quote_create_starts_a_draft(in_alpha: Cae) -> None:
    cohort, client = CohortFactory.create(), ClientFactory.create()
    valid_until = TODAY() + datetime.timedelta(days=15)

    quote = quote_create(
        cohort=cohort, client=client, subject="  Taille de haies ", valid_until=valid_until
    )

    quote.refresh_from_db()
    assert (
        quote.status,
        quote.number,
        quote.subject,
        quote.valid_until,
        quote.response_token_hash,
    ) == (QuoteStatus.DRAFT, "", "Taille de haies", valid_until, "")
    assert str(quote) == f"devis brouillon #{quote.pk}"


def test_a_line_from_a_service_takes_its_figures(in_alpha: Cae) -> None:
    quote = QuoteFactory.create()
    service = ServiceFactory.create(
        cohort=quote.cohort, name="Lavage de vitres", unit_price_excl_vat=Decimal("12.50")
    )

    line = quote_line_add(quote=quote, service=service, quantity=Decimal("2"))

    line.refresh_from_db()
    assert (
        line.position,
        line.service_id,
        line.description,
        line.unit,
        line.unit_price_excl_vat,
        line.vat_rate,
    ) == (1, service.pk, "Lavage de vitres", "hour", Decimal("12.50"), Decimal("20.0"))


def test_free_lines_follow_each_other_with_their_price_rounded_half_up(in_alpha: Cae) -> None:
    quote = QuoteFactory.create()
    arguments: dict[str, Any] = {
        "unit": ServiceUnit.ITEM,
        "vat_rate": Decimal("5.5"),
        "quantity": Decimal("1"),
    }

    first = quote_line_add(
        quote=quote, description="Confiture", unit_price_excl_vat=Decimal("2.675"), **arguments
    )
    second = quote_line_add(
        quote=quote, description="Miel", unit_price_excl_vat=Decimal("7"), **arguments
    )

    assert [(line.position, line.unit_price_excl_vat) for line in quote.lines.all()] == [
        (1, Decimal("2.68")),
        (2, Decimal("7.00")),
    ]
    assert (first.pk, second.pk) == tuple(quote.lines.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"quantity": Decimal("0")}, "quantity", "Une quantité est positive."),
        ({"quantity": Decimal("-1")}, "quantity", "Une quantité est positive."),
        (
            {"unit_price_excl_vat": Decimal("-0.01")},
            "unit_price_excl_vat",
            "Un prix ne peut pas être négatif.",
        ),
        ({"vat_rate": Decimal("7")}, "vat_rate", STANDARD_REFUSAL),
        ({"description": "  "}, "description", "Ce champ est obligatoire sans prestation choisie."),
        ({"unit": None}, "unit", "Ce champ est obligatoire sans prestation choisie."),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_saved(
    in_alpha: Cae, arguments: dict[str, Any], field: str, message: str
) -> None:
    quote = QuoteFactory.create()
    line: dict[str, Any] = {
        "description": "Désherbage",
        "quantity": Decimal("2"),
        "unit": ServiceUnit.HOUR,
        "unit_price_excl_vat": Decimal("14"),
        "vat_rate": Decimal("20"),
    }

    with pytest.raises(ApplicationError) as refusal:
        quote_line_add(quote=quote, **{**line, **arguments})

    assert refusal.value.message == message
    assert refusal.value.details == {field: [message]}
    assert QuoteLine.objects.count() == 0


def test_a_service_of_another_cohort_is_refused(in_alpha: Cae) -> None:
    quote = QuoteFactory.create()
    elsewhere = ServiceFactory.create(cohort=CohortFactory.create(name="CJS d'Auray"))

    with pytest.raises(ApplicationError) as refusal:
        quote_line_add(quote=quote, service=elsewhere, quantity=Decimal("1"))

    assert refusal.value.details == {
        "service": ["Cette prestation n'est pas proposée par la coopérative."]
    }
    assert QuoteLine.objects.count() == 0


def test_a_draft_is_edited_and_its_lines_removed(in_alpha: Cae) -> None:
    quote = _draft_with_lines()
    other_client = ClientFactory.create(name="Mairie", kind="public_body", siret="", vat_number="")
    first = quote.lines.first()
    assert first is not None

    quote_update(quote=quote, changes={"subject": " Jardin ", "client": other_client})
    quote_line_remove(line=first)

    quote.refresh_from_db()
    assert (quote.subject, quote.client_id) == ("Jardin", other_client.pk)
    assert list(quote.lines.values_list("description", flat=True)) == [
        "Évacuation des déchets verts"
    ]
    assert quote_totals(quote=quote).excl_vat == Decimal("40.00")


# --- Sending -------------------------------------------------------------------------------


def test_sending_numbers_the_quote_freezes_its_totals_and_emails_after_commit(
    in_alpha: Cae, seller: User, django_capture_on_commit_callbacks: Any
) -> None:
    quote = _draft_with_lines()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sending = quote_send(quote=quote, by=seller)

    quote.refresh_from_db()
    assert (quote.status, quote.number, quote.recipient_email, quote.sent_by_id) == (
        QuoteStatus.SENT,
        f"D{YEAR}-0001",
        "commandes@fournil.example",
        seller.pk,
    )
    # 3 h at 15 = 45 at 20 % (VAT 9) + 40 at 10 % (VAT 4): 85 HT, 13 VAT, 98 TTC.
    assert (quote.total_excl_vat, quote.total_vat, quote.total_incl_vat) == (
        Decimal("85.00"),
        Decimal("13.00"),
        Decimal("98.00"),
    )
    assert quote.sent_at is not None
    assert quote.response_token_hash == quote_token_hash(sending.token)
    assert sending.token not in quote.response_token_hash
    assert len(sending.token) >= 43
    assert len(callbacks) == 1  # the email task, sent only once the transaction commits
    assert str(quote) == f"D{YEAR}-0001"


def test_numbers_follow_each_other_and_totals_stay_frozen(in_alpha: Cae, seller: User) -> None:
    first = _sent(seller).quote
    second = _sent(seller, subject="Autre chantier").quote
    Service.objects.update(unit_price_excl_vat=Decimal("99.00"))

    assert (first.number, second.number) == (f"D{YEAR}-0001", f"D{YEAR}-0002")
    first.refresh_from_db()
    assert quote_totals(quote=first).incl_vat == Decimal("98.00")


def test_an_explicit_recipient_wins_over_the_clients_address(in_alpha: Cae, seller: User) -> None:
    quote = _draft_with_lines()

    quote_send(quote=quote, by=seller, recipient_email=" compta@fournil.example ")

    quote.refresh_from_db()
    assert quote.recipient_email == "compta@fournil.example"


def _refused_send(quote: Quote, seller: User, **arguments: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as refusal:
        quote_send(quote=quote, by=seller, **arguments)
    quote.refresh_from_db()
    assert (quote.status, quote.number, quote.response_token_hash, quote.sent_at) == (
        QuoteStatus.DRAFT,
        "",
        "",
        None,
    )
    return refusal.value


def test_sending_without_a_line_is_refused(in_alpha: Cae, seller: User) -> None:
    refusal = _refused_send(QuoteFactory.create(), seller)

    assert refusal.message == "Ajoutez au moins une ligne au devis avant de l'envoyer."


def test_sending_without_any_email_address_is_refused(in_alpha: Cae, seller: User) -> None:
    quote = _draft_with_lines()
    Client.objects.filter(pk=quote.client_id).update(email="")

    refusal = _refused_send(quote, seller)

    assert refusal.details == {
        "recipient_email": [
            "Ce client n'a pas d'adresse e-mail : indiquez celle à laquelle envoyer le devis."
        ]
    }


def test_sending_to_a_malformed_address_is_refused(in_alpha: Cae, seller: User) -> None:
    refusal = _refused_send(_draft_with_lines(), seller, recipient_email="pas-une-adresse")

    assert list(refusal.details) == ["recipient_email"]


def test_sending_a_quote_valid_until_yesterday_is_refused(in_alpha: Cae, seller: User) -> None:
    quote = _draft_with_lines()
    _expire(quote)

    refusal = _refused_send(quote, seller)

    assert refusal.details == {
        "valid_until": ["La date de validité d'un devis envoyé est aujourd'hui ou plus tard."]
    }


def test_a_refused_send_gives_its_number_back(in_alpha: Cae, seller: User) -> None:
    _refused_send(QuoteFactory.create(), seller)

    assert _sent(seller).quote.number == f"D{YEAR}-0001"


def test_a_sent_quote_no_longer_changes(in_alpha: Cae, seller: User) -> None:
    quote = _sent(seller).quote
    line = quote.lines.first()
    assert line is not None

    for change in (
        lambda: quote_update(quote=quote, changes={"subject": "Autre"}),
        lambda: quote_line_remove(line=line),
        lambda: quote_line_add(quote=quote, description="x", quantity=Decimal("1")),
        lambda: quote_send(quote=quote, by=None),
    ):
        with pytest.raises(ApplicationError) as refusal:
            change()
        assert refusal.value.message == "Ce devis a été envoyé : il ne peut plus être modifié."

    quote.refresh_from_db()
    assert (quote.subject, quote.lines.count()) == ("Entretien du jardin", 2)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE commerce_quoteline SET unit_price_excl_vat = 1 WHERE quote_id = %s",
        "DELETE FROM commerce_quoteline WHERE quote_id = %s",
        "INSERT INTO commerce_quoteline (quote_id, position, description, quantity, unit, "
        "unit_price_excl_vat, vat_rate) VALUES (%s, 9, 'x', 1, 'hour', 1, 20)",
    ],
)
def test_the_database_refuses_changing_the_lines_of_a_sent_quote(
    in_alpha: Cae, seller: User, statement: str
) -> None:
    quote = _sent(seller).quote

    with (
        pytest.raises(DatabaseError, match="lines of a sent quote"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [quote.pk])

    assert sorted(quote.lines.values_list("unit_price_excl_vat", flat=True)) == [
        Decimal("15.00"),
        Decimal("40.00"),
    ]


def test_the_database_refuses_an_orm_update_of_a_sent_quotes_lines(
    in_alpha: Cae, seller: User
) -> None:
    quote = _sent(seller).quote

    with pytest.raises(DatabaseError, match="lines of a sent quote"), transaction.atomic():
        QuoteLine.objects.filter(quote=quote).update(quantity=Decimal("100"))

    assert quote.lines.filter(quantity=Decimal("100")).count() == 0


def test_resending_replaces_the_link(
    in_alpha: Cae, seller: User, django_capture_on_commit_callbacks: Any
) -> None:
    first = _sent(seller)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second = quote_resend(quote=first.quote, by=seller)

    assert len(callbacks) == 1
    assert second.token != first.token
    assert quote_by_token(token=first.token) is None
    assert quote_by_token(token=second.token) == first.quote
    with pytest.raises(ApplicationError, match="plus valable"):
        quote_answer(token=first.token, accept=True)


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        ("draft", "Ce devis n'a pas encore été envoyé."),
        ("answered", "Le client a déjà répondu à ce devis."),
    ],
)
def test_resending_is_for_sent_unanswered_quotes(
    in_alpha: Cae, seller: User, prepare: str, message: str
) -> None:
    if prepare == "draft":
        quote = _draft_with_lines()
    else:
        sending = _sent(seller)
        quote = quote_answer(token=sending.token, accept=False)

    with pytest.raises(ApplicationError) as refusal:
        quote_resend(quote=quote, by=seller)

    assert refusal.value.message == message


# --- The client's answer -------------------------------------------------------------------


def test_accepting_plans_one_job_per_line(in_alpha: Cae, seller: User) -> None:
    sending = _sent(seller)

    quote = quote_answer(token=sending.token, accept=True, comment="  Merci ! ")

    quote.refresh_from_db()
    assert (quote.status, quote.response_token_hash, quote.answer_comment) == (
        QuoteStatus.ACCEPTED,
        "",
        "Merci !",
    )
    assert quote.answered_at is not None
    lines = list(quote.lines.all())
    jobs = list(Job.objects.order_by("quote_line__position"))
    assert [
        (
            job.quote_line_id,
            job.service_id,
            job.cohort_id,
            job.client_id,
            job.title,
            job.quantity,
            job.unit,
            job.unit_price_excl_vat,
            job.vat_rate,
            job.status,
            job.slots.count(),
        )
        for job in jobs
    ] == [
        (
            line.pk,
            line.service_id,
            quote.cohort_id,
            quote.client_id,
            line.description,
            line.quantity,
            line.unit,
            line.unit_price_excl_vat,
            line.vat_rate,
            JobStatus.PLANNED,
            0,
        )
        for line in lines
    ]


def test_declining_plans_nothing(in_alpha: Cae, seller: User) -> None:
    sending = _sent(seller)

    quote = quote_answer(token=sending.token, accept=False, comment="Trop cher")

    quote.refresh_from_db()
    assert (quote.status, quote.answer_comment, quote.response_token_hash) == (
        QuoteStatus.DECLINED,
        "Trop cher",
        "",
    )
    assert Job.objects.count() == 0


def test_a_link_answers_once(in_alpha: Cae, seller: User) -> None:
    sending = _sent(seller)
    quote_answer(token=sending.token, accept=True)

    with pytest.raises(ApplicationError) as refusal:
        quote_answer(token=sending.token, accept=False)

    assert refusal.value.message == USED_LINK
    sending.quote.refresh_from_db()
    assert sending.quote.status == QuoteStatus.ACCEPTED
    assert Job.objects.count() == 2
    assert quote_by_token(token=sending.token) is None


@pytest.mark.parametrize("token", ["", "pas-le-bon-jeton", "x" * 43])
def test_an_unknown_link_is_refused(in_alpha: Cae, seller: User, token: str) -> None:
    sending = _sent(seller)

    with pytest.raises(ApplicationError) as refusal:
        quote_answer(token=token, accept=True)

    assert refusal.value.message == USED_LINK
    sending.quote.refresh_from_db()
    assert sending.quote.status == QuoteStatus.SENT
    assert quote_by_token(token=token) is None


def test_an_expired_quote_cannot_be_answered(in_alpha: Cae, seller: User) -> None:
    sending = _sent(seller)
    _expire(sending.quote)
    yesterday = (TODAY() - datetime.timedelta(days=1)).strftime("%d/%m/%Y")

    with pytest.raises(ApplicationError) as refusal:
        quote_answer(token=sending.token, accept=True)

    assert refusal.value.message == (
        f"Ce devis a expiré le {yesterday} : contactez la coopérative pour en obtenir un nouveau."
    )
    sending.quote.refresh_from_db()
    assert (sending.quote.status, sending.quote.response_token_hash) == (
        QuoteStatus.SENT,
        quote_token_hash(sending.token),
    )
    assert Job.objects.count() == 0


def test_the_database_refuses_an_answer_that_keeps_its_link(in_alpha: Cae, seller: User) -> None:
    quote = _sent(seller).quote

    with pytest.raises(IntegrityError), transaction.atomic():
        Quote.objects.filter(pk=quote.pk).update(
            status=QuoteStatus.ACCEPTED, answered_at=timezone.now()
        )


@pytest.fixture
def committed_sent_quote(django_db_blocker: Any) -> Iterator[tuple[Cae, Quote, str]]:
    """A sent quote committed for real (threads use their own connections); removed after.

    Put in the sent state directly, with a test number: a committed quote_send would take a
    number of the year's real sequence from the other tests.
    """
    token = "jeton-du-test-de-concurrence"
    with django_db_blocker.unblock():
        cae = Cae.objects.get(slug="alpha")
        with tenant_context(cae):
            cohort = CohortFactory.create(name="CJS concurrente")
            client = ClientFactory.create(email="c@example.org")
            quote = QuoteFactory.create(cohort=cohort, client=client)
            QuoteLine.objects.create(
                quote=quote,
                position=1,
                description="Tonte",
                quantity=Decimal("2"),
                unit=ServiceUnit.HOUR,
                unit_price_excl_vat=Decimal("15"),
                vat_rate=Decimal("20"),
            )
            Quote.objects.filter(pk=quote.pk).update(
                status=QuoteStatus.SENT,
                number="DTEST-CONCURRENCE",
                sent_at=timezone.now(),
                response_token_hash=quote_token_hash(token),
            )
        try:
            yield cae, quote, token
        finally:
            with tenant_context(cae):
                Job.objects.filter(cohort=cohort).delete()
                # Back to draft first: the lines of a sent quote cannot be deleted, not even here.
                Quote.objects.filter(pk=quote.pk).update(
                    status=QuoteStatus.DRAFT, response_token_hash=""
                )
                Quote.objects.filter(pk=quote.pk).delete()
                Client.objects.filter(pk=client.pk).delete()
                Cohort.objects.filter(pk=cohort.pk).delete()


def test_two_concurrent_answers_cannot_both_succeed(
    committed_sent_quote: tuple[Cae, Quote, str],
) -> None:
    cae, quote, token = committed_sent_quote
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(2)

    def answer(accept: bool) -> Callable[[], None]:
        def run() -> None:
            try:
                with tenant_context(cae):
                    start.wait()
                    try:
                        quote_answer(token=token, accept=accept)
                        outcome = "accepted" if accept else "declined"
                    except ApplicationError:
                        outcome = "refused"
                    with lock:
                        outcomes.append(outcome)
            finally:
                connections.close_all()

        return run

    threads = [threading.Thread(target=answer(accept)) for accept in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) in (["accepted", "refused"], ["declined", "refused"])
    with tenant_context(cae):
        quote.refresh_from_db()
        jobs = Job.objects.filter(quote_line__quote=quote).count()
    assert quote.status == ("accepted" if "accepted" in outcomes else "declined")
    assert jobs == (1 if quote.status == "accepted" else 0)


# --- The email -----------------------------------------------------------------------------


def test_the_email_carries_the_link_and_the_pdf_once(in_alpha: Cae, seller: User) -> None:
    from tenants.commerce.tasks import quote_email_task

    sending = _sent(seller)

    quote_email_task.apply(args=(sending.quote.pk, sending.token), throw=True)
    quote_email_task.apply(args=(sending.quote.pk, sending.token), throw=True)  # redelivered

    (email,) = mail.outbox
    assert email.to == ["commandes@fournil.example"]
    assert email.subject == f"Devis D{YEAR}-0001 de CJS de Vannes"
    assert f"http://alpha.localhost/devis/{sending.token}/" in str(email.body)
    assert "98,00\u00a0€ TTC" in str(email.body)
    ((name, content, mimetype),) = email.attachments
    assert (name, mimetype) == (f"devis-D{YEAR}-0001.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    assert TaskRun.objects.filter(task_name="commerce.quote_email").count() == 1


def test_an_email_whose_link_was_replaced_is_not_sent(in_alpha: Cae, seller: User) -> None:
    from tenants.commerce.tasks import quote_email_task

    first = _sent(seller)
    second = quote_resend(quote=first.quote, by=seller)

    quote_email_task.apply(args=(first.quote.pk, first.token), throw=True)
    quote_email_task.apply(args=(second.quote.pk, second.token), throw=True)

    (email,) = mail.outbox
    assert second.token in str(email.body)
    assert first.token not in str(email.body)


# --- Reading -------------------------------------------------------------------------------


def test_quote_list_filters_by_cohort_and_status(in_alpha: Cae, seller: User) -> None:
    sent = _sent(seller).quote
    draft = QuoteFactory.create(cohort=sent.cohort, client=sent.client)
    elsewhere = QuoteFactory.create(cohort=CohortFactory.create(name="Autre"), client=sent.client)
    staff = User.objects.create_user("staff-quotes@example.org", "x" * 12)
    grant(staff, in_alpha, "cae_staff")

    everything = quote_list(user=staff, cae=in_alpha)
    of_cohort = quote_list(user=staff, cae=in_alpha, cohort_id=sent.cohort_id)
    drafts = quote_list(user=staff, cae=in_alpha, cohort_id=sent.cohort_id, status="draft")

    assert {quote.pk for quote in everything} == {sent.pk, draft.pk, elsewhere.pk}
    assert {quote.pk for quote in of_cohort} == {sent.pk, draft.pk}
    assert [quote.pk for quote in drafts] == [draft.pk]
    fetched = quote_get(quote_id=sent.pk)
    assert fetched is not None
    assert len(fetched.lines.all()) == 2
    assert quote_list(user=User.objects.create_user("x@example.org"), cae=in_alpha).count() == 0


def test_client_history_gathers_quotes_and_jobs(in_alpha: Cae, seller: User) -> None:
    sending = _sent(seller)
    quote_answer(token=sending.token, accept=True)
    other = QuoteFactory.create(
        cohort=CohortFactory.create(name="Autre"), client=sending.quote.client
    )

    history = client_history(client_id=sending.quote.client_id)
    narrowed = client_history(
        client_id=sending.quote.client_id, cohort_ids=[sending.quote.cohort_id]
    )

    assert history is not None
    assert narrowed is not None
    assert {quote.pk for quote in history.quotes} == {sending.quote.pk, other.pk}
    assert [quote.pk for quote in narrowed.quotes] == [sending.quote.pk]
    assert history.jobs.count() == 2
    assert list(history.invoices) == []
    assert client_history(client_id=0) is None
