"""Tenant isolation, proven by walking every route of a CAE's site (pages and API, taken from the
resolver: a new route is covered automatically) for every role.

Alpha and beta hold the same kinds of rows, created in the same order from aligned sequences, so
their primary keys coincide. Alpha's people request every route filled with beta's ids: no
answer is a server error, no page shows a beta-only marker, and no write changes beta's schema
nor beta's rows of the public schema. Inside alpha, the people of cohort X request cohort Y's
objects: refused, and Y's markers never show.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from coopilote.accounts.models import Role, User
from network.committees.models import PartnerPerson
from network.committees.services import (
    committee_meeting_record,
    local_committee_create,
    organisation_get_or_create,
    partner_person_get_or_create,
    seat_add,
)
from network.registry.models import Cae
from tenants.billing.services import (
    credit_note_issue,
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_submit,
)
from tenants.cohorts.models import CohortStatus
from tenants.commerce.models import Quote
from tenants.commerce.services import (
    job_create,
    job_hours_record,
    job_mark_done,
    job_member_assign,
    job_slot_add,
    quote_line_add,
)
from tenants.governance.models import MeetingKind, ProposalKind
from tenants.governance.services import meeting_create, proposal_create
from tenants.ledger.services import purchase_request
from tenants.pay.models import SharingRule
from tenants.pay.services import pay_run_create
from tenants.people.models import Enrolment
from tenants.people.services import committee_create
from tenants.trainings.models import TrainingTopic
from tenants.trainings.services import training_session_create
from tests.conftest import account, grant, sign_in, site_client
from tests.routes import fill, int_kwargs, routes
from tests.tenants.commerce.factories import ClientFactory, ServiceFactory
from tests.tenants.people.factories import PDF_BYTES, CohortFactory, MemberFactory, born_aged
from tests.tenants.skills.helpers import start

pytestmark = pytest.mark.django_db

D = datetime.date
M = Decimal
BETA_MARKER = "BETA-ONLY"
OTHER_COHORT_MARKER = "ALPHA-Y-ONLY"
# Every route is walked, public ones too (sign-in, links by token: filled with "x").
ROLES = ("cae_admin", "staff", "animateur", "member", "partner")
WRITERS = ("cae_admin", "staff", "partner")
COHORT_ROLES = ("animateur", "member", "partner")
# `rows`: a table's quoted name, from the catalogue.
CHECKSUM = "SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {rows} AS t"


@dataclass
class Objects:
    """The ids of one set of rows, by kind (the name a URL gives its id, without `_id`)."""

    ids: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, kind: str) -> int:
        return self.ids[kind]


def _kind(name: str, route: str) -> str:
    """Which kind of object a URL's `<int:name>` designates (some names serve two kinds)."""
    kind = name.removesuffix("_id")
    if "local-committees/" in route or "comites-locaux/" in route:
        kind = {"committee": "local_committee", "meeting": "local_meeting"}.get(kind, kind)
    if kind == "line":
        kind = "quote_line" if "quotes/" in route else "invoice_line"
    return kind


def _filler(objects: Objects) -> Any:
    def value_of(name: str, route: str) -> int:
        # An unknown name (a route added since) gets the id of an object of the guessed kind,
        # or 1: never an error of the walk itself.
        return objects.ids.get(_kind(name, route), 1)

    return value_of


# --- The rows --------------------------------------------------------------------------------


def _align_sequences(*caes: Cae) -> None:
    """Move every sequence of the CAEs' schemas to one common next value, so that rows created
    in the same order get the same primary keys in each."""
    schemas = [cae.schema_name for cae in caes]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, sequencename, COALESCE(last_value, 0) FROM pg_sequences "
            "WHERE schemaname = ANY(%s)",
            [schemas],
        )
        rows = cursor.fetchall()
        highest: dict[str, int] = {}
        for _schema, sequence, last_value in rows:
            highest[sequence] = max(highest.get(sequence, 0), last_value)
        for schema, sequence, _last in rows:
            cursor.execute(
                "SELECT setval(format('%%I.%%I', %s::text, %s::text)::regclass, %s, false)",
                [schema, sequence, highest[sequence] + 1],
            )


def _partner(email: str) -> PartnerPerson:
    organisation = organisation_get_or_create(
        name="Mission locale du Pays de Vannes", kind="mission_locale", town="Vannes"
    )
    return partner_person_get_or_create(
        organisation=organisation, first_name="Paule", last_name="Martin", email=email
    )


