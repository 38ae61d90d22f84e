"""Building the demo network's CAEs, cohorts, commerce and books through the services."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from coopilote.accounts.models import User
from coopilote.money import to_cents
from coopilote.payments import DUMMY
from coopilote.tenancy import current_cae, current_schema
from frontend.demo.plan import (
    COMMITTEES,
    DEMO_PASSWORD,
    DEMO_PURCHASES,
    DEMO_TODAY,
    OPENING_REASON,
    START_REASON,
    DemoClient,
    DemoCohort,
    DemoCommerce,
    DemoLocalCommittee,
    DemoPerson,
)
from network.committees.models import LocalCommittee
from network.committees.services import (
    local_committee_cohorts_set,
    local_committee_create,
    partner_seat,
)
from network.payments.services import dummy_payment_events, webhook_receive
from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from tenants.billing.models import Invoice, InvoiceStatus, PaymentMethod
from tenants.billing.selectors import invoice_balance
from tenants.billing.services import (
    CreditLine,
    credit_note_issue,
    invoice_draft_from_jobs,
    invoice_issue,
    invoice_submit,
    payment_checkout_start,
    payment_event_apply,
    payment_record,
)
from tenants.cohorts.models import Cohort, CohortStatus
from tenants.cohorts.rules import age_on
from tenants.cohorts.services import (
    cohort_assign_animateur,
    cohort_create,
    cohort_transition,
    cohort_update,
)
from tenants.commerce.models import Client, ClientKind, Job, JobStatus, Service, ServiceUnit
from tenants.commerce.services import (
    client_contact_add,
    client_create,
    job_create,
    job_hours_record,
    job_mark_done,
    job_member_assign,
    job_slot_add,
    quote_answer,
    quote_create,
    quote_line_add,
    quote_send,
    service_create,
)
from tenants.ledger.models import Purchase
from tenants.ledger.services import purchase_approve, purchase_pay, purchase_request
from tenants.people.models import (
    Enrolment,
    EnrolmentStatus,
    Member,
)
from tenants.people.services import (
    ADULT_AGE,
    committee_create,
    committee_seat_assign,
    enrolment_record_outcome,
    enrolment_withdraw,
    guardian_record,
    member_create,
    member_enrol,
)


@transaction.atomic
def local_committee_build(*, plan: DemoLocalCommittee, cae: Cae) -> None:
    """The CAE's local committee, supporting the plan's cohorts, with its partners seated (and
    invited) once; an earlier run's committee gets the cohorts and partners added since."""
    with tenant_context(cae):
        cohort_ids = set(Cohort.objects.filter(name__in=plan.cohorts).values_list("pk", flat=True))
    committee = LocalCommittee.objects.filter(cae=cae, name=plan.name).first()
    if committee is None:
        committee = local_committee_create(cae=cae, name=plan.name, cohort_ids=cohort_ids)
    elif set(committee.supported_cohorts.values_list("cohort_id", flat=True)) != cohort_ids:
        committee = local_committee_cohorts_set(committee=committee, cohort_ids=cohort_ids)
    seated = set(committee.seats.current().values_list("person__email", flat=True))
    for number, partner in enumerate(plan.partners):
        if partner.email in seated:
            continue
        if number == 0 and not User.objects.filter(email=partner.email).exists():
            User.objects.create_user(
                partner.email,
                DEMO_PASSWORD,
                first_name=partner.first_name,
                last_name=partner.last_name,
            )
        partner_seat(
            committee=committee,
            organisation={
                "name": partner.organisation,
                "kind": partner.kind,
                "town": partner.town,
            },
            first_name=partner.first_name,
            last_name=partner.last_name,
            email=partner.email,
            job_title=partner.job_title,
            joined_on=plan.since,
        )


def authorisation_pdf(title: bytes = b"Autorisation parentale") -> bytes:
    """A minimal but valid one-page PDF, standing in for a signed parental authorisation (or,
    with another `title`, for a receipt)."""
    text = b"BT /F1 14 Tf 72 770 Td (" + title + b" - document de demonstration) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%b\nendstream" % (len(text), text),
    ]
    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref_offset = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_offset,
    )
    return bytes(document)


