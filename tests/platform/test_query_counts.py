"""No N+1 queries: every page and API endpoint answering GET on a CAE's site and on the national
site, taken from the resolver (a new list endpoint is covered automatically), is requested with
the fixture data, then again after more rows of every kind were added (members, clients, quotes
with lines, jobs with slots and hours, invoices with lines, payments and credit notes, purchases,
pay runs, meetings, votes, trainings with attendance, assessments, committees, another cohort,
more CAEs, facts, reports…): no statement may run more often than with the fixture rows (a
per-row query runs once with them and three times after; see `_repeated`). Each persona's
totals are printed with `-s`.

A route that answers GET with something else than 200 for the measuring persona is listed in
NOT_MEASURED with the reason, and that list is checked both ways (a route that starts answering
is measured, a new route that cannot be measured must be listed). A route without GET (405) is a
write endpoint and has nothing to list.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, get_resolver
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context
from drf_spectacular.generators import SchemaGenerator

from coopilote.accounts.models import Role, User
from network.committees.models import Seat
from network.committees.services import (
    committee_meeting_record,
    local_committee_create,
    organisation_get_or_create,
    partner_person_get_or_create,
    seat_add,
)
from network.indicators.services import facts_store
from network.registry.fictional import fictional_identity
from network.registry.geography import REGION_OF_DEPARTMENT
from network.registry.models import Cae
from network.reports.services import report_photo_add, report_submit
from network.skillgrid.services import skill_create
from tenants.billing.models import PaymentMethod
from tenants.billing.selectors import invoice_link_token
from tenants.billing.services import (
    credit_note_issue,
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_submit,
    payment_record,
)
from tenants.cohorts.facts import facts_of_schema
from tenants.cohorts.models import Cohort, CohortStatus
from tenants.commerce.models import Client as CommerceClient
from tenants.commerce.models import Quote
from tenants.commerce.services import (
    client_contact_add,
    job_create,
    job_hours_record,
    job_mark_done,
    job_member_assign,
    job_slot_add,
    quote_line_add,
    quote_send,
)
from tenants.governance.models import MeetingKind, ProposalKind
from tenants.governance.services import (
    ballot_cast,
    meeting_create,
    proposal_close,
    proposal_create,
    proposal_open,
)
from tenants.ledger.services import purchase_request
from tenants.pay.models import PayRun, SharingRule
from tenants.pay.services import pay_run_create
from tenants.people.models import Enrolment, Member
from tenants.people.services import committee_create, committee_seat_assign
from tenants.showcase.services import (
    client_testimonial_add,
    page_save,
    page_set_published,
    photo_moderate,
    photo_upload,
    quote_request_submit,
)
from tenants.trainings.models import TrainingTopic
from tenants.trainings.services import attendance_record, training_session_create
from tests.conftest import account, grant, sign_in, site_client
from tests.routes import KWARG, TENANT_URLCONF, fill, routes
from tests.tenants.commerce.factories import ClientFactory, ServiceFactory
from tests.tenants.people.factories import (
    JPEG_BYTES,
    PDF_BYTES,
    CohortFactory,
    MemberFactory,
    born_aged,
)
from tests.tenants.skills.helpers import start as assessment_start

pytestmark = pytest.mark.django_db

PUBLIC_URLCONF = "coopilote.urls_public"
D = datetime.date
M = Decimal
SEASON_START, SEASON_END = D(2026, 6, 1), D(2026, 8, 31)

# Query strings some endpoints need to answer (without them they answer 400).
QUERIES = {
    "api/v1/ledger/fec/": "?year_end=2026-12-31",
    "api/v1/indicators/table/": "?group_by=cohort",
    "api/v1/calendar/": "?start=2026-06-01&end=2026-08-31",
    "indicateurs/export.csv": "?table=cohort",
    "indicateurs/export.xlsx": "?table=cohort",
}

# Routes answering GET with something else than 200 for the measuring persona, and why.
TOKEN = "a secret token or signed id of an email link: nothing to list, and no id to fill"
NOT_MEASURED_CAE: dict[str, str] = {
    "paiements/simulation/<str:public_id>/": TOKEN,
    "activation/<str:uidb64>/<str:token>/": TOKEN,
    "deconnexion/": "signs out (redirect)",
    "connexion/": "redirects a signed-in person",
    "i18n/setlang/": "redirect after a language change",
    "cooperatives/<int:cohort_id>/animateurs/": "form handler (GET redirects to the cohort)",
    "compte/verification/": "second factor step, already passed (redirect)",
}
NOT_MEASURED_NETWORK: dict[str, str] = {
    "paiements/webhook/<slug:provider>/": "payment provider callback (POST only)",
    "compte/verification/": "second factor step, already passed (redirect)",
    "activation/<str:uidb64>/<str:token>/": TOKEN,
    "deconnexion/": "signs out (redirect)",
    "connexion/": "redirects a signed-in person",
    "i18n/setlang/": "redirect after a language change",
}


@dataclass
class Ids:
    """The ids a route may name, by kind (the URL's name without `_id`)."""

    ids: dict[str, int | str] = field(default_factory=dict)

    def value_of(self, name: str, route: str) -> int | str:
        kind = name.removesuffix("_id")
        if "local-committees/" in route or "comites-locaux/" in route:
            kind = {"committee": "local_committee", "meeting": "local_meeting"}.get(kind, kind)
        if kind == "line":
            kind = "quote_line" if "quotes/" in route else "invoice_line"
        if kind == "photo" and ("bilans/" in route or "season-reports/" in route):
            kind = "report_photo"
        if kind == "token":
            kind = "invoice_token" if route.startswith("factures/") else "quote_token"
        return self.ids.get(kind, 1)


# --- The rows --------------------------------------------------------------------------------


def _cohort(name: str) -> Cohort:
    return CohortFactory.create(
        name=name, status=CohortStatus.RUNNING, starts_on=SEASON_START, ends_on=SEASON_END
    )


def _fill_cohort(cohort: Cohort, *, by: User, count: int, start: int) -> dict[str, int | str]:
    """`count` more rows of every kind in `cohort` (numbered from `start`); the ids of the
    first of each."""
    first: dict[str, int | str] = {}

    def keep(kind: str, pk: int | str) -> None:
        first.setdefault(kind, pk)

    enrolments: list[Enrolment] = []
    members: list[Member] = []
    clients: list[CommerceClient] = []
    for number in range(start, start + count):
        member = MemberFactory.create(
            first_name=f"Lina{number}", last_name="Le Goff", birth_date=born_aged(17)
        )
        enrolment = Enrolment.objects.create(member=member, cohort=cohort, enrolled_on=SEASON_START)
        members.append(member)
        enrolments.append(enrolment)
        keep("member", member.pk)
        keep("enrolment", enrolment.pk)
    for number in range(start, start + count):
        client = ClientFactory.create(name=f"Fournil {number}", email="commandes@fournil.example")
        clients.append(client)
        client_contact_add(
            client=client, full_name=f"Contact {number}", email=f"contact{number}@fournil.example"
        )
        service = ServiceFactory.create(cohort=cohort, name=f"Tonte {number}")
        quote = Quote.objects.create(
            cohort=cohort,
            client=client,
            subject=f"Entretien {number}",
            valid_until=timezone.localdate() + datetime.timedelta(days=30),
        )
        for line_number in (1, 2):
            quote_line = quote_line_add(
                quote=quote,
                quantity=M("2"),
                description=f"Taille de haie {number}.{line_number}",
                unit="hour",
                unit_price_excl_vat=M("15.00"),
                vat_rate=M("20.0"),
            )
            keep("quote_line", quote_line.pk)
        keep("quote_token", quote_send(quote=quote, by=by).token)  # the client's answer link
        job = job_create(
            cohort=cohort,
            client=client,
            quantity=M("3"),
            title=f"Désherbage {number}",
            unit="hour",
            unit_price_excl_vat=M("15.00"),
            vat_rate=M("20.0"),
        )
        slot = job_slot_add(
            job=job, date=D(2026, 7, 6), starts_at=datetime.time(9), ends_at=datetime.time(12)
        )
        for member in members:
            assignment = job_hours_record(
                assignment=job_member_assign(job=job, member=member), hours=M("3")
            )
            keep("assignment", assignment.pk)
        job_mark_done(job=job)
        for invoice_number in (1, 2):
            invoice = invoice_draft_create(cohort=cohort, client=client, sale_date=D(2026, 7, 10))
            for line_number in (1, 2):
                line = invoice_line_add(
                    invoice=invoice,
                    description=f"Prestation {number}.{invoice_number}.{line_number}",
                    quantity=M("4"),
                    unit="hour",
                    unit_price_excl_vat=M("50.00"),
                    vat_rate=M("20.0"),
                )
                keep("invoice_line", line.pk)
            invoice_submit(invoice=invoice, by=by)
            invoice = invoice_issue(invoice=invoice, by=by, issued_on=D(2026, 7, 10))
            keep("invoice", invoice.pk)
            keep("invoice_token", invoice_link_token(invoice=invoice))  # the client's link
            if invoice_number == 1:
                payment_record(
                    invoice=invoice,
                    amount=M("100.00"),
                    received_on=D(2026, 7, 20),
                    method=PaymentMethod.TRANSFER,
                    by=by,
                )
            else:
                credit_note = credit_note_issue(
                    invoice=invoice, by=by, reason="Geste", issued_on=D(2026, 7, 12)
                )
                keep("credit_note", credit_note.pk)
        purchase = purchase_request(
            cohort=cohort,
            by=by,
            description=f"Peinture {number}",
            supplier="Brico",
            category="materials",
            amount_incl_vat=M("36.00"),
            vat_amount=M("6.00"),
            receipt=SimpleUploadedFile("ticket.pdf", PDF_BYTES, content_type="application/pdf"),
        )
        meeting = meeting_create(
            cohort=cohort, kind=MeetingKind.ASSEMBLY, held_on=D(2026, 7, 2), agenda=f"AG {number}"
        )
        for closed in (False, True):  # an open vote, and one closed into a decision
            proposal = proposal_create(
                cohort=cohort,
                by=by,
                question=f"Tondre à {number} € ?",
                kind=ProposalKind.YES_NO,
                closes_at=timezone.now() + datetime.timedelta(days=7),
            )
            proposal_open(proposal=proposal)
            for member in members:
                ballot_cast(proposal=proposal, member=member, option=proposal.options.first())
            if closed:
                proposal_close(proposal=proposal)
        session = training_session_create(
            cohort=cohort,
            date=D(2026, 7, 6),
            starts_at=datetime.time(14),
            ends_at=datetime.time(16),
            topic=TrainingTopic.MARKETING,
            trainer_name=f"Morgane {number}",
            trainer_organisation="Formation",
        )
        attendance_record(session=session, present_member_ids=[member.pk for member in members])
        committee = committee_create(cohort=cohort, kind="marketing", name=f"Comité com {number}")
        committee_seat_assign(
            committee=committee, enrolment=enrolments[0], starts_on=D(2026, 6, 15)
        )
        for kind, pk in (
            ("client", client.pk),
            ("service", service.pk),
            ("quote", quote.pk),
            ("job", job.pk),
            ("slot", slot.pk),
            ("purchase", purchase.pk),
            ("meeting", meeting.pk),
            ("proposal", proposal.pk),
            ("session", session.pk),
            ("committee", committee.pk),
        ):
            keep(kind, pk)
    _fill_showcase(cohort, by=by, clients=clients, count=count, start=start, keep=keep)
    for enrolment in enrolments:
        keep("assessment", assessment_start(enrolment).pk)
    month = 6 + PayRun.objects.filter(cohort=cohort).count()
    if month <= 8:
        pay_run = pay_run_create(
            cohort=cohort,
            period_start=D(2026, month, 1),
            period_end=D(2026, month, 28),
            sharing_rule=SharingRule.EQUAL,
            retained_rate=M("10"),
            by=by,
        )
        keep("pay_run", pay_run.pk)
    return first


def _fill_showcase(
    cohort: Cohort,
    *,
    by: User,
    clients: list[CommerceClient],
    count: int,
    start: int,
    keep: Callable[[str, int | str], None],
) -> None:
    """The cohort's public page, published, with photos, testimonials and quote requests."""
    page = page_save(
        cohort=cohort, by=by, slug=f"requetes-{cohort.pk}", headline="Jardins et petits travaux"
    )
    page_set_published(page=page, by=by, published=True)
    for number, client in zip(range(start, start + count), clients, strict=True):
        photo = photo_upload(
            cohort=cohort,
            by=by,
            image=SimpleUploadedFile("haie.jpg", JPEG_BYTES, content_type="image/jpeg"),
            caption=f"Haie {number}",
        )
        photo_moderate(photo=photo, by=by, approve=True)
        keep("photo", photo.pk)
        client_testimonial_add(
            cohort=cohort,
            client=client,
            text=f"Travail soigné {number}",
            consent_given_on=D(2026, 7, 20),
        )
        quote_request_submit(
            cohort=cohort,
            kind="individual",
            name=f"Jeanne Voisine {number}",
            email=f"voisine{number}@example.org",
            need="Tondre la pelouse.",
            wished_on=timezone.localdate() + datetime.timedelta(days=10),
            address="4 rue des Lilas",
            postcode="56000",
            city="Vannes",
            ip_address_hash=f"hash-{number}",
        )


def _fill_public(cae: Cae, cohort_id: int, *, by: User, number: int) -> dict[str, int]:
    """A local committee of `cae` supporting the cohort, with a meeting and a partner's seat."""
    with schema_context("public"):
        local = local_committee_create(
            cae=cae, name=f"Comité local {number}", cohort_ids=[cohort_id]
        )
        local_meeting = committee_meeting_record(
            committee=local, held_on=D(2026, 7, 3), agenda=f"Point {number}"
        )
        organisation = organisation_get_or_create(
            name=f"Mission locale {number}", kind="mission_locale", town="Vannes"
        )
        partner = partner_person_get_or_create(
            organisation=organisation,
            first_name="Paule",
            last_name=f"Martin{number}",
            email=f"partenaire{number}@example.org",
        )
        seat = seat_add(committee=local, person=partner)
        skill = skill_create(
            code=f"requete-{number}", category="personal", label=f"Compétence {number}"
        )
    return {
        "local_committee": local.pk,
        "local_meeting": local_meeting.pk,
        "seat": seat.pk,
        "skill": skill.pk,
    }


def _publish(cae: Cae, *, by: User, cohort_ids: list[int]) -> list[tuple[int, int]]:
    """The CAE's facts stored nationally and a season report submitted per cohort."""
    with tenant_context(cae):
        facts = facts_of_schema()
    report_ids = []
    with schema_context("public"):
        facts_store(cae.schema_name, facts, complete=True)
        for cohort_id in cohort_ids:
            for number in (1, 2):
                photo = report_photo_add(
                    cae=cae,
                    cohort_id=cohort_id,
                    image=SimpleUploadedFile(f"ete{number}.jpg", JPEG_BYTES),
                    by=by,
                )
            report = report_submit(
                cae=cae, cohort_id=cohort_id, by=by, narrative="Une belle saison."
            )
            report_ids.append((report.pk, photo.pk))
    return report_ids


def _other_cae(number: int) -> Cae:
    """A registry row without a schema: the national pages only read the public schema."""
    identity = fictional_identity(700 + number, department="56")
    cae: Cae = Cae.objects.create(
        name=f"CAE Requêtes {number}",
        slug=f"requetes-{number}",
        schema_name=f"requetes_{number}",
        kind="cae",
        status="active",
        region=REGION_OF_DEPARTMENT["56"],
        department="56",
        **{key: identity[key] for key in ("legal_form", "siren", "siret", "vat_number")},
    )
    return cae


# --- Measuring -------------------------------------------------------------------------------


@dataclass
class Measure:
    status: int
    queries: int
    sql: list[str]


def _request(client: Client, path: str) -> Measure:
    # The log keeps 9 000 statements and is not emptied between captures: once full, a
    # capture would count nothing.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        if getattr(response, "streaming", False):
            streamed: Any = response  # files and exports query while they stream
            b"".join(streamed.streaming_content)
    # An answered page without any query would mean a broken capture (the session alone is one).
    assert response.status_code != 200 or len(captured) > 0, path
    return Measure(response.status_code, len(captured), [q["sql"] for q in captured])


LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+\b")
VALUES = re.compile(r"\((?:\?, )*\?\)")


def _template(sql: str) -> str:
    """The statement without its values: one N+1 query is one template run once per row."""
    return VALUES.sub("(?)", LITERAL.sub("?", sql))


def _repeated(before: list[str], after: list[str]) -> list[str]:
    """The statements run more often once the rows grew: a statement run once per row of a
    list runs 1 time with the fixture rows and 3 times after. One new statement run once (a
    batch load that an empty list skipped, e.g. the authors of the first audit events) is not a
    per-row query; everything is in the fixture already, so that should stay rare."""
    counted_before = Counter(_template(sql) for sql in before)
    counted_after = Counter(_template(sql) for sql in after)
    return sorted(
        f"{counted_before[template]} -> {count}: {template[:300]}"
        for template, count in counted_after.items()
        if count > max(counted_before[template], 1)
    )


def _paths(urlconf: str, ids: Ids) -> dict[str, str]:
    paths: dict[str, str] = {}
    for route, pattern in routes(get_resolver(urlconf)):
        path = fill(route, ids.value_of)
        if path is not None and _reads(pattern):
            paths[route] = path + QUERIES.get(route, "")
    return paths


def _reads(pattern: URLPattern) -> bool:
    """Whether the route's view answers GET: an API view without `get` only writes (it may
    refuse a GET with 403 before saying 405); a function view is asked (405 when it only
    writes)."""
    view_class = getattr(pattern.callback, "view_class", None) or getattr(
        pattern.callback, "cls", None
    )
    return view_class is None or hasattr(view_class, "get")


def _measure_all(client: Client, paths: dict[str, str]) -> dict[str, Measure]:
    """Every path once to warm up (per-process caches, the session, the audit trail's first
    rows written by these very requests), then every path measured."""
    for path in paths.values():
        _request(client, path)
    return {route: _request(client, path) for route, path in paths.items()}


def _check(
    before: dict[str, Measure],
    after: dict[str, Measure],
    not_measured: dict[str, str] | None,
    persona: str,
) -> list[str]:
    """The routes measured; fails on any growth and, when `not_measured` is given, on a route
    that does not answer and is not listed (or is listed but answers)."""
    grown = []
    unlisted = []
    measured = []
    for route, first in before.items():
        second = after[route]
        if first.status == 405:
            continue
        if first.status != 200 or second.status != 200:
            if not_measured is not None and route not in not_measured:
                unlisted.append(f"{route}: {first.status} then {second.status}")
            continue
        measured.append(route)
        if _repeated(first.sql, second.sql):
            grown.append(route)
    print(f"\nquery counts of {persona}: {len(measured)} routes measured (before, after)")
    for route in measured:
        print(f"  {before[route].queries:4d} {after[route].queries:4d}  {route}")
    if not_measured is not None:
        assert not unlisted, "routes that cannot be measured must be listed:\n" + "\n".join(
            unlisted
        )
        stale = [route for route in not_measured if route in measured or route not in before]
        assert not stale, f"listed as not measured but answering (or gone): {stale}"
    details = []
    for route in grown:
        details.append(
            f"{route}: {before[route].queries} -> {after[route].queries} queries\n      "
            + "\n      ".join(_repeated(before[route].sql, after[route].sql)[:5])
        )
    assert not grown, f"N+1 queries for {persona}:\n" + "\n".join(details)
    return measured


@dataclass
class Setting:
    alpha: Cae
    by: User
    cohort: Cohort
    ids: Ids
    voter: User  # a member of the cohort with an account: sees their own pages and votes
    partner: User  # seated on the local committee supporting the cohort


@pytest.fixture
def setting(cae_alpha: Cae) -> Setting:
    by = account("signataire@example.org")
    grant(by, cae_alpha, Role.CAE_STAFF)
    voter = account("requetes-membre@example.org")
    with tenant_context(cae_alpha):
        cohort = _cohort("Coopérative des requêtes")
        own = MemberFactory.create(first_name="Mael", last_name="Votant", user=voter)
        Enrolment.objects.create(member=own, cohort=cohort, enrolled_on=SEASON_START)
        ids: dict[str, int | str] = {"cohort": cohort.pk}
        ids.update(_fill_cohort(cohort, by=by, count=1, start=1))
    ids.update(_fill_public(cae_alpha, cohort.pk, by=by, number=1))
    ids["cae"] = cae_alpha.pk
    report_ids = _publish(cae_alpha, by=by, cohort_ids=[cohort.pk])
    ids["report"], ids["report_photo"] = report_ids[0]
    ids["slug"] = f"requetes-{cohort.pk}"
    grant(voter, cae_alpha, Role.MEMBER, cohort.pk)
    with schema_context("public"):
        partner = Seat.objects.select_related("person__user").get(pk=ids["seat"]).person.user
    assert partner is not None
    return Setting(
        alpha=cae_alpha, by=by, cohort=cohort, ids=Ids(ids), voter=voter, partner=partner
    )


def _grow(setting: Setting) -> None:
    """Two more rows of every kind in the same cohort, another full cohort, more CAEs."""
    with tenant_context(setting.alpha):
        _fill_cohort(setting.cohort, by=setting.by, count=2, start=2)
        other = _cohort("Autre coopérative")
        _fill_cohort(other, by=setting.by, count=2, start=10)
    for number in (2, 3):
        _fill_public(setting.alpha, setting.cohort.pk, by=setting.by, number=number)
    _fill_public(setting.alpha, other.pk, by=setting.by, number=4)
    _publish(setting.alpha, by=setting.by, cohort_ids=[other.pk])
    with schema_context("public"):
        for number in (1, 2, 3):
            _other_cae(number)


def _run(
    setting: Setting,
    clients: dict[str, Callable[[], Client]],
    urlconf: str,
    not_measured: dict[str, str],
) -> dict[str, list[str]]:
    """Every persona requests every route before and after the rows grew; the first persona's
    run also checks the list of routes not measured."""
    paths = _paths(urlconf, setting.ids)
    before = {persona: _measure_all(client_for(), paths) for persona, client_for in clients.items()}
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    _grow(setting)
    after = {persona: _measure_all(client_for(), paths) for persona, client_for in clients.items()}
    strict = next(iter(clients))
    return {
        persona: _check(
            before[persona], after[persona], not_measured if persona == strict else None, persona
        )
        for persona in clients
    }


def _signed_in(cae: Cae | None, user: User) -> Callable[[], Client]:
    return lambda: sign_in(site_client(cae), user)


def test_no_page_or_endpoint_of_a_cae_grows_its_queries_with_its_rows(setting: Setting) -> None:
    """A CAE's admin, an animateur·rice and a member of the cohort, and a partner of its local
    committee request every route of the CAE's site before and after the rows grew."""
    admin = account("requetes-admin@example.org")
    grant(admin, setting.alpha, Role.CAE_ADMIN)
    animateur = account("requetes-animateur@example.org")
    grant(animateur, setting.alpha, Role.ANIMATEUR, setting.cohort.pk)
    clients = {
        "cae_admin": _signed_in(setting.alpha, admin),
        "animateur": _signed_in(setting.alpha, animateur),
        "member": _signed_in(setting.alpha, setting.voter),
        "partner": _signed_in(setting.alpha, setting.partner),
    }

    measured = _run(setting, clients, TENANT_URLCONF, NOT_MEASURED_CAE)

    assert len(measured["cae_admin"]) > 100
    assert len(measured["member"]) > 30
    assert len(measured["partner"]) > 5


def test_no_page_or_endpoint_of_the_network_grows_its_queries_with_its_rows(
    setting: Setting,
) -> None:
    """A national coordinator requests every route of the national site before and after."""
    coordinator = account("requetes-coordination@example.org", is_coordinator=True)

    measured = _run(
        setting,
        {"coordinator": _signed_in(None, coordinator)},
        PUBLIC_URLCONF,
        NOT_MEASURED_NETWORK,
    )

    assert len(measured["coordinator"]) > 20


@pytest.mark.parametrize("urlconf", [TENANT_URLCONF, PUBLIC_URLCONF])
def test_every_read_operation_of_the_openapi_schema_is_walked(urlconf: str) -> None:
    """The walk above takes its routes from the resolver; every GET operation the API
    documents (its list endpoints included) is among them."""
    generator = SchemaGenerator(urlconf=urlconf)  # type: ignore[no-untyped-call]
    schema = generator.get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    documented = {path for path, operations in schema["paths"].items() if "get" in operations}
    walked = {
        "/" + KWARG.sub(lambda match: "{" + match["name"] + "}", route)
        for route in _paths(urlconf, Ids())
    }

    assert len(documented) > (50 if urlconf == TENANT_URLCONF else 10)
    assert documented - walked == set()