def _populate(cae: Cae, marker: str, by: User, partner_email: str, *, cae_marker: str) -> Objects:
    """One cohort of `cae` with a row of every kind, each carrying `marker` where it shows;
    a client, shared by the whole CAE, carries `cae_marker`."""
    found = Objects()
    with tenant_context(cae):
        cohort = CohortFactory.create(
            name=f"{marker} coopérative",
            status=CohortStatus.RUNNING,
            starts_on=D(2026, 6, 1),
            ends_on=D(2026, 8, 31),
        )
        member = MemberFactory.create(
            first_name=f"{marker}-Lina", last_name=f"{marker}-Le Goff", birth_date=born_aged(17)
        )
        enrolment = Enrolment.objects.create(
            member=member, cohort=cohort, enrolled_on=D(2026, 6, 1)
        )
        client = ClientFactory.create(
            name=f"{cae_marker} Fournil", email="commandes@fournil.example"
        )
        service = ServiceFactory.create(cohort=cohort, name=f"{marker} Tonte")
        quote = Quote.objects.create(
            cohort=cohort,
            client=client,
            subject=f"{marker} Entretien",
            valid_until=timezone.localdate() + datetime.timedelta(days=30),
        )
        quote_line = quote_line_add(
            quote=quote,
            quantity=M("2"),
            description=f"{marker} Taille de haie",
            unit="hour",
            unit_price_excl_vat=M("15.00"),
            vat_rate=M("20.0"),
        )
        job = job_create(
            cohort=cohort,
            client=client,
            quantity=M("3"),
            title=f"{marker} Désherbage",
            unit="hour",
            unit_price_excl_vat=M("15.00"),
            vat_rate=M("20.0"),
        )
        slot = job_slot_add(
            job=job, date=D(2026, 7, 6), starts_at=datetime.time(9), ends_at=datetime.time(12)
        )
        assignment = job_hours_record(
            assignment=job_member_assign(job=job, member=member), hours=M("3")
        )
        job_mark_done(job=job)
        invoices = []
        for number in (1, 2):
            invoice = invoice_draft_create(cohort=cohort, client=client, sale_date=D(2026, 7, 10))
            line = invoice_line_add(
                invoice=invoice,
                description=f"{marker} Prestation {number}",
                quantity=M("4"),
                unit="hour",
                unit_price_excl_vat=M("50.00"),
                vat_rate=M("20.0"),
            )
            invoice_submit(invoice=invoice, by=by)
            invoices.append((invoice_issue(invoice=invoice, by=by, issued_on=D(2026, 7, 10)), line))
        credit_note = credit_note_issue(
            invoice=invoices[1][0], by=by, reason=f"{marker} Geste", issued_on=D(2026, 7, 12)
        )
        purchase = purchase_request(
            cohort=cohort,
            by=by,
            description=f"{marker} Peinture",
            supplier=f"{marker} Brico",
            category="materials",
            amount_incl_vat=M("36.00"),
            vat_amount=M("6.00"),
            receipt=SimpleUploadedFile("ticket.pdf", PDF_BYTES, content_type="application/pdf"),
        )
        pay_run = pay_run_create(
            cohort=cohort,
            period_start=D(2026, 7, 1),
            period_end=D(2026, 7, 31),
            sharing_rule=SharingRule.PRO_RATA_HOURS,
            retained_rate=M("10"),
            by=by,
        )
        meeting = meeting_create(
            cohort=cohort, kind=MeetingKind.ASSEMBLY, held_on=D(2026, 7, 2), agenda=f"{marker} AG"
        )
        proposal = proposal_create(
            cohort=cohort,
            by=by,
            question=f"{marker} Tondre à 15 € ?",
            kind=ProposalKind.YES_NO,
            closes_at=timezone.now() + datetime.timedelta(days=7),
        )
        session = training_session_create(
            cohort=cohort,
            date=D(2026, 7, 6),
            starts_at=datetime.time(14),
            ends_at=datetime.time(16),
            topic=TrainingTopic.MARKETING,
            trainer_name=f"{marker} Morgane",
            trainer_organisation=f"{marker} Formation",
        )
        assessment = start(enrolment)
        committee = committee_create(cohort=cohort, kind="marketing", name=f"{marker} Comité com")
        found.ids.update(
            cohort=cohort.pk,
            member=member.pk,
            enrolment=enrolment.pk,
            client=client.pk,
            service=service.pk,
            quote=quote.pk,
            quote_line=quote_line.pk,
            job=job.pk,
            slot=slot.pk,
            assignment=assignment.pk,
            invoice=invoices[0][0].pk,
            invoice_line=invoices[0][1].pk,
            credit_note=credit_note.pk,
            purchase=purchase.pk,
            pay_run=pay_run.pk,
            meeting=meeting.pk,
            proposal=proposal.pk,
            session=session.pk,
            assessment=assessment.pk,
            committee=committee.pk,
        )
    with schema_context("public"):
        local = local_committee_create(
            cae=cae, name=f"{marker} Comité local", cohort_ids=[cohort.pk]
        )
        local_meeting = committee_meeting_record(
            committee=local, held_on=D(2026, 7, 3), agenda=f"{marker} Point"
        )
        seat = seat_add(committee=local, person=_partner(partner_email))
        assert seat.person.user is not None
        found.ids.update(local_committee=local.pk, local_meeting=local_meeting.pk, seat=seat.pk)
        found.ids["partner_user"] = seat.person.user.pk
    return found