def _member_get_or_create(
    person: DemoPerson, *, status_at_entry: str, contact_phone: str
) -> Member:
    member = Member.objects.filter(
        first_name=person.first_name, last_name=person.last_name, birth_date=person.birth_date
    ).first()
    return member or member_create(
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
        gender=person.gender,
        postcode=person.postcode,
        qpv_resident=person.qpv_resident,
        status_at_entry=status_at_entry,
        emergency_contact_name=person.contact_name,
        emergency_contact_phone=contact_phone,
    )


def _cohort_enrol(plan: DemoCohort, cohort: Cohort, *, phone_prefix: str) -> list[Enrolment]:
    """Record and enrol the plan's members, in its order, over the three weeks before the start.

    A minor's guardian signs the parental authorisation a few days before the enrolment.
    """
    enrolments = []
    for number, person in enumerate(plan.members, start=1):
        contact_phone = f"{phone_prefix} {number:02d}"
        member = _member_get_or_create(
            person,
            status_at_entry=plan.statuses_at_entry.get(person.full_name, plan.status_at_entry),
            contact_phone=contact_phone,
        )
        enrolled_on = plan.starts_on - datetime.timedelta(days=22 - number)
        is_minor = age_on(person.birth_date, plan.starts_on) < ADULT_AGE
        if is_minor and not member.guardians.exclude(authorisation_file="").exists():
            guardian_record(
                member=member,
                full_name=person.contact_name,
                relationship=person.relationship,
                phone=contact_phone,
                email="",
                authorisation_file=ContentFile(
                    authorisation_pdf(), name="autorisation-parentale.pdf"
                ),
                authorisation_signed_on=enrolled_on - datetime.timedelta(days=3),
            )
        enrolments.append(member_enrol(member=member, cohort=cohort, enrolled_on=enrolled_on))
    return enrolments


def _cohort_run_committees(plan: DemoCohort, cohort: Cohort, enrolments: list[Enrolment]) -> None:
    """Seat everyone from the start, record the withdrawals, then rotate once."""
    committees = [
        committee_create(cohort=cohort, kind=kind, name=name) for kind, name in COMMITTEES
    ]
    for position, enrolment in enumerate(enrolments):
        committee_seat_assign(
            committee=committees[position % len(committees)],
            enrolment=enrolment,
            starts_on=plan.starts_on,
        )
    for position, (person, enrolment) in enumerate(zip(plan.members, enrolments, strict=True)):
        if person.full_name in plan.withdrawals:
            withdrawn_on, reason = plan.withdrawals[person.full_name]
            enrolments[position] = enrolment_withdraw(
                enrolment=enrolment, withdrawn_on=withdrawn_on, reason=reason
            )
    for position, enrolment in enumerate(enrolments):
        if enrolment.status == EnrolmentStatus.ENROLLED:
            committee_seat_assign(
                committee=committees[(position + 1) % len(committees)],
                enrolment=enrolment,
                starts_on=plan.rotation_on,
            )


@transaction.atomic
def cohort_build(*, plan: DemoCohort, in_charge: User, phone_prefix: str) -> Cohort:
    """Bring the plan's cohort to life in the current CAE, unless it is already under way."""
    fields = {**plan.details, "staff_in_charge": in_charge}
    cohort = Cohort.objects.filter(name=plan.name).first()
    if cohort is not None and cohort.status != CohortStatus.DRAFT:
        return cohort  # built by an earlier run (or taken over by someone): left as it is
    if cohort is None:
        cohort = cohort_create(
            name=plan.name,
            programme=plan.programme,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            **fields,
        )
    else:  # left in preparation by an earlier version of this command
        cohort = cohort_update(
            cohort=cohort, starts_on=plan.starts_on, ends_on=plan.ends_on, **fields
        )
    cohort = cohort_transition(
        cohort=cohort, to_status=CohortStatus.RECRUITING, reason=OPENING_REASON, by=in_charge
    )
    enrolments = _cohort_enrol(plan, cohort, phone_prefix=phone_prefix)
    for email in plan.animateurs:
        cohort_assign_animateur(cohort=cohort, user=User.objects.get(email=email))
    cohort = cohort_transition(
        cohort=cohort, to_status=CohortStatus.RUNNING, reason=START_REASON, by=in_charge
    )
    _cohort_run_committees(plan, cohort, enrolments)
    if plan.status == CohortStatus.CLOSED:
        cohort = cohort_transition(
            cohort=cohort, to_status=CohortStatus.CLOSED, reason=plan.closing_reason, by=in_charge
        )
        for person, enrolment in zip(plan.members, enrolments, strict=True):
            if person.full_name in plan.outcomes:
                outcome, detail = plan.outcomes[person.full_name]
                enrolment_record_outcome(
                    enrolment=enrolment,
                    outcome=outcome,
                    detail=detail,
                    recorded_on=plan.outcomes_recorded_on,
                )
    return cohort


