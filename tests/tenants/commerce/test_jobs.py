"""Jobs: planning (slots, members), recording hours, done, cancelled, invoiced; the calendar."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from coopilote.accounts.models import Role, User
from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.commerce.models import Job, JobAssignment, JobSlot, JobStatus, ServiceUnit
from tenants.commerce.selectors import calendar_slots, job_get, job_list
from tenants.commerce.services import (
    job_cancel,
    job_create,
    job_hours_record,
    job_mark_done,
    job_mark_invoiced,
    job_member_assign,
    job_member_unassign,
    job_slot_add,
    job_slot_remove,
    job_update,
)
from tenants.people.models import Enrolment, EnrolmentStatus
from tests.conftest import grant
from tests.tenants.commerce.factories import (
    ClientFactory,
    JobFactory,
    ServiceFactory,
    enrolled_member,
)
from tests.tenants.people.factories import CohortFactory

DAY = datetime.date(2031, 7, 7)
NINE, NOON, TWO = datetime.time(9), datetime.time(12), datetime.time(14)
STANDARD_REFUSAL = "Taux de TVA non autorisé : 20 %, 10 %, 5,5 % ou 2,1 %."


def _ready_job() -> tuple[Job, JobAssignment]:
    """A planned job with a slot and one member whose hours are recorded."""
    job = JobFactory.create()
    job_slot_add(job=job, date=DAY, starts_at=NINE, ends_at=NOON)
    assignment = job_member_assign(job=job, member=enrolled_member(job.cohort))
    job_hours_record(assignment=assignment, hours=Decimal("3"))
    return job, assignment


def _refused(call: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as refusal:
        call()
    return refusal.value


# --- Creating and editing ------------------------------------------------------------------


def test_a_job_from_a_service_takes_its_figures(in_alpha: Cae) -> None:
    cohort, client = CohortFactory.create(), ClientFactory.create()
    service = ServiceFactory.create(cohort=cohort, unit_price_excl_vat=Decimal("15.00"))

    job = job_create(
        cohort=cohort, client=client, service=service, quantity=Decimal("4"), place=" Séné "
    )

    job.refresh_from_db()
    assert (
        job.title,
        job.unit,
        job.unit_price_excl_vat,
        job.vat_rate,
        job.quantity,
        job.place,
        job.status,
        job.quote_line_id,
    ) == (
        "Tonte de pelouse",
        "hour",
        Decimal("15.00"),
        Decimal("20.0"),
        Decimal("4.00"),
        "Séné",
        JobStatus.PLANNED,
        None,
    )


def test_a_free_job_rounds_its_price(in_alpha: Cae) -> None:
    job = job_create(
        cohort=CohortFactory.create(),
        client=ClientFactory.create(),
        title="Garde d'animaux",
        quantity=Decimal("1"),
        unit=ServiceUnit.FLAT,
        unit_price_excl_vat=Decimal("10.125"),
        vat_rate=Decimal("10"),
    )

    job.refresh_from_db()
    assert job.unit_price_excl_vat == Decimal("10.13")


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"quantity": Decimal("0")}, "quantity", "Une quantité est positive."),
        (
            {"unit_price_excl_vat": Decimal("-1")},
            "unit_price_excl_vat",
            "Un prix ne peut pas être négatif.",
        ),
        ({"vat_rate": Decimal("19.6")}, "vat_rate", STANDARD_REFUSAL),
        ({"title": ""}, "title", "Ce champ est obligatoire sans prestation choisie."),
        ({"vat_rate": None}, "vat_rate", "Ce champ est obligatoire sans prestation choisie."),
    ],
)
def test_bad_jobs_are_refused_and_nothing_is_saved(
    in_alpha: Cae, arguments: dict[str, Any], field: str, message: str
) -> None:
    given: dict[str, Any] = {
        "title": "Désherbage",
        "quantity": Decimal("2"),
        "unit": ServiceUnit.HOUR,
        "unit_price_excl_vat": Decimal("14"),
        "vat_rate": Decimal("20"),
    }

    refusal = _refused(
        lambda: job_create(
            cohort=CohortFactory.create(), client=ClientFactory.create(), **{**given, **arguments}
        )
    )

    assert (refusal.message, refusal.details) == (message, {field: [message]})
    assert Job.objects.count() == 0


def test_a_service_of_another_cohort_is_refused(in_alpha: Cae) -> None:
    service = ServiceFactory.create(cohort=CohortFactory.create(name="Ailleurs"))

    refusal = _refused(
        lambda: job_create(
            cohort=CohortFactory.create(),
            client=ClientFactory.create(),
            service=service,
            quantity=Decimal("1"),
        )
    )

    assert list(refusal.details) == ["service"]
    assert Job.objects.count() == 0


def test_a_planned_job_is_edited_and_a_bad_edit_changes_nothing(in_alpha: Cae) -> None:
    job = JobFactory.create()

    job_update(job=job, changes={"title": " Tonte et ramassage ", "quantity": Decimal("5")})
    refusal = _refused(
        lambda: job_update(job=job, changes={"title": "Autre", "quantity": Decimal("-2")})
    )

    assert refusal.message == "Une quantité est positive."
    job.refresh_from_db()
    assert (job.title, job.quantity) == ("Tonte et ramassage", Decimal("5.00"))


# --- Planning ------------------------------------------------------------------------------


def test_slots_are_added_and_removed(in_alpha: Cae) -> None:
    job = JobFactory.create()

    morning = job_slot_add(job=job, date=DAY, starts_at=NINE, ends_at=NOON)
    job_slot_add(job=job, date=DAY, starts_at=TWO, ends_at=datetime.time(17))
    job_slot_remove(slot=morning)

    assert list(job.slots.values_list("starts_at", flat=True)) == [TWO]


@pytest.mark.parametrize("ends_at", [NINE, datetime.time(8)])
def test_a_slot_ends_after_it_starts(in_alpha: Cae, ends_at: datetime.time) -> None:
    job = JobFactory.create()

    refusal = _refused(lambda: job_slot_add(job=job, date=DAY, starts_at=NINE, ends_at=ends_at))

    assert refusal.details == {"ends_at": ["Un créneau finit après avoir commencé."]}
    assert JobSlot.objects.count() == 0


def test_a_member_of_the_cohort_is_assigned_once(in_alpha: Cae) -> None:
    job = JobFactory.create()
    member = enrolled_member(job.cohort)

    assignment = job_member_assign(job=job, member=member)
    refusal = _refused(lambda: job_member_assign(job=job, member=member))

    assert refusal.details == {"member": ["Cette personne est déjà affectée à la prestation."]}
    assert list(job.assignments.all()) == [assignment]
    assert assignment.hours_worked is None


def test_a_member_of_another_cohort_is_refused(in_alpha: Cae) -> None:
    job = JobFactory.create()
    stranger = enrolled_member(CohortFactory.create(name="CJS d'Auray"))

    refusal = _refused(lambda: job_member_assign(job=job, member=stranger))

    assert refusal.details == {
        "member": [
            "Cette personne n'est pas (ou plus) inscrite dans la coopérative de la prestation."
        ]
    }
    assert JobAssignment.objects.count() == 0


def test_a_member_who_withdrew_is_refused(in_alpha: Cae) -> None:
    job = JobFactory.create()
    member = enrolled_member(job.cohort)
    Enrolment.objects.filter(member=member).update(
        status=EnrolmentStatus.WITHDRAWN, withdrawn_on=job.cohort.starts_on
    )

    refusal = _refused(lambda: job_member_assign(job=job, member=member))

    assert list(refusal.details) == ["member"]
    assert JobAssignment.objects.count() == 0


def test_members_are_unassigned_while_planned(in_alpha: Cae) -> None:
    job = JobFactory.create()
    assignment = job_member_assign(job=job, member=enrolled_member(job.cohort))

    job_member_unassign(assignment=assignment)

    assert job.assignments.count() == 0


@pytest.mark.parametrize("hours", ["-0.5", "744.01", "1000"])
def test_hours_are_between_0_and_744(in_alpha: Cae, hours: str) -> None:
    job = JobFactory.create()
    assignment = job_member_assign(job=job, member=enrolled_member(job.cohort))

    refusal = _refused(lambda: job_hours_record(assignment=assignment, hours=Decimal(hours)))

    assert refusal.details == {"hours": ["Les heures travaillées sont comprises entre 0 et 744."]}
    assignment.refresh_from_db()
    assert assignment.hours_worked is None


# --- Lifecycle -----------------------------------------------------------------------------


def test_a_ready_job_is_done_then_invoiced(in_alpha: Cae) -> None:
    job, assignment = _ready_job()

    job_mark_done(job=job)
    job_hours_record(assignment=assignment, hours=Decimal("3.5"))  # corrected once done
    job_mark_invoiced(job_ids=[job.pk])

    job.refresh_from_db()
    assignment.refresh_from_db()
    assert (job.status, assignment.hours_worked) == (JobStatus.INVOICED, Decimal("3.50"))
    assert job.done_at is not None
    assert _refused(
        lambda: job_hours_record(assignment=assignment, hours=Decimal("4"))
    ).message == ("Cette prestation est déjà facturée.")


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("slot", "Planifiez au moins un créneau avant de marquer la prestation réalisée."),
        ("member", "Affectez au moins une personne avant de marquer la prestation réalisée."),
        ("hours", "Indiquez d'abord les heures travaillées de chaque personne affectée."),
    ],
)
def test_done_needs_a_slot_members_and_their_hours(
    in_alpha: Cae, missing: str, message: str
) -> None:
    job, _assignment = _ready_job()
    if missing == "slot":
        JobSlot.objects.filter(job=job).delete()
    elif missing == "member":
        JobAssignment.objects.filter(job=job).delete()
    else:
        job_member_assign(job=job, member=enrolled_member(job.cohort, first_name="Noé"))

    refusal = _refused(lambda: job_mark_done(job=job))

    assert refusal.message == message
    job.refresh_from_db()
    assert (job.status, job.done_at) == (JobStatus.PLANNED, None)


def test_a_done_job_is_no_longer_planned(in_alpha: Cae) -> None:
    job, assignment = _ready_job()
    job_mark_done(job=job)
    slot = job.slots.get()
    member = enrolled_member(job.cohort, first_name="Noé")
    done = "Cette prestation est déjà réalisée."

    for change in (
        lambda: job_update(job=job, changes={"title": "Autre"}),
        lambda: job_slot_add(job=job, date=DAY, starts_at=TWO, ends_at=datetime.time(15)),
        lambda: job_slot_remove(slot=slot),
        lambda: job_member_assign(job=job, member=member),
        lambda: job_member_unassign(assignment=assignment),
        lambda: job_mark_done(job=job),
        lambda: job_cancel(job=job),
    ):
        assert _refused(change).message == done

    assert (job.slots.count(), job.assignments.count()) == (1, 1)


def test_a_cancelled_job_stays_cancelled(in_alpha: Cae) -> None:
    job = JobFactory.create()

    job_cancel(job=job)

    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert _refused(lambda: job_cancel(job=job)).message == "Cette prestation est annulée."
    assert _refused(lambda: job_mark_invoiced(job_ids=[job.pk])).message == (
        "Seule une prestation réalisée peut être facturée : Tonte de pelouse."
    )


def test_invoicing_refuses_all_when_one_job_is_not_done(in_alpha: Cae) -> None:
    done, _assignment = _ready_job()
    job_mark_done(job=done)
    planned = JobFactory.create(title="Lavage de vitres", cohort=done.cohort)

    refusal = _refused(lambda: job_mark_invoiced(job_ids=[done.pk, planned.pk]))

    assert refusal.message == "Seule une prestation réalisée peut être facturée : Lavage de vitres."
    done.refresh_from_db()
    assert done.status == JobStatus.DONE
    assert _refused(lambda: job_mark_invoiced(job_ids=[done.pk, 0])).message == (
        "Une de ces prestations n'existe pas."
    )


# --- Reading: lists and the calendar -------------------------------------------------------


def test_job_list_and_calendar_by_dates_and_scope(in_alpha: Cae) -> None:
    job, _assignment = _ready_job()
    job_slot_add(job=job, date=DAY + datetime.timedelta(days=1), starts_at=NINE, ends_at=NOON)
    early = JobFactory.create(title="Plus tôt", cohort=job.cohort)
    job_slot_add(job=early, date=DAY, starts_at=datetime.time(8), ends_at=NINE)
    later = JobFactory.create(title="Plus tard", cohort=job.cohort)
    job_slot_add(job=later, date=DAY + datetime.timedelta(days=30), starts_at=NINE, ends_at=NOON)
    cancelled = JobFactory.create(title="Annulée", cohort=job.cohort)
    job_slot_add(job=cancelled, date=DAY, starts_at=NINE, ends_at=NOON)
    job_cancel(job=cancelled)
    elsewhere = JobFactory.create(title="Ailleurs", cohort=CohortFactory.create(name="Autre"))
    job_slot_add(job=elsewhere, date=DAY, starts_at=NINE, ends_at=NOON)
    member = User.objects.create_user("coop-jobs@example.org", "x" * 12)
    grant(member, in_alpha, Role.MEMBER, job.cohort_id)

    start, end = DAY, DAY + datetime.timedelta(days=6)
    listed = job_list(user=member, cae=in_alpha, start=start, end=end)
    slots = list(calendar_slots(user=member, cae=in_alpha, start=start, end=end))

    assert {listed_job.title for listed_job in listed} == {
        "Tonte de pelouse",
        "Plus tôt",
        "Annulée",
    }
    assert [(slot.date, slot.starts_at, slot.job.title) for slot in slots] == [
        (DAY, datetime.time(8), "Plus tôt"),
        (DAY, NINE, "Tonte de pelouse"),
        (DAY + datetime.timedelta(days=1), NINE, "Tonte de pelouse"),
    ]
    assert [a.member.first_name for a in slots[1].job.assignments.all()] == ["Lina"]
    assert [j.title for j in job_list(user=member, cae=in_alpha, status="cancelled")] == ["Annulée"]
    fetched = job_get(job_id=job.pk)
    assert fetched is not None
    assert len(fetched.slots.all()) == 2
    assert timezone.is_aware(fetched.created_at)