# --- What must never change ------------------------------------------------------------------


def _schema_checksums(schema: str) -> dict[str, str]:
    """md5 of every table of `schema`, row by row."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
        )
        tables = [row[0] for row in cursor.fetchall()]
        sums: dict[str, str] = {}
        for table in tables:
            cursor.execute(CHECKSUM.format(rows=f'"{schema}"."{table}"'))
            sums[table] = cursor.fetchone()[0]
    return sums


def _public_rows_of(cae: Cae) -> dict[str, list[dict[str, Any]]]:
    """Every public row tied to `cae`: the CAE, its domains, and each row pointing at it
    (memberships, committees, facts, reports…), a model added since included."""
    rows: dict[str, list[dict[str, Any]]] = {}
    with schema_context("public"):
        rows["cae"] = list(Cae.objects.filter(pk=cae.pk).values())
        for model in apps.get_models():
            links = [
                field.name
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model is Cae
            ]
            for link in links:
                label = f"{model._meta.label}.{link}"
                rows[label] = list(
                    model._default_manager.filter(**{link: cae}).order_by("pk").values()
                )
    return rows


def _state_of(cae: Cae) -> tuple[dict[str, str], dict[str, Any]]:
    return _schema_checksums(cae.schema_name), _public_rows_of(cae)


# --- The walk --------------------------------------------------------------------------------


@dataclass
class Walk:
    alpha: Cae
    beta: Cae
    x: Objects  # alpha's cohort X
    y: Objects  # alpha's cohort Y
    b: Objects  # beta's only cohort
    people: dict[str, User]

    def client(self, role: str) -> Client:
        client = site_client(self.alpha)
        sign_in(client, self.people[role])
        return client


@pytest.fixture
def walk(cae_alpha: Cae, cae_beta: Cae) -> Walk:
    by = account("signataire@example.org")
    grant(by, cae_alpha, Role.CAE_STAFF)
    grant(by, cae_beta, Role.CAE_STAFF)
    _align_sequences(cae_alpha, cae_beta)
    x = _populate(cae_alpha, "ALPHA-X", by, "partenaire.x@example.org", cae_marker="ALPHA")
    b = _populate(cae_beta, BETA_MARKER, by, "partenaire.beta@example.org", cae_marker=BETA_MARKER)
    y = _populate(
        cae_alpha, OTHER_COHORT_MARKER, by, "partenaire.y@example.org", cae_marker="ALPHA"
    )
    shared = {kind for kind in x.ids if kind not in {"local_committee", "local_meeting", "seat"}}
    assert {kind: x[kind] for kind in shared if kind != "partner_user"} == {
        kind: b[kind] for kind in shared if kind != "partner_user"
    }, "alpha's and beta's rows must share their primary keys"
    with schema_context("public"):
        people = {"partner": User.objects.get(pk=x["partner_user"])}
    for role, cohort_id, membership in [
        ("cae_admin", None, Role.CAE_ADMIN),
        ("staff", None, Role.CAE_STAFF),
        ("animateur", x["cohort"], Role.ANIMATEUR),
        ("member", x["cohort"], Role.MEMBER),
    ]:
        people[role] = account(f"walk-{role}@example.org")
        grant(people[role], cae_alpha, membership, cohort_id)
    return Walk(alpha=cae_alpha, beta=cae_beta, x=x, y=y, b=b, people=people)


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return str(response.content.decode(errors="replace"))


def _write(client: Client, path: str, objects: Objects) -> Any:
    """A POST carrying the other set's ids in every field a form or serializer may read."""
    fields: dict[str, Any] = {kind: value for kind, value in objects.ids.items()}
    fields.update({f"{kind}_id": value for kind, value in objects.ids.items()})
    fields.update(name="x", member_ids=[objects["member"]], job_ids=[objects["job"]])
    if path.startswith("/api/"):
        return client.post(path, data=fields, content_type="application/json")
    return client.post(path, data=fields)