def _quantity(unit: str, number: int) -> Decimal:
    """A plausible, deterministic quantity for the `number`th line of that unit."""
    if unit == ServiceUnit.FLAT:
        return Decimal(1)
    if unit == ServiceUnit.ITEM:
        return Decimal(4 + (number * 5) % 7)
    return Decimal(2 + (number * 3) % 6)


def _client_record(client: DemoClient, *, cohort: Cohort, identity_number: int) -> Client:
    identifiers: dict[str, str] = {}
    if client.kind != ClientKind.INDIVIDUAL:
        identity = fictional_identity(identity_number)
        identifiers["siret"] = identity["siret"]
        if client.kind == ClientKind.COMPANY:
            identifiers["vat_number"] = identity["vat_number"]
    record = client_create(
        kind=client.kind,
        name=client.name,
        address=client.address,
        postcode=client.postcode,
        city=client.city,
        cohort=cohort,
        **identifiers,
    )
    if client.contact:
        client_contact_add(
            client=record,
            full_name=client.contact,
            role=client.contact_role,
            email=f"contact{identity_number}@client.example.org",
        )
    return record


def _job_done(
    *,
    cohort: Cohort,
    client: Client,
    service: Service,
    quantity: Decimal,
    day: datetime.date,
    team: list[Member],
) -> Job:
    """A job of the cohort, in one morning slot, done by `team` (3 hours each)."""
    job = job_create(
        cohort=cohort, client=client, service=service, quantity=quantity, place=client.city
    )
    job_slot_add(job=job, date=day, starts_at=datetime.time(9), ends_at=datetime.time(12))
    for member in team:
        assignment = job_member_assign(job=job, member=member)
        job_hours_record(assignment=assignment, hours=Decimal(3))
    return job_mark_done(job=job)


def _settle(invoice: Invoice, *, number: int, issued: int, issuer: User) -> None:
    """Most invoices are paid 2 to 4 weeks after issue; the last ones wait, one of them half
    paid; the 4th gets a goodwill credit note."""
    assert invoice.issued_on is not None
    received_on = invoice.issued_on + datetime.timedelta(days=14 + 7 * (number % 3))
    if number == 3:
        credit_note_issue(
            invoice=invoice,
            by=issuer,
            reason="Geste commercial : retard sur le créneau prévu",
            issued_on=invoice.issued_on + datetime.timedelta(days=5),
            lines=[
                CreditLine(
                    description="Remise commerciale",
                    quantity=Decimal(1),
                    unit=ServiceUnit.FLAT,
                    unit_price_excl_vat=to_cents(invoice.total_excl_vat / 10),
                    vat_rate=invoice.lines.all()[0].vat_rate,
                )
            ],
        )
    if number >= issued - 2 or received_on > DEMO_TODAY:
        if number == issued - 2:
            outstanding = invoice_balance(invoice=invoice).outstanding
            payment_record(
                invoice=invoice,
                amount=to_cents(outstanding / 2),
                received_on=min(received_on, DEMO_TODAY),
                method=PaymentMethod.CHEQUE,
                by=issuer,
            )
        return
    payment_record(
        invoice=invoice,
        amount=invoice_balance(invoice=invoice).outstanding,
        received_on=received_on,
        method=PaymentMethod.TRANSFER if number % 2 else PaymentMethod.CHEQUE,
        reference=f"VIR-{invoice.number}" if number % 2 else "",
        by=issuer,
    )


