"""`make demo`'s data: realistic cohorts of each programme, with their members, services, clients
and invoices, built through the services and built once."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.utils import timezone
from django.utils.html import escape
from django_tenants.utils import schema_context, tenant_context
from pytest_django.fixtures import Settings

from coopilote.accounts.models import Membership, Role, User
from coopilote.tasking.models import OutboxMessage
from frontend.demo.plan import SHARING_VOTE_QUESTION
from network.committees.models import (
    LocalCommittee,
    PartnerOrganisation,
    PartnerPerson,
    Seat,
    SupportedCohort,
)
from network.indicators.models import CohortFact
from network.payments.models import PaymentEvent
from network.registry.models import Cae
from network.reports.models import SeasonReport, SeasonReportSubmission
from network.reports.selectors import reporting_completeness
from tenants.billing.models import CreditNote, Invoice, InvoiceLine, NumberCounter, Payment
from tenants.billing.selectors import Settlement, invoice_balance, jobs_to_invoice
from tenants.cohorts.models import Cohort, CohortTransition
from tenants.cohorts.rules import PROGRAMME_RULES, age_on
from tenants.commerce.models import (
    Client,
    ClientContact,
    Job,
    JobAssignment,
    JobSlot,
    Quote,
    QuoteLine,
    Service,
)
from tenants.governance.models import Attendance as MeetingAttendance
from tenants.governance.models import (
    Ballot,
    Decision,
    Elector,
    Meeting,
    Option,
    Participation,
    Proposal,
)
from tenants.governance.rules import vote_outcome
from tenants.governance.selectors import ballot_counts
from tenants.ledger.models import Purchase
from tenants.pay.models import PayLine, PayRun
from tenants.people.models import (
    Committee,
    CommitteeSeat,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Guardian,
    Member,
)
from tenants.showcase.models import FirstNameConsent, PublicPage, ShowcasePhoto, Testimonial
from tenants.showcase.selectors import public_first_names
from tenants.showcase.services import DIRECTORY_TASK
from tenants.skills.models import SkillAssessment, SkillRating
from tenants.trainings.models import Attendance as TrainingAttendance
from tenants.trainings.models import TrainingSession
from tenants.trainings.selectors import training_members_of_day
from tests.conftest import sign_in, site_client
from tests.tenants.ledger.helpers import assert_balanced

# CAE slug → cohort name → (programme, status, members, of whom withdrawn, women, animateurs)
EXPECTED_COHORTS = {
    "sitelle": {
        "CJM de Saint-Avé": ("CJM", "closed", 10, 1, 5, ["animation1@sitelle.localhost"]),
        "Ker Coop (Kercado)": ("CT", "closed", 9, 1, 8, ["animation2@sitelle.localhost"]),
        "La Belle Coop": ("CT", "closed", 13, 2, 9, ["animation2@sitelle.localhost"]),
        "CJS de Vannes": (
            "CJS",
            "closed",
            12,
            1,
            6,
            ["animation1@sitelle.localhost", "animation2@sitelle.localhost"],
        ),
    },
    "lorient": {
        "CJS de Lorient": (
            "CJS",
            "closed",
            12,
            1,
            6,
            ["animation1@lorient.localhost", "animation2@lorient.localhost"],
        ),
        "CJM de Lorient 2026-2027": ("CJM", "running", 8, 0, 4, ["animation1@lorient.localhost"]),
    },
}
# Cohort name → (services, clients, invoices issued, submitted, drafts)
EXPECTED_COMMERCE = {
    "CJM de Saint-Avé": (3, 7, 11, 0, 0),
    "Ker Coop (Kercado)": (3, 6, 16, 0, 0),
    "La Belle Coop": (3, 8, 11, 0, 0),
    "CJS de Vannes": (3, 6, 10, 0, 0),
    "CJS de Lorient": (3, 6, 8, 0, 0),
    "CJM de Lorient 2026-2027": (2, 3, 3, 1, 1),
}
IN_CHARGE = {"sitelle": "accompagnement@sitelle.localhost", "lorient": "admin@lorient.localhost"}
DEMO_TODAY = datetime.date(2026, 11, 23)
TENANT_MODELS = (
    Cohort,
    CohortTransition,
    Member,
    Guardian,
    Enrolment,
    Committee,
    CommitteeSeat,
    Service,
    Client,
    ClientContact,
    Invoice,
    InvoiceLine,
    NumberCounter,
    Job,
    JobSlot,
    JobAssignment,
    Quote,
    QuoteLine,
    Payment,
    CreditNote,
    Purchase,
    TrainingSession,
    TrainingAttendance,
    Meeting,
    MeetingAttendance,
    Proposal,
    Option,
    Elector,
    Participation,
    Ballot,
    Decision,
    PayRun,
    PayLine,
    SkillAssessment,
    SkillRating,
    PublicPage,
    FirstNameConsent,
    Testimonial,
)
PUBLIC_MODELS: tuple[Any, ...] = (
    LocalCommittee,
    SupportedCohort,
    PartnerOrganisation,
    SeasonReport,
    SeasonReportSubmission,
    CohortFact,
)


def _demo_setup() -> str:
    output = StringIO()
    call_command("demo_setup", stdout=output)
    return output.getvalue()


def _row_counts() -> dict[str, int]:
    counts = {
        "accounts": User.objects.count(),
        "memberships": Membership.objects.count(),
        "partners": PartnerPerson.objects.count(),
        "seats": Seat.objects.count(),
    }
    for model in PUBLIC_MODELS:
        counts[model._meta.label] = model.objects.count()
    for slug in EXPECTED_COHORTS:
        with tenant_context(Cae.objects.get(slug=slug)):
            for model in TENANT_MODELS:
                counts[f"{slug}.{model._meta.label}"] = model.objects.count()
    return counts


def _stored_files(media_root: Path) -> list[Path]:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def test_demo_setup_builds_realistic_cohorts_once(
    db: None, settings: Settings, tmp_path: Path
) -> None:
    # Given uploaded files kept out of the data directory (a fresh storage sees the new root)
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES}

    # When the demo is set up twice
    first_output = _demo_setup()
    counts_after_first_run = _row_counts()
    files_after_first_run = _stored_files(tmp_path)
    second_output = _demo_setup()

    # Then the second run changed nothing and said the same
    assert _row_counts() == counts_after_first_run
    assert _stored_files(tmp_path) == files_after_first_run
    assert second_output == first_output
    assert (
        "  - CAE Sitelle (Vannes) : CJM de Saint-Avé (CJM, terminée, 10 coopérant·es, dont 1 "
        "sorti·e, 3 prestations, 7 clients, 11 factures émises, 8 ateliers) ; Ker Coop "
        "(Kercado) (CT, terminée, 9 coopérant·es, dont 1 sorti·e, 3 prestations, 6 clients, "
        "16 factures émises, 10 ateliers) ; La Belle Coop (CT, terminée, 13 coopérant·es, dont "
        "2 sorti·es, 3 prestations, 8 clients, 11 factures émises, 13 ateliers) ; CJS de Vannes "
        "(CJS, terminée, 12 coopérant·es, dont 1 sorti·e, 3 prestations, 6 clients, 10 "
        "factures émises, 6 ateliers)\n"
    ) in first_output
    assert (
        "  - CAE de Lorient : CJS de Lorient (CJS, terminée, 12 coopérant·es, dont 1 sorti·e, "
        "3 prestations, 6 clients, 8 factures émises, 6 ateliers) ; CJM de Lorient 2026-2027 "
        "(CJM, en activité, 8 coopérant·es, 2 prestations, 3 clients, 3 factures émises, "
        "9 ateliers)\n"
    ) in first_output
    assert "  - animation2@lorient.localhost\n" in first_output

    # And each cohort has its programme, status, members and animateurs
    staff = User.objects.get(email="accompagnement@sitelle.localhost")
    for slug, expected_cohorts in EXPECTED_COHORTS.items():
        cae = Cae.objects.get(slug=slug)
        with tenant_context(cae):
            assert sorted(Cohort.objects.values_list("name", flat=True)) == sorted(expected_cohorts)
            for name, expected in expected_cohorts.items():
                programme, status, members, withdrawn, women, animateurs = expected
                cohort = Cohort.objects.get(name=name)
                enrolments = Enrolment.objects.filter(cohort=cohort).select_related("member")
                assert (cohort.programme, cohort.status) == (programme, status)
                assert enrolments.count() == members
                assert enrolments.filter(status=EnrolmentStatus.WITHDRAWN).count() == withdrawn
                assert enrolments.filter(member__gender=Gender.FEMALE).count() == women
                rule = PROGRAMME_RULES[cohort.programme]
                for enrolment in enrolments:
                    age = age_on(enrolment.member.birth_date, cohort.starts_on)
                    assert rule.accepts_age(age), (name, enrolment.member.first_name, age)
                assert sorted(
                    Membership.objects.active()
                    .filter(cae=cae, role=Role.ANIMATEUR, cohort_id=cohort.pk)
                    .values_list("user__email", flat=True)
                ) == sorted(animateurs)
                assert sorted(cohort.committees.values_list("kind", flat=True)) == [
                    "finance",
                    "hr",
                    "marketing",
                ]
                # One seat each from the start, then one rotation for those still there
                seats = CommitteeSeat.objects.filter(committee__cohort=cohort)
                assert seats.count() == 2 * members - withdrawn
                assert seats.filter(ends_on__isnull=True).count() == members - withdrawn
                if status == "closed":
                    assert list(cohort.transitions.values_list("to_status", flat=True)) == [
                        "recruiting",
                        "running",
                        "closed",
                    ]
                    assert enrolments.exclude(outcome="").count() > members // 2
                else:
                    assert not enrolments.exclude(outcome="").exists()
                if slug == "sitelle":
                    assert cohort.staff_in_charge == staff

            # And every minor has a guardian with a signed authorisation on file (a real PDF)
            for enrolment in Enrolment.objects.filter(cohort__programme="CJS").select_related(
                "member", "cohort"
            ):
                if age_on(enrolment.member.birth_date, enrolment.cohort.starts_on) >= 18:
                    continue
                (guardian,) = enrolment.member.guardians.all()
                with guardian.authorisation_file.open("rb") as authorisation:
                    assert authorisation.read().startswith(b"%PDF-1.4\n")

    with tenant_context(Cae.objects.get(slug="lorient")):
        assert Guardian.objects.count() == 10
    with tenant_context(Cae.objects.get(slug="sitelle")):
        # the summer CJS's minors only: the CJM and CT members are adults
        assert Guardian.objects.count() == 10
        assert set(Guardian.objects.values_list("member__enrolments__cohort__name", flat=True)) == {
            "CJS de Vannes"
        }
        ker_coop = Cohort.objects.get(name="Ker Coop (Kercado)")
        assert (ker_coop.territory_kind, ker_coop.territory_name, ker_coop.qpv_code) == (
            "qpv",
            "Kercado",
            "QN05601M",
        )
    # authorisations in each CAE, then 2 receipts and a public page's photo a cohort
    assert len(files_after_first_run) == 10 + 10 + 3 * 6

    # And each CAE has its local committee; its partners read the cohorts it supports
    assert (
        "  - partenaire@sitelle.localhost (partenaire, Comité local de Vannes, Comité local de "
        "Saint-Avé)\n"
    ) in first_output
    assert Seat.objects.filter(committee__name="Comité local de Vannes").count() == 5
    assert Seat.objects.filter(committee__name="Comité local de Saint-Avé").count() == 7
    assert Seat.objects.filter(committee__name="Comité local de Lorient").count() == 4
    assert set(
        PartnerOrganisation.objects.filter(people__seats__committee__cae__slug="sitelle")
        .values_list("kind", flat=True)
        .distinct()
    ) == {"mission_locale", "municipality", "housing", "association", "company"}
    assert set(
        PartnerOrganisation.objects.filter(people__seats__committee__cae__slug="lorient")
        .values_list("kind", flat=True)
        .distinct()
    ) == {"mission_locale", "municipality", "youth_hostel", "company"}
    sitelle = Cae.objects.get(slug="sitelle")
    with tenant_context(sitelle):
        supported = set(Cohort.objects.values_list("pk", flat=True))  # both committees
    assert (
        set(
            Membership.objects.active()
            .filter(user__email="partenaire@sitelle.localhost", cae=sitelle, role=Role.PARTNER)
            .values_list("cohort_id", flat=True)
        )
        == supported
    )

    # And the national figures are there at once: one row of facts per cohort
    assert CohortFact.objects.count() == sum(len(cohorts) for cohorts in EXPECTED_COHORTS.values())
    assert CohortFact.objects.get(name="Ker Coop (Kercado)").members == 9

    # And the national coordinator sees the network without any role in a CAE
    coordinator = User.objects.get(email="coordination@coopilote.localhost")
    assert coordinator.is_coordinator
    assert not Membership.objects.filter(user=coordinator).exists()


def test_demo_setup_sells_services_to_clients_and_issues_numbered_invoices(
    db: None, settings: Settings, tmp_path: Path
) -> None:
    # Given uploaded files kept out of the data directory
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES}

    # When the demo is set up
    _demo_setup()

    # Then each cohort has its services, the clients it found and its invoices
    for slug, expected_cohorts in EXPECTED_COHORTS.items():
        in_charge = User.objects.get(email=IN_CHARGE[slug])
        with tenant_context(Cae.objects.get(slug=slug)):
            numbers_by_year: dict[int, list[tuple[datetime.date, str]]] = defaultdict(list)
            for name in expected_cohorts:
                services, clients, issued, submitted, drafts = EXPECTED_COMMERCE[name]
                cohort = Cohort.objects.get(name=name)
                assert cohort.services.count() == services
                assert cohort.clients_found.count() == clients
                invoices = Invoice.objects.filter(cohort=cohort)
                assert invoices.filter(status="issued").count() == issued
                assert invoices.filter(status="submitted").count() == submitted
                assert invoices.filter(status="draft").count() == drafts
                assert set(cohort.services.values_list("vat_rate", flat=True)) <= {
                    Decimal("20.0"),
                    Decimal("10.0"),
                }
                for client in cohort.clients_found.all():
                    if client.kind == "individual":
                        assert (client.siret, client.vat_number) == ("", "")
                    else:
                        assert client.siret.startswith("99")
                        assert client.contacts.exists()
                    if client.kind == "company":
                        assert client.vat_number == f"{client.vat_number[:4]}{client.siren}"
                for invoice in invoices.prefetch_related("lines"):
                    assert cohort.starts_on <= invoice.sale_date <= cohort.ends_on
                    assert invoice.sale_date <= DEMO_TODAY
                    assert 1 <= len(invoice.lines.all()) <= 2
                    for line in invoice.lines.all():
                        service = cohort.services.get(name=line.description)
                        assert (line.unit, line.unit_price_excl_vat, line.vat_rate) == (
                            service.unit,
                            service.unit_price_excl_vat,
                            service.vat_rate,
                        )
                    # every line bills a job done by members of the cohort, on the sale date
                    for line in invoice.lines.all():
                        assert line.job is not None
                        assert line.job.slots.get().date == invoice.sale_date
                        hours = [a.hours_worked for a in line.job.assignments.all()]
                        assert len(hours) in (2, 3)
                        assert set(hours) == {Decimal(3)}
                        expected_status = "invoiced" if invoice.status == "issued" else "done"
                        assert line.job.status == expected_status
                    if invoice.status != "draft":
                        assert invoice.submitted_by is not None
                    if invoice.status == "issued":
                        assert invoice.issued_by == in_charge
                        assert invoice.issued_on is not None
                        assert invoice.sale_date < invoice.issued_on <= DEMO_TODAY
                        assert invoice.total_incl_vat > invoice.total_excl_vat > 0
                        numbers_by_year[invoice.issued_on.year].append(
                            (invoice.issued_on, invoice.number)
                        )
                    else:
                        assert invoice.number == ""

            # And the numbers follow the default template, gap-free and chronological per year
            for year, issued_invoices in numbers_by_year.items():
                issued_invoices.sort()
                numbers = [number for _issued_on, number in issued_invoices]
                assert numbers == [f"F{year}-{n:05d}" for n in range(1, len(numbers) + 1)]
                assert all(re.fullmatch(r"F\d{4}-\d{5}", number) for number in numbers)

    with tenant_context(Cae.objects.get(slug="sitelle")):
        years = Invoice.objects.filter(status="issued").values_list("issued_on__year", flat=True)
        assert sorted(set(years)) == [2015, 2017, 2018, 2019, 2026]
        assert Invoice.objects.get(number="F2015-00001").cohort.name == "CJM de Saint-Avé"
        # And most invoices are paid; the last two of each cohort wait, one half paid
        sitelle_issued = Invoice.objects.filter(status="issued")
        settlements = [invoice_balance(invoice=invoice).settlement for invoice in sitelle_issued]
        assert settlements.count(Settlement.PAID) == 48 - 2 * 4
        assert CreditNote.objects.count() == 4  # one goodwill gesture per cohort
        assert Payment.objects.filter(invoice__number="F2015-00001").get().amount > 0
    with tenant_context(Cae.objects.get(slug="lorient")):
        assert Invoice.objects.filter(number__startswith="F2026-").count() == 8 + 3
        # And the running cohort has quotes: accepted (its jobs planned), sent, declined, draft
        running = Cohort.objects.get(name="CJM de Lorient 2026-2027")
        assert sorted(running.quotes.values_list("status", flat=True)) == [
            "accepted",
            "declined",
            "draft",
            "sent",
        ]
        accepted = running.quotes.get(status="accepted")
        (planned,) = Job.objects.filter(quote_line__quote=accepted)
        assert planned.status == "planned"
        assert planned.slots.count() == 2
        assert planned.assignments.count() == 2
        assert jobs_to_invoice(cohort_id=running.pk).count() == 1
        # And a client paid half of the last invoice online (dummy provider, signed events)
        (online,) = Payment.objects.filter(method="card")
        assert online.invoice.number == "F2026-00011"
        assert online.provider_reference.startswith("pi_dummy_")
        assert online.attempt is not None
    # And every cohort bought things (approved, paid, booked), the closed ones shared their
    # result; every CAE's books balance
    for slug in EXPECTED_COHORTS:
        with tenant_context(Cae.objects.get(slug=slug)):
            assert_balanced()
            for cohort in Cohort.objects.all():
                statuses = sorted(cohort.purchases.values_list("status", flat=True))
                if cohort.status == "closed":
                    assert statuses == ["paid", "paid"]
                    (run,) = cohort.pay_runs.all()
                    assert run.status in ("decided", "exported")
                    lines = sum(line.amount for line in run.lines.all())
                    assert lines + run.retained_amount == run.amount_to_share > 0
                else:
                    assert statuses == ["paid", "requested"]
                    assert not cohort.pay_runs.exists()
    with schema_context("public"):
        assert PaymentEvent.objects.filter(schema_name="cae_lorient").count() == 2
        accounts = Cae.objects.filter(slug__in=["sitelle", "lorient"]).values_list(
            "slug", "payment_account"
        )
        assert dict(accounts) == {"sitelle": "acct_dummy_sitelle", "lorient": "acct_dummy_lorient"}


# Cohort name → (members, jobs done, clients, ateliers): the seeds' figures for Sitelle's three
# historical cohorts (Ker Coop's clients are not in the seeds), the plan's for the others.
EXPECTED_FIGURES = {
    "CJM de Saint-Avé": (10, 11, 7, 8),
    "Ker Coop (Kercado)": (9, 16, 6, 10),
    "La Belle Coop": (13, 11, 8, 13),
    "CJS de Vannes": (12, 10, 6, 6),
    "CJS de Lorient": (12, 8, 6, 6),
    # 3 invoices issued, 1 submitted, 1 draft, 1 job done waiting for its invoice
    "CJM de Lorient 2026-2027": (8, 6, 3, 9),
}
EXPECTED_REPORTS = {
    "CJM de Saint-Avé": "approved",
    "Ker Coop (Kercado)": "approved",
    "La Belle Coop": "returned",
    "CJS de Vannes": "submitted",
}


def _indicator(html: str, key: str) -> str:
    """The value the dashboard shows for an indicator (its row's first cell)."""
    match = re.search(rf'<tr id="indicator-{key}">.*?<td>(.*?)</td>', html, re.S)
    assert match, key
    return match.group(1)


def _rated(assessment: SkillAssessment) -> int:
    return sum(rating.agreed_level or 0 for rating in assessment.ratings.all())


def test_demo_setup_lives_the_cooperative_life_the_dashboard_shows(
    db: None, settings: Settings, tmp_path: Path
) -> None:
    # Given uploaded files kept out of the data directory
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES}

    # When the demo is set up
    _demo_setup()

    # Then the national dashboard shows each cohort's members, jobs and clients as planned,
    # and the store holds its ateliers
    coordinator = User.objects.get(email="coordination@coopilote.localhost")
    dashboard = sign_in(site_client(), coordinator)
    for slug, expected_cohorts in EXPECTED_COHORTS.items():
        cae = Cae.objects.get(slug=slug)
        with tenant_context(cae):
            cohort_ids = dict(Cohort.objects.values_list("name", "pk"))
        for name in expected_cohorts:
            members, jobs, clients, workshops = EXPECTED_FIGURES[name]
            response = dashboard.get("/indicateurs/", {"cae": cae.pk, "cohort": cohort_ids[name]})
            assert response.status_code == 200
            html = response.content.decode()
            assert f"<p>{cae.name} — {name}</p>" in html
            figures = (_indicator(html, "members"), _indicator(html, "jobs_done"))
            assert figures == (str(members), str(jobs)), name
            assert _indicator(html, "clients") == str(clients), name
            fact = CohortFact.objects.get(cae=cae, cohort_id=cohort_ids[name])
            assert (fact.members, fact.jobs_done, fact.training_sessions) == (
                members,
                jobs,
                workshops,
            )
            assert fact.meetings == 2  # the opening assembly and the vote's

    for slug in EXPECTED_COHORTS:
        with tenant_context(Cae.objects.get(slug=slug)):
            for cohort in Cohort.objects.all():
                enrolments = Enrolment.objects.filter(cohort=cohort)
                stayed = enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
                closed = cohort.status == "closed"

                # And the ateliers held have their attendance (a few absent each time); those
                # to come have none
                for session in TrainingSession.objects.filter(cohort=cohort):
                    rows = TrainingAttendance.objects.filter(session=session)
                    if session.date > DEMO_TODAY:
                        assert not rows.exists()
                        continue
                    present = rows.filter(present=True).count()
                    assert (
                        0
                        < present
                        < rows.count()
                        == len(training_members_of_day(cohort_id=cohort.pk, day=session.date))
                    )

                # And a closed cohort voted its sharing rule; its pay run applies that decision
                if closed:
                    (run,) = PayRun.objects.filter(cohort=cohort)
                    decision = run.decision
                    assert decision is not None
                    assert decision.adopted
                    assert decision.cohort_id == cohort.pk
                    assert decision.proposal.question == SHARING_VOTE_QUESTION
                    assert decision.winning_option is not None
                    assert decision.winning_option.label == "Au prorata des heures travaillées"
                    assert run.sharing_rule == "pro_rata_hours"
                    assert run.decided_at == decision.closed_at
                    assert run.decided_at.date() < cohort.ends_on
                    assert (
                        decision.electorate_size,
                        decision.participants,
                        decision.abstentions,
                    ) == (stayed, stayed - 1, 1)
                    assert Ballot.objects.filter(proposal=decision.proposal).count() == stayed - 1
                    expected_status = "exported" if cohort.ends_on.year < 2026 else "decided"
                    assert run.status == expected_status
                    assert run.lines.filter(amount__gt=0).count() == stayed
                else:  # the running cohort's vote is open, five members have voted
                    (proposal,) = Proposal.objects.filter(cohort=cohort)
                    assert proposal.status == "open"
                    assert Participation.objects.filter(proposal=proposal).count() == 5
                    assert proposal.closes_at > timezone.now()
                    # and counted now, it would be adopted (quorum reached, a majority for)
                    counts = ballot_counts(proposal=proposal)
                    in_favour = proposal.options.order_by("position").first()
                    assert in_favour is not None
                    assert vote_outcome(
                        electorate_size=counts.electorate_size,
                        votes=counts.votes,
                        abstentions=counts.abstentions,
                        quorum_percent=proposal.quorum_percent,
                        majority_rule=proposal.majority_rule,
                        adopting_option=in_favour.pk,
                    ).adopted
                    assert not PayRun.objects.filter(cohort=cohort).exists()

                # And every member assessed their skills at entry; in a closed cohort those who
                # stayed did at exit too, higher, and every assessment was gone through
                entries = SkillAssessment.objects.filter(enrolment__cohort=cohort, phase="entry")
                exits = SkillAssessment.objects.filter(enrolment__cohort=cohort, phase="exit")
                assert entries.count() == enrolments.count()
                if closed:
                    assert set(entries.values_list("status", flat=True)) == {"reviewed"}
                    assert exits.count() == stayed
                    assert set(exits.values_list("status", flat=True)) == {"reviewed"}
                    for exit_assessment in exits:
                        entry = entries.get(enrolment_id=exit_assessment.enrolment_id)
                        assert _rated(exit_assessment) > _rated(entry)
                else:
                    assert sorted(entries.values_list("status", flat=True)) == [
                        "draft",
                        *["reviewed"] * (enrolments.count() - 2),
                        "submitted",
                    ]
                    assert not exits.exists()

                # And its public page is published, with its services and the first names of
                # the members who agreed (not the others)
                page = PublicPage.objects.get(cohort=cohort)
                assert page.is_published
                names = public_first_names(cohort=cohort)
                assert 0 < len(names) < stayed
                consenting = FirstNameConsent.objects.filter(cohort=cohort)
                assert consenting.count() == enrolments.count() - enrolments.count() // 4
                public = site_client(Cae.objects.get(slug=slug)).get(f"/c/{page.slug}/")
                assert public.status_code == 200
                html = public.content.decode()
                assert escape(page.headline) in html
                for service in cohort.services.all():
                    assert escape(service.name) in html
                (photo,) = ShowcasePhoto.objects.filter(cohort=cohort)
                assert photo.status == "approved"
                photo_path = f"/c/{page.slug}/photos/{photo.pk}/"
                assert f'src="{photo_path}"' in html
                photo_response = site_client(Cae.objects.get(slug=slug)).get(photo_path)
                assert photo_response.status_code == 200
                assert b"".join(photo_response).startswith(b"\x89PNG\r\n\x1a\n")
                testimonials = Testimonial.objects.filter(cohort=cohort, is_published=True)
                assert testimonials.count() == (0 if cohort.status == "running" else 1)
                for testimonial in testimonials:
                    assert escape(testimonial.text) in html
                first_names = [e.member.first_name for e in enrolments.select_related("member")]
                assert len(set(first_names)) == len(first_names)  # so a name tells who
                for enrolment in enrolments.select_related("member"):
                    agreed = consenting.filter(member=enrolment.member).exists()
                    shown = enrolment.member.first_name in names
                    assert shown == (agreed and enrolment.status == EnrolmentStatus.ENROLLED)
            # And the national directory is told of every page (the worker applies it)
            directory_messages = OutboxMessage.objects.filter(task_name=DIRECTORY_TASK)
            assert directory_messages.count() == Cohort.objects.count()

    # And the season reports: approved, sent back with a comment, awaiting review, missing
    assert dict(SeasonReport.objects.values_list("cohort_name", "status")) == EXPECTED_REPORTS
    returned = SeasonReport.objects.get(cohort_name="La Belle Coop")
    assert returned.review_comment.startswith("Pouvez-vous décrire")
    assert returned.submissions.get().outcome == "returned"
    assert set(
        SeasonReport.objects.filter(status="approved").values_list("reviewed_by", flat=True)
    ) == {coordinator.pk}
    completeness = {row.cae_name: row for row in reporting_completeness()}
    sitelle, lorient = completeness["CAE Sitelle (Vannes)"], completeness["CAE de Lorient"]
    assert (sitelle.ended, sitelle.approved, sitelle.submitted, sitelle.returned) == (4, 2, 1, 1)
    assert (sitelle.missing, sitelle.late) == (0, 1)  # the returned one waits for its fix
    assert (lorient.ended, lorient.missing, lorient.late) == (1, 1, 1)