def _walked(value_of: Any) -> list[tuple[str, str]]:
    walked = []
    for route, _pattern in routes():
        path = fill(route, value_of)
        if path is not None:
            walked.append((route, path))
    return walked


def test_no_role_of_alpha_reads_or_writes_anything_of_beta(walk: Walk) -> None:
    """Every route and every role of alpha, with beta's ids: GET never shows beta's rows and
    never fails; POST (by the strongest roles and a partner) never touches beta."""
    before = _state_of(walk.beta)
    paths = _walked(_filler(walk.b))
    requests = same_ids = 0
    for role in ROLES:
        client = walk.client(role)
        for _route, path in paths:
            response = client.get(path)
            requests += 1
            assert response.status_code < 500, (role, "GET", path, response.status_code)
            body = _body(response)
            assert BETA_MARKER not in body, (role, "GET", path)
            same_ids += role == "cae_admin" and "ALPHA-X" in body
    for role in WRITERS:
        client = walk.client(role)
        for _route, path in paths:
            response = _write(client, path, walk.b)
            requests += 1
            assert response.status_code < 500, (role, "POST", path, response.status_code)
            assert BETA_MARKER not in _body(response), (role, "POST", path)

    assert _state_of(walk.beta) == before
    assert len(paths) > 150
    assert same_ids > 60  # beta's ids do open alpha's own rows: the keys coincide
    assert requests == len(paths) * (len(ROLES) + len(WRITERS))
    print(  # the numbers the closing note reports
        f"\nisolation walk (CAEs): {len(paths)} routes x {len(ROLES)} roles GET"
        f" + x {len(WRITERS)} roles POST = {requests} requests"
    )


def _only_other_cohort(route: str) -> bool:
    """Whether every id of the route designates an object of one cohort (filled with Y's)."""
    kinds = [_kind(name, route) for name in int_kwargs(route)]
    per_cohort = {
        "cohort",
        "member",
        "enrolment",
        "service",
        "quote",
        "quote_line",
        "job",
        "slot",
        "assignment",
        "invoice",
        "invoice_line",
        "credit_note",
        "purchase",
        "pay_run",
        "meeting",
        "proposal",
        "session",
        "assessment",
        "committee",
        "local_committee",
        "local_meeting",
        "seat",
    }
    return bool(kinds) and all(kind in per_cohort for kind in kinds)


def test_the_people_of_a_cohort_reach_nothing_of_another_cohort(walk: Walk) -> None:
    """The animateur, a member and a partner of X request every route with Y's ids: what
    belongs to Y alone is refused (403/404), Y's rows never show, and their writes change
    nothing in alpha."""
    paths = _walked(_filler(walk.y))
    targeted = [(route, path) for route, path in paths if _only_other_cohort(route)]
    requests = 0
    for role in COHORT_ROLES:
        client = walk.client(role)
        for route, path in paths:
            response = client.get(path)
            requests += 1
            assert response.status_code < 500, (role, "GET", path, response.status_code)
            assert OTHER_COHORT_MARKER not in _body(response), (role, "GET", path)
            if (route, path) in targeted:
                assert response.status_code in {403, 404, 405}, (role, "GET", path)
    before = _state_of(walk.alpha)
    for role in ("animateur", "partner"):
        client = walk.client(role)
        for _route, path in targeted:
            response = _write(client, path, walk.y)
            requests += 1
            assert response.status_code in {403, 404, 405}, (role, "POST", path)

    assert _state_of(walk.alpha) == before
    assert len(targeted) > 60
    print(  # the numbers the closing note reports
        f"\nisolation walk (cohorts): {len(paths)} routes x {len(COHORT_ROLES)} roles GET"
        f" + {len(targeted)} routes of cohort Y x 2 roles POST = {requests} requests"
    )