def _pay_online(invoice: Invoice) -> None:
    """The client pays half of the invoice by card, through the dummy provider: checkout, signed
    events to the platform webhook, then their effect in the CAE (which the worker would apply;
    applying them here keeps the demo the same on every start)."""
    amount = to_cents(invoice_balance(invoice=invoice).outstanding / 2)
    attempt = payment_checkout_start(invoice=invoice, amount=amount)
    events = dummy_payment_events(
        account=str(getattr(current_cae(), "payment_account", "")),
        session_id=attempt.session_id,
        amount_cents=int(amount * 100),
        metadata={"schema": current_schema(), "attempt": str(attempt.public_id)},
    )
    for payload, signature in events:
        with schema_context("public"):
            webhook_receive(provider_name=DUMMY, payload=payload, signature=signature)
        payment_event_apply(event=json.loads(payload))


def _quotes_build(
    *, cohort: Cohort, clients: list[Client], services: list[Service], by: User
) -> None:
    """A running cohort's quotes: one accepted (its jobs are planned), one waiting for the
    client's answer, one declined, one draft."""
    today = timezone.localdate()
    plans = [
        ("accepted", "Nettoyage des vitres de la salle et de la véranda", Decimal(6)),
        ("sent", "Animation de vos réseaux sociaux pendant la saison", Decimal(1)),
        ("declined", "Nettoyage des vitres du club-house", Decimal(4)),
        ("draft", "Nettoyage de printemps", Decimal(8)),
    ]
    for number, (outcome, subject, quantity) in enumerate(plans):
        client = clients[number % len(clients)]
        quote = quote_create(
            cohort=cohort,
            client=client,
            subject=subject,
            valid_until=today + datetime.timedelta(days=30),
        )
        quote_line_add(quote=quote, service=services[number % len(services)], quantity=quantity)
        if outcome == "draft":
            continue
        contact = client.contacts.first()
        recipient = contact.email if contact and contact.email else "client@demo.example.org"
        token = quote_send(quote=quote, by=by, recipient_email=recipient).token
        if outcome == "sent":
            continue
        quote_answer(token=token, accept=outcome == "accepted", comment="")
    members = [e.member for e in Enrolment.objects.enrolled().filter(cohort=cohort)][:4]
    for number, job in enumerate(Job.objects.filter(cohort=cohort, status=JobStatus.PLANNED)):
        day = today + datetime.timedelta(days=7 + 7 * number)
        for week in range(2):
            job_slot_add(
                job=job,
                date=day + datetime.timedelta(days=7 * week),
                starts_at=datetime.time(14),
                ends_at=datetime.time(17),
            )
        for member in members[:2]:
            job_member_assign(job=job, member=member)


