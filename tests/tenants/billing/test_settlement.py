"""After issue: credit notes (avoirs), payments, what is left to pay; invoicing jobs done."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.billing.models import ArchivedDocument, CreditNote, Invoice, Payment
from tenants.billing.selectors import (
    Settlement,
    invoice_balance,
    invoice_from_link_token,
    invoice_link_token,
    invoice_list,
)
from tenants.billing.services import (
    CreditLine,
    credit_note_issue,
    credit_note_pdf_archive,
    invoice_draft_create,
    invoice_draft_delete,
    invoice_draft_from_jobs,
    invoice_issue,
    invoice_line_add,
    invoice_line_remove,
    invoice_pdf_archive,
    invoice_return_to_draft,
    invoice_submit,
    numbering_settings_update,
    payment_record,
)
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, Job, JobSlot, JobStatus
from tests.conftest import grant
from tests.tenants.commerce.factories import ClientFactory
from tests.tenants.people.factories import CohortFactory

D = datetime.date
ISSUED_ON = D(2026, 7, 31)


def _issued(person: User, *lines: tuple[str, str, str]) -> Invoice:
    """An issued invoice with lines (quantity, unit price, VAT rate)."""
    invoice = invoice_draft_create(
        cohort=CohortFactory.create(), client=ClientFactory.create(), sale_date=D(2026, 7, 20)
    )
    for quantity, price, rate in lines or (("2", "50.00", "20.0"),):
        invoice_line_add(
            invoice=invoice,
            description="Tonte",
            quantity=Decimal(quantity),
            unit="hour",
            unit_price_excl_vat=Decimal(price),
            vat_rate=Decimal(rate),
        )
    invoice_submit(invoice=invoice, by=person)
    return invoice_issue(invoice=invoice, by=person, issued_on=ISSUED_ON)


def _credit(
    invoice: Invoice, person: User, quantity: str, price: str, rate: str = "20.0"
) -> CreditNote:
    return credit_note_issue(
        invoice=invoice,
        by=person,
        reason="Geste commercial",
        issued_on=ISSUED_ON,
        lines=[
            CreditLine(
                description="Remise",
                quantity=Decimal(quantity),
                unit="flat",
                unit_price_excl_vat=Decimal(price),
                vat_rate=Decimal(rate),
            )
        ],
    )


def test_a_whole_invoice_is_cancelled_by_a_credit_note_with_its_own_number(
    in_alpha: Cae, person: User
) -> None:
    invoice = _issued(person)

    note = credit_note_issue(
        invoice=invoice, by=person, reason="Erreur de client", issued_on=D(2026, 8, 2)
    )

    assert note.number == "A2026-00001"
    assert note.total_incl_vat == invoice.total_incl_vat == Decimal("120.00")
    assert [line.description for line in note.lines.all()] == ["Tonte"]
    assert note.buyer == invoice.buyer
    assert note.seller == invoice.seller
    assert invoice_balance(invoice=invoice).settlement == Settlement.CANCELLED


def test_credit_notes_never_exceed_what_is_left_of_the_invoice(in_alpha: Cae, person: User) -> None:
    invoice = _issued(person)  # 100 € HT + 20 € VAT
    _credit(invoice, person, "1", "60.00")  # 72 € TTC

    with pytest.raises(ApplicationError, match="dépasse ce qui reste"):
        _credit(invoice, person, "1", "40.01")
    with pytest.raises(ApplicationError, match="déjà un avoir"):
        credit_note_issue(invoice=invoice, by=person, reason="Tout", issued_on=ISSUED_ON)
    with pytest.raises(ApplicationError, match="taux de 5,5 %"):
        _credit(invoice, person, "1", "1.00", rate="5.5")

    _credit(invoice, person, "1", "40.00")
    assert CreditNote.objects.count() == 2
    assert [n.number for n in CreditNote.objects.order_by("pk")] == ["A2026-00001", "A2026-00002"]
    assert invoice_balance(invoice=invoice).settlement == Settlement.CANCELLED


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [("-1", "10.00", "quantité est positive"), ("1", "-5.00", "pas être négatif")],
)
def test_bad_credit_lines_are_refused_and_nothing_is_saved(
    in_alpha: Cae, person: User, quantity: str, price: str, message: str
) -> None:
    invoice = _issued(person)

    with pytest.raises(ApplicationError, match=message):
        _credit(invoice, person, quantity, price)

    assert not CreditNote.objects.exists()


def test_only_an_issued_invoice_gets_a_credit_note(in_alpha: Cae, person: User) -> None:
    draft = invoice_draft_create(
        cohort=CohortFactory.create(), client=ClientFactory.create(), sale_date=D(2026, 7, 20)
    )

    with pytest.raises(ApplicationError, match="facture émise"):
        credit_note_issue(invoice=draft, by=person, reason="x", issued_on=ISSUED_ON)


def test_a_credit_note_and_its_lines_never_change(in_alpha: Cae, person: User) -> None:
    note = credit_note_issue(invoice=_issued(person), by=person, reason="x", issued_on=ISSUED_ON)

    for sql in (
        "UPDATE billing_creditnote SET total_incl_vat = 1 WHERE id = %s",
        "DELETE FROM billing_creditnote WHERE id = %s",
        "UPDATE billing_creditnoteline SET quantity = 9 WHERE credit_note_id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [note.pk])


def test_payments_settle_the_invoice_step_by_step(in_alpha: Cae, person: User) -> None:
    invoice = _issued(person)  # 120 € TTC
    today = timezone.localdate()

    payment_record(
        invoice=invoice, amount=Decimal("20"), received_on=today, method="cheque", by=person
    )
    partly = invoice_balance(invoice=invoice)
    payment_record(
        invoice=invoice, amount=Decimal("100.004"), received_on=today, method="transfer", by=person
    )

    assert partly.paid == Decimal("20.00")
    assert partly.outstanding == Decimal("100.00")
    assert partly.settlement in (Settlement.PARTIALLY_PAID, Settlement.OVERDUE)
    assert invoice_balance(invoice=invoice).settlement == Settlement.PAID
    assert invoice_balance(invoice=invoice).outstanding == Decimal("0.00")


def test_a_payment_cannot_exceed_what_is_due_after_credit_notes(
    in_alpha: Cae, person: User
) -> None:
    invoice = _issued(person)
    _credit(invoice, person, "1", "50.00")  # 60 € TTC credited, 60 € left
    today = timezone.localdate()

    with pytest.raises(ApplicationError, match="dépasse le reste dû"):
        payment_record(
            invoice=invoice, amount=Decimal("60.01"), received_on=today, method="cash", by=person
        )
    with pytest.raises(ApplicationError, match="montant positif"):
        payment_record(
            invoice=invoice, amount=Decimal("0"), received_on=today, method="cash", by=person
        )
    with pytest.raises(ApplicationError, match="futur"):
        payment_record(
            invoice=invoice,
            amount=Decimal("1"),
            received_on=today + datetime.timedelta(days=1),
            method="cash",
            by=person,
        )

    assert not Payment.objects.exists()
    payment_record(
        invoice=invoice, amount=Decimal("60"), received_on=today, method="cash", by=person
    )
    assert invoice_balance(invoice=invoice).settlement == Settlement.PAID


def test_an_unpaid_invoice_past_its_due_date_is_overdue(in_alpha: Cae, person: User) -> None:
    invoice = _issued(person)  # due 30 days after 31/07/2026, i.e. in the past today

    assert invoice_balance(invoice=invoice).settlement == Settlement.OVERDUE


def test_the_list_reads_amounts_without_a_query_per_invoice(
    in_alpha: Cae, person: User, django_assert_max_num_queries: object
) -> None:
    for _ in range(3):
        payment_record(
            invoice=_issued(person),
            amount=Decimal("10"),
            received_on=timezone.localdate(),
            method="cash",
            by=person,
        )
    grant(person, in_alpha, "cae_staff")
    staff = User.objects.get(pk=person.pk)

    # The roles, the invoices (each after the search_path django-tenants sets).
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        balances = [invoice_balance(invoice=i).paid for i in invoice_list(user=staff, cae=in_alpha)]

    assert balances == [Decimal("10.00")] * 3


def test_staff_can_hand_a_submitted_invoice_back_to_the_cohort(in_alpha: Cae, person: User) -> None:
    invoice = invoice_draft_create(
        cohort=CohortFactory.create(), client=ClientFactory.create(), sale_date=D(2026, 7, 20)
    )
    invoice_line_add(
        invoice=invoice,
        description="Tonte",
        quantity=Decimal(1),
        unit="hour",
        unit_price_excl_vat=Decimal(10),
        vat_rate=Decimal("20.0"),
    )
    invoice_submit(invoice=invoice, by=person)

    invoice_return_to_draft(invoice=invoice)
    line = invoice.lines.get()
    invoice_line_remove(line=line)

    invoice.refresh_from_db()
    assert invoice.status == "draft"
    assert invoice.submitted_by is None
    assert not invoice.lines.exists()
    invoice_draft_delete(invoice=invoice)
    assert not Invoice.objects.exists()


def test_an_issued_invoice_cannot_be_deleted(in_alpha: Cae, person: User) -> None:
    invoice = _issued(person)

    with pytest.raises(ApplicationError, match="brouillon"):
        invoice_draft_delete(invoice=invoice)


def _job_done(cohort: Cohort, client: Client, title: str, day: int) -> Job:
    job = Job.objects.create(
        cohort=cohort,
        client=client,
        title=title,
        quantity=Decimal("3"),
        unit="hour",
        unit_price_excl_vat=Decimal("15.00"),
        vat_rate=Decimal("20.0"),
        status=JobStatus.DONE,
        done_at=timezone.now(),
    )
    JobSlot.objects.create(
        job=job, date=D(2026, 7, day), starts_at=datetime.time(9), ends_at=datetime.time(12)
    )
    return job


def test_jobs_done_become_an_invoice_then_invoiced_when_it_is_issued(
    in_alpha: Cae, person: User
) -> None:
    cohort, client = CohortFactory.create(), ClientFactory.create()
    jobs = [_job_done(cohort, client, "Tonte", 8), _job_done(cohort, client, "Taille de haie", 12)]

    invoice = invoice_draft_from_jobs(cohort=cohort, job_ids=[job.pk for job in jobs])

    assert invoice.sale_date == D(2026, 7, 12)
    assert [(line.description, line.job_id) for line in invoice.lines.all()] == [
        ("Tonte", jobs[0].pk),
        ("Taille de haie", jobs[1].pk),
    ]
    with pytest.raises(ApplicationError, match="figure déjà"):
        invoice_draft_from_jobs(cohort=cohort, job_ids=[jobs[0].pk])
    invoice_submit(invoice=invoice, by=person)
    issued = invoice_issue(invoice=invoice, by=person, issued_on=ISSUED_ON)

    assert issued.total_incl_vat == Decimal("108.00")
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.INVOICED}


def test_only_jobs_done_for_one_client_are_invoiced_together(in_alpha: Cae) -> None:
    cohort = CohortFactory.create()
    first = _job_done(cohort, ClientFactory.create(), "Tonte", 8)
    other_client = ClientFactory.create(name="Mairie", kind="public_body", siret="", vat_number="")
    second = _job_done(cohort, other_client, "Affiches", 9)
    planned = _job_done(cohort, first.client, "Plus tard", 10)
    Job.objects.filter(pk=planned.pk).update(status=JobStatus.PLANNED, done_at=None)

    with pytest.raises(ApplicationError, match="un seul client"):
        invoice_draft_from_jobs(cohort=cohort, job_ids=[first.pk, second.pk])
    with pytest.raises(ApplicationError, match="réalisées"):
        invoice_draft_from_jobs(cohort=cohort, job_ids=[first.pk, planned.pk])
    with pytest.raises(ApplicationError, match="au moins une"):
        invoice_draft_from_jobs(cohort=CohortFactory.create(), job_ids=[first.pk])

    assert not Invoice.objects.exists()


def test_the_client_link_opens_only_an_issued_invoice_of_this_cae(
    in_alpha: Cae, cae_beta: Cae, person: User
) -> None:
    invoice = _issued(person)
    token = invoice_link_token(invoice=invoice)

    assert invoice_from_link_token(token=token) == invoice
    assert invoice_link_token(invoice=invoice) == token  # the same link in every email
    assert invoice_from_link_token(token=token + "x") is None
    assert invoice_from_link_token(token="not-even-signed") is None
    with tenant_context(cae_beta):
        assert invoice_from_link_token(token=token) is None


def test_credit_notes_follow_the_cae_template(in_alpha: Cae, person: User) -> None:
    numbering_settings_update(
        invoice_template="F{YY}-{SEQ:3}", credit_note_template="AV{YY}-{SEQ:3}"
    )

    note = credit_note_issue(invoice=_issued(person), by=person, reason="x", issued_on=ISSUED_ON)

    assert note.number == "AV26-001"


def test_an_issued_invoice_pdf_is_archived_once_and_never_changes(
    in_alpha: Cae, person: User
) -> None:
    invoice = _issued(person)

    first = invoice_pdf_archive(invoice=invoice)
    second = invoice_pdf_archive(invoice=invoice)

    archive = ArchivedDocument.objects.get(invoice=invoice)
    assert first == second
    assert first.startswith(b"%PDF")
    assert archive.sha256 == hashlib.sha256(first).hexdigest()
    assert str(archive.pdf.name).startswith("factures/Facture-F2026-")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM billing_archiveddocument WHERE id = %s", [archive.pk])


def test_a_credit_note_pdf_is_archived_too(in_alpha: Cae, person: User) -> None:
    note = credit_note_issue(invoice=_issued(person), by=person, reason="x", issued_on=ISSUED_ON)

    assert credit_note_pdf_archive(credit_note=note) == credit_note_pdf_archive(credit_note=note)
    assert ArchivedDocument.objects.get(credit_note=note).invoice is None


def test_issuing_checks_the_buyer_again(in_alpha: Cae, person: User) -> None:
    client = ClientFactory.create(kind="association", name="Les Amis du Lavoir")
    invoice = invoice_draft_create(
        cohort=CohortFactory.create(), client=client, sale_date=D(2026, 7, 20)
    )
    invoice_line_add(
        invoice=invoice,
        description="Affiches",
        quantity=Decimal(1),
        unit="flat",
        unit_price_excl_vat=Decimal(40),
        vat_rate=Decimal("20.0"),
    )
    invoice_submit(invoice=invoice, by=person)
    Client.objects.filter(pk=client.pk).update(siret="", vat_number="")

    with pytest.raises(ApplicationError, match="pas de SIRET"):
        invoice_issue(invoice=invoice, by=person, issued_on=ISSUED_ON)

    invoice.refresh_from_db()
    assert invoice.status == "submitted"
    assert invoice.number == ""
