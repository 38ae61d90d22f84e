"""The national store: fed incrementally after each change in a CAE (outbox → task) and rebuilt
from scratch; both paths must give the same figures. Figures are aggregates, masked when small."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.forms.models import model_to_dict
from django_tenants.utils import tenant_context

from coopilote.celery import app
from coopilote.tasking.models import OutboxMessage
from network.committees.services import (
    local_committee_create,
    organisation_get_or_create,
    partner_person_get_or_create,
    seat_add,
    seat_end,
)
from network.indicators.definitions import MASK_BELOW
from network.indicators.models import CohortFact
from network.indicators.selectors import (
    Filters,
    indicator_table,
    indicator_totals,
    partner_organisations,
)
from network.indicators.services import facts_rebuild, facts_store
from network.registry.models import Cae
from tenants.billing.services import (
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_submit,
)
from tenants.cohorts.facts import facts_of_schema
from tenants.cohorts.models import Cohort
from tenants.cohorts.services import cohort_create, cohort_transition, cohort_update
from tenants.cohorts.tasks import cohort_facts_publish_task
from tenants.commerce.services import (
    job_create,
    job_hours_record,
    job_mark_done,
    job_member_assign,
    job_slot_add,
)
from tenants.people.models import Enrolment
from tenants.people.services import enrolment_withdraw, member_enrol
from tests.conftest import World
from tests.tenants.commerce.factories import ClientFactory
from tests.tenants.people.factories import MemberFactory, born_aged

pytestmark = pytest.mark.django_db

COMPARED = [
    field.name
    for field in CohortFact._meta.local_fields
    if field.name not in {"id", "computed_at", "stored_at"}
]


def _publish_pending(cae: Cae) -> int:
    """Run the facts tasks the CAE's outbox holds, as the relay and a worker would."""
    with tenant_context(cae):
        pending = list(
            OutboxMessage.objects.filter(task_name="cohorts.facts_publish", sent_at__isnull=True)
        )
        for message in pending:
            cohort_facts_publish_task.apply(kwargs=message.kwargs, throw=True)
        OutboxMessage.objects.filter(pk__in=[m.pk for m in pending]).delete()
    return len(pending)


def _stored() -> dict[tuple[int, int], dict[str, Any]]:
    return {
        (fact.cae_id, fact.cohort_id): model_to_dict(fact, fields=COMPARED)
        for fact in CohortFact.objects.all()
    }