@transaction.atomic
def commerce_build(
    *, plan: DemoCohort, commerce: DemoCommerce, cohort: Cohort, issuer: User, first_number: int
) -> None:
    """Offer the cohort's services, record its clients, do jobs for them and invoice the jobs,
    unless already done.

    Each invoice bills one job (a "prestation" of the seeds: their counts are the invoices'),
    done in a day by two or three of the cohort's members. The clients' fictional SIRET and VAT
    numbers come from `first_number` on, a range the CAEs do not use. Invoices are issued in the
    order of their issue date, so that their numbers follow the calendar; most are then paid. A
    running cohort also has quotes.
    """
    if Service.objects.filter(cohort=cohort, name=commerce.services[0].name).exists():
        return
    services = [
        service_create(
            cohort=cohort,
            name=service.name,
            unit=service.unit,
            unit_price_excl_vat=Decimal(service.price),
            vat_rate=Decimal(service.vat_rate),
        )
        for service in commerce.services
    ]
    clients = [
        _client_record(client, cohort=cohort, identity_number=first_number + position)
        for position, client in enumerate(commerce.clients)
    ]
    animateurs = [User.objects.get(email=email) for email in plan.animateurs]
    members = [e.member for e in Enrolment.objects.enrolled().filter(cohort=cohort).order_by("pk")]
    total = commerce.issued + commerce.submitted + commerce.drafts
    first_day = plan.starts_on + datetime.timedelta(days=7)
    span = (min(plan.ends_on, DEMO_TODAY) - first_day).days
    to_issue = []
    for number in range(total):
        sale_date = first_day + datetime.timedelta(days=span * number // max(total - 1, 1))
        client = clients[number % len(clients)]
        service = services[number % len(services)]
        # two or three members, in turn: everyone who stayed works (and is paid) at least once
        team = [members[(2 * number + k) % len(members)] for k in range(2 + number % 2)]
        job = _job_done(
            cohort=cohort,
            client=client,
            service=service,
            quantity=_quantity(service.unit, number),
            day=sale_date,
            team=team,
        )
        invoice = invoice_draft_from_jobs(cohort=cohort, job_ids=[job.pk])
        if number >= commerce.issued + commerce.submitted:
            continue  # still a draft
        invoice = invoice_submit(invoice=invoice, by=animateurs[number % len(animateurs)])
        if number < commerce.issued:
            issued_on = min(sale_date + datetime.timedelta(days=3 + number % 3), DEMO_TODAY)
            to_issue.append((issued_on, number, invoice))
    for issued_on, number, invoice in sorted(to_issue, key=lambda item: item[:2]):
        issued = invoice_issue(invoice=invoice, by=issuer, issued_on=issued_on)
        _settle(issued, number=number, issued=commerce.issued, issuer=issuer)
    if plan.status == CohortStatus.RUNNING:
        _quotes_build(cohort=cohort, clients=clients, services=services, by=animateurs[0])
        if settings.PAYMENT_PROVIDER == DUMMY:
            _pay_online(Invoice.objects.filter(cohort=cohort, status="issued").latest("number"))
        _job_done(  # done, waiting to be invoiced
            cohort=cohort,
            client=clients[-1],
            service=services[0],
            quantity=Decimal(2),
            day=DEMO_TODAY - datetime.timedelta(days=2),
            team=members[:2],
        )


def books_build(*, plan: DemoCohort, cohort: Cohort, in_charge: User) -> None:
    """The cohort's purchases (receipts, approved, paid, booked). Each step is its own
    transaction, as in the pages; skipped when the cohort already has purchases. (Sharing the
    result once the cohort is over: frontend.demo.life.pay_build, after the cohort's vote.)"""
    if Purchase.objects.filter(cohort=cohort).exists():
        return
    animateur = User.objects.get(email=plan.animateurs[0])
    for number, (description, supplier, category, amount, vat, method, day) in enumerate(
        DEMO_PURCHASES
    ):
        purchase = purchase_request(
            cohort=cohort,
            by=animateur,
            description=description,
            supplier=supplier,
            category=category,
            amount_incl_vat=Decimal(amount),
            vat_amount=Decimal(vat),
            receipt=ContentFile(authorisation_pdf(b"Ticket de caisse"), name="ticket.pdf"),
        )
        if plan.status == CohortStatus.RUNNING and number == len(DEMO_PURCHASES) - 1:
            continue  # waiting for the CAE's decision
        purchase_approve(purchase=purchase, by=in_charge)
        purchase_pay(
            purchase=purchase,
            by=in_charge,
            paid_on=min(plan.starts_on + datetime.timedelta(days=day), DEMO_TODAY),
            method=method,
        )


def cohorts_summary() -> str:
    """The current CAE's cohorts, oldest first, with their status, number of members, services,
    clients found, invoices issued and ateliers."""
    cohorts = Cohort.objects.annotate(
        members=Count("enrolments", distinct=True),
        withdrawn=Count(
            "enrolments",
            filter=Q(enrolments__status=EnrolmentStatus.WITHDRAWN),
            distinct=True,
        ),
        service_count=Count("services", distinct=True),
        client_count=Count("clients_found", distinct=True),
        issued_count=Count(
            "invoices", filter=Q(invoices__status=InvoiceStatus.ISSUED), distinct=True
        ),
        workshop_count=Count("training_sessions", distinct=True),
    ).order_by("starts_on", "name")
    parts = []
    for cohort in cohorts:
        status = str(CohortStatus(cohort.status).label).lower()
        withdrawn = ""
        if cohort.withdrawn:
            plural = "s" if cohort.withdrawn > 1 else ""
            withdrawn = f", dont {cohort.withdrawn} sorti·e{plural}"
        issued = "facture émise" if cohort.issued_count < 2 else "factures émises"
        parts.append(
            f"{cohort.name} ({cohort.programme}, {status}, "
            f"{cohort.members} coopérant·es{withdrawn}, {cohort.service_count} prestations, "
            f"{cohort.client_count} clients, {cohort.issued_count} {issued}, "
            f"{cohort.workshop_count} ateliers)"
        )
    return " ; ".join(parts) or "aucune coopérative"