def _random_activity(world: World, rng: random.Random) -> None:
    """Cohorts, members, withdrawals, jobs with hours and issued invoices, at random, through
    the services (so through their publishing hooks)."""
    staff = world.personas["staff"]
    today = datetime.date(2026, 7, 1)
    with tenant_context(world.cae):
        for number in range(rng.randint(1, 3)):
            cohort = cohort_create(
                name=f"CT {number}",
                programme="CT",
                starts_on=datetime.date(2026, 3, 2),
                ends_on=datetime.date(2026, 6, 26),
                people_informed=rng.randint(0, 60),
                applicants=rng.randint(0, 20),
            )
            cohort_transition(cohort=cohort, to_status="recruiting", reason="Ouverture", by=staff)
            enrolments = []
            for person in range(rng.randint(0, 9)):
                member = MemberFactory.create(
                    first_name=f"P{person}",
                    birth_date=born_aged(rng.randint(18, 60), on=cohort.starts_on),
                    gender=rng.choice(["female", "male", "other"]),
                    qpv_resident=rng.random() < 0.5,
                    status_at_entry=rng.choice(["school", "jobseeker", "employed", "other"]),
                )
                enrolment = member_enrol(member=member, cohort=cohort, enrolled_on=cohort.starts_on)
                enrolments.append(enrolment)
                if rng.random() < 0.2:
                    enrolment_withdraw(
                        enrolment=enrolment, withdrawn_on=datetime.date(2026, 4, 1), reason="Départ"
                    )
            client = (
                ClientFactory.create()
                if rng.random() < 0.5
                else ClientFactory.create(kind="individual", siret="", vat_number="")
            )
            for _job in range(rng.randint(0, 3)):
                job = job_create(
                    cohort=cohort,
                    client=client,
                    quantity=Decimal(rng.randint(1, 5)),
                    title="Jardinage",
                    unit="hour",
                    unit_price_excl_vat=Decimal("15.00"),
                    vat_rate=Decimal("20.0"),
                )
                job_slot_add(
                    job=job,
                    date=datetime.date(2026, 4, 2),
                    starts_at=datetime.time(9),
                    ends_at=datetime.time(12),
                )
                active = [e for e in enrolments if e.is_enrolled]
                if active:
                    assignment = job_member_assign(job=job, member=active[0].member)
                    job_hours_record(assignment=assignment, hours=Decimal(rng.randint(1, 6)))
                job_mark_done(job=job)
            if rng.random() < 0.7:
                invoice = invoice_draft_create(cohort=cohort, client=client, sale_date=today)
                invoice_line_add(
                    invoice=invoice,
                    description="Jardinage",
                    quantity=Decimal(rng.randint(1, 9)),
                    unit="hour",
                    unit_price_excl_vat=Decimal("15.00"),
                    vat_rate=Decimal("20.0"),
                )
                invoice_submit(invoice=invoice, by=staff)
                invoice_issue(invoice=invoice, by=staff, issued_on=today)
            if rng.random() < 0.5:
                cohort_update(cohort=cohort, applicants=cohort.applicants + 1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_publishing_and_rebuild_agree(world: World, seed: int) -> None:
    rng = random.Random(seed)
    facts_rebuild(caes=[world.cae])  # the store as the nightly rebuild left it
    _random_activity(world, rng)

    assert _publish_pending(world.cae) > 0
    incremental = _stored()
    CohortFact.objects.all().delete()
    facts_rebuild(caes=[world.cae])
    rebuilt = _stored()

    assert rebuilt == incremental
    with tenant_context(world.cae):
        assert set(Cohort.objects.values_list("pk", flat=True)) == {
            cohort_id for _cae, cohort_id in rebuilt
        }


def test_the_rebuild_commits_cae_by_cae(
    world: World, cae_beta: Cae, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction per CAE (one over hundreds of schemas exhausts PostgreSQL's lock table):
    a CAE whose computation fails leaves the CAEs rebuilt before it in the store."""
    from network.indicators import services

    with tenant_context(world.cae):
        expected = {cohort.pk for cohort in Cohort.objects.all()}
    CohortFact.objects.all().delete()

    def compute() -> list[dict[str, Any]]:
        if connection.schema_name == cae_beta.schema_name:  # type: ignore[attr-defined]
            raise RuntimeError("beta cannot be read")
        return facts_of_schema()

    monkeypatch.setattr(services, "facts_compute", compute)
    with pytest.raises(RuntimeError):
        facts_rebuild(caes=[world.cae, cae_beta])

    stored = set(CohortFact.objects.values_list("cae_id", "cohort_id"))
    assert expected
    assert stored == {(world.cae.pk, cohort_id) for cohort_id in expected}


def test_a_change_reaches_the_store_through_the_outbox(world: World) -> None:
    with tenant_context(world.cae):
        cohort = world.cohort
        member = MemberFactory.create(birth_date=born_aged(17, on=cohort.starts_on))
        Enrolment.objects.create(member=member, cohort=cohort, enrolled_on=cohort.starts_on)
        cohort_update(cohort=cohort, people_informed=30)
    assert _publish_pending(world.cae) == 1

    fact = CohortFact.objects.get(cae=world.cae, cohort_id=world.cohort.pk)
    assert (fact.members, fact.age_under_18, fact.people_informed, fact.region) == (
        1,
        1,
        30,
        world.cae.region,
    )


def test_an_older_computation_never_overwrites_a_newer_one(world: World) -> None:
    with tenant_context(world.cae):
        (old,) = facts_of_schema([world.cohort.pk])
        (new,) = facts_of_schema([world.cohort.pk])
    new["people_informed"], old["people_informed"] = 40, 10
    facts_store(world.cae.schema_name, [new], False)
    facts_store(world.cae.schema_name, [old], False)  # arrives late

    assert CohortFact.objects.get(cohort_id=world.cohort.pk).people_informed == 40


def test_small_groups_are_masked(world: World) -> None:
    with tenant_context(world.cae):
        (row,) = facts_of_schema([world.cohort.pk])
    facts_store(world.cae.schema_name, [{**row, "members": 3, "women": 2, "jobs_done": 2}], False)
    big = {
        **row,
        "cohort_id": 9999,
        "members": 12,
        "women": 3,
        "jobs_done": 1,
        "pay_total": Decimal("480.00"),
        "members_paid": 2,
    }
    facts_store(world.cae.schema_name, [big], False)

    small, large = indicator_table(Filters(), "cohort")
    assert small.members == 3
    assert small.figures["members"].masked
    assert small.figures["women_share"].value is None  # not even the share
    assert small.figures["jobs_done"].value == 2  # not a count of people
    assert large.figures["members"].value == 12
    assert large.figures["women_share"].value == 25
    assert large.figures["average_pay"].masked  # 2 people paid: it would tell their pay
    total = indicator_totals(Filters())
    assert total.figures["members"].value == 15
    assert MASK_BELOW == 5


def test_the_rebuild_command_and_its_nightly_run(world: World) -> None:
    output = StringIO()
    call_command("indicators_rebuild", stdout=output)
    app.loader.import_default_modules()

    with tenant_context(world.cae):
        cohorts = Cohort.objects.count()
    assert CohortFact.objects.filter(cae=world.cae).count() == cohorts
    assert "coopératives recalculées" in output.getvalue()
    entry = settings.CELERY_BEAT_SCHEDULE["indicators-rebuild"]
    assert entry["task"] in app.tasks


def test_partner_organisations_count_those_seated_on_committees_of_the_cohorts(
    world: World,
) -> None:
    facts_rebuild(caes=[world.cae])
    committee = local_committee_create(cae=world.cae, name="Comité", cohort_ids=[world.cohort.pk])
    for name in ("Mission locale", "Ville"):
        organisation = organisation_get_or_create(name=name, kind="other", town="Vannes")
        person = partner_person_get_or_create(
            organisation=organisation,
            first_name="A",
            last_name=name,
            email=f"{name[:4].lower()}@example.org",
        )
        seat = seat_add(committee=committee, person=person)
    seat_end(seat=seat)

    assert partner_organisations(Filters()) == 1
    other = {(world.cae.pk, world.other_cohort.pk)}
    assert partner_organisations(Filters(cohorts=frozenset(other))) == 0


def test_cohorts_are_counted_by_status(world: World) -> None:
    facts_rebuild(caes=[world.cae])

    (recruiting,) = indicator_table(Filters(), "status")

    assert (recruiting.key, recruiting.label) == ("recruiting", "Recrutement")
    assert recruiting.figures["cohorts"].value == 2
