"""Personal data (RGPD): the register is complete, export, erasure, retention and consents."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

from coopilote.accounts.models import User
from coopilote.celery import app
from coopilote.errors import ApplicationError
from coopilote.personal_data import (
    CATEGORY_LABELS,
    RETENTION_LABELS,
    SUSPICIOUS_NAME,
    Retention,
    registry,
)
from network.registry.models import Cae
from tenants.cohorts.facts import cohort_facts
from tenants.cohorts.models import Cohort, CohortStatus
from tenants.pay.models import PayLine, PayRun, PayRunStatus, SharingRule
from tenants.pay.services import pay_run_create, pay_run_decide
from tenants.people.models import (
    Consent,
    ConsentPurpose,
    Enrolment,
    EnrolmentStatus,
    ErasureRecord,
    Guardian,
    Member,
    Outcome,
)
from tenants.people.privacy import (
    consent_record,
    consent_withdraw,
    erased_values_remaining,
    member_erase,
    member_export,
    members_due_for_purge,
    months_before,
    personal_data_settings_get,
    personal_data_settings_update,
    retention_purge,
)
from tenants.skills.models import SkillAssessment
from tenants.trainings.models import Attendance
from tests.tenants.pay.helpers import JULY, D, job_done, member_in, revenue, summer_cohort
from tests.tenants.people.factories import CohortFactory, GuardianFactory, MemberFactory
from tests.tenants.skills.helpers import start
from tests.tenants.trainings.helpers import atelier

# --- The register ---------------------------------------------------------------------------


def _all_fields() -> dict[str, models.Field]:  # type: ignore[type-arg]
    return {
        f"{model._meta.label}.{field.name}": field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
    }


def test_every_registered_field_exists() -> None:
    fields = _all_fields()

    unknown = [entry.field for entry in registry.fields() if entry.field not in fields]
    unknown += [name for name in registry.not_personal() if name not in fields]

    assert unknown == []


def test_every_field_that_looks_personal_is_classified() -> None:
    """A new field named like personal data must be registered or declared not personal."""
    django_own = {"admin", "auth", "contenttypes", "sessions", "sites"}
    classified = {entry.field for entry in registry.fields()} | set(registry.not_personal())

    forgotten = [
        name
        for name, field in _all_fields().items()
        if name.split(".")[0] not in django_own
        and not field.is_relation
        and SUSPICIOUS_NAME.search(field.name)
        and name not in classified
    ]

    assert forgotten == []


def test_every_link_to_a_member_is_registered() -> None:
    """Each table that points to members is a trace of them, with a declared retention."""
    links = [
        name
        for name, field in _all_fields().items()
        if field.is_relation
        and field.related_model in {Member, Enrolment}
        and not name.startswith("people.")
    ]

    assert [name for name in links if registry.get(name) is None] == []


# --- A member with traces everywhere --------------------------------------------------------


@dataclass(frozen=True)
class Traces:
    cohort: Cohort
    lina: Member
    yanis: Member
    run: PayRun


@pytest.fixture
def traces(in_alpha: Cae, person: User) -> Traces:
    """July 2026: Lina (6 h) and Yanis (4 h) worked, attended an atelier, were paid (decided
    run); Lina has a guardian, a consent, an assessment; the cohort is now closed."""
    cohort = summer_cohort(status=CohortStatus.RUNNING)
    lina = member_in(cohort, "Lina", "Le Goff", email="lina@example.org", phone="0611111111")
    yanis = member_in(cohort, "Yanis", "Martin", email="yanis@example.org")
    GuardianFactory.create(member=lina, full_name="Anne Le Goff", email="anne@example.org")
    Enrolment.objects.filter(member=lina).update(
        outcome=Outcome.JOB,
        outcome_detail="CDI chez Garage Le Goff",
        outcome_recorded_on=D(2026, 9, 1),
    )
    session = atelier(cohort)
    Attendance.objects.create(session=session, member=lina, present=True, hours=Decimal("3"))
    Attendance.objects.create(session=session, member=yanis, present=True, hours=Decimal("3"))
    start(Enrolment.objects.get(member=lina))
    consent_record(member=lina, purpose=ConsentPurpose.PHOTOS, given_on=D(2026, 6, 2), by=person)
    job_done(cohort, D(2026, 7, 3), {lina: "6", yanis: "4"})
    revenue(person, cohort, "500.00", D(2026, 7, 20))
    run = pay_run_create(
        cohort=cohort,
        period_start=JULY[0],
        period_end=JULY[1],
        sharing_rule=SharingRule.PRO_RATA_HOURS,
        retained_rate=Decimal("10"),
        by=person,
    )
    run = pay_run_decide(pay_run=run, by=person)
    Enrolment.objects.filter(cohort=cohort).update(
        status=EnrolmentStatus.WITHDRAWN, withdrawn_on=D(2026, 8, 31), withdrawal_reason="Fin"
    )
    Cohort.objects.filter(pk=cohort.pk).update(status=CohortStatus.CLOSED)
    cohort.refresh_from_db()
    return Traces(cohort=cohort, lina=lina, yanis=yanis, run=run)


# --- Export ---------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_member_and_nothing_of_others(
    traces: Traces,
) -> None:
    data = member_export(member=traces.lina).as_json()["data"]

    assert data["people.Member"][0]["first_name"] == "Lina"
    assert [row["outcome_detail"] for row in data["people.Enrolment"]] == [
        "CDI chez Garage Le Goff"
    ]
    assert [row["full_name"] for row in data["people.Guardian"]] == ["Anne Le Goff"]
    assert data["people.Guardian"][0]["authorisation_signed_on"]
    assert [row["purpose"] for row in data["people.Consent"]] == ["photos"]
    assert [row["hours_worked"] for row in data["commerce.JobAssignment"]] == ["6.00"]
    assert [row["hours"] for row in data["trainings.Attendance"]] == ["3.00"]
    assert len(data["pay.PayLine"]) == 1
    assert len(data["skills.SkillAssessment"]) == 1
    assert len(data["skills.SkillRating"]) > 0
    for rows in data.values():
        for row in rows:
            assert row.get("member_id") in (None, traces.lina.pk)
    assert "Yanis" not in str(data)


def test_the_export_includes_the_linked_account(traces: Traces, person: User) -> None:
    Member.objects.filter(pk=traces.lina.pk).update(user=person)
    traces.lina.refresh_from_db()

    export = member_export(member=traces.lina).as_json()

    assert export["account"]["email"] == "camille@example.org"


# --- Erasure --------------------------------------------------------------------------------


def test_erasure_leaves_no_personal_value_and_keeps_what_the_law_requires(
    traces: Traces,
    person: User,
    media_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    guardian_file = Guardian.objects.get(member=traces.lina).authorisation_file
    assert guardian_file.storage.exists(str(guardian_file.name))
    lines_before = list(PayLine.objects.order_by("pk").values_list("member_id", "amount", "hours"))
    facts_before = cohort_facts(cohort=traces.cohort)
    with django_capture_on_commit_callbacks(execute=True):
        record = member_erase(member=traces.lina, by=person, reason="Demande de la personne")

    lina = Member.objects.get(pk=traces.lina.pk)
    assert (lina.first_name, lina.last_name, lina.email, lina.phone) == (
        "Anonyme",
        "Anonyme",
        "",
        "",
    )
    assert (lina.emergency_contact_name, lina.emergency_contact_phone) == ("", "")
    assert lina.birth_date.month == lina.birth_date.day == 1
    assert lina.postcode == "56000"
    assert erased_values_remaining(member=lina) == []
    guardian = Guardian.objects.get(member=lina)
    assert (guardian.full_name, guardian.authorisation_file.name) == ("Anonyme", "")
    assert guardian.authorisation_signed_on is not None  # the dated record stays
    assert not guardian_file.storage.exists(str(guardian_file.name))
    assert Enrolment.objects.get(member=lina).withdrawal_reason == ""
    assert Consent.objects.filter(member=lina).count() == 1
    assert list(PayLine.objects.order_by("pk").values_list("member_id", "amount", "hours")) == (
        lines_before
    )
    assert PayRun.objects.get(pk=traces.run.pk).status == PayRunStatus.DECIDED
    assert SkillAssessment.objects.filter(enrolment__member=lina).count() == 1
    assert cohort_facts(cohort=traces.cohort) == facts_before
    assert (record.erased_by_id, record.reason) == (person.pk, "Demande de la personne")
    yanis = Member.objects.get(pk=traces.yanis.pk)
    assert (yanis.first_name, yanis.email) == ("Yanis", "yanis@example.org")


def test_erasure_is_idempotent(traces: Traces, person: User) -> None:
    first = member_erase(member=traces.lina, by=person, reason="Demande")

    again = member_erase(member=traces.lina, by=person, reason="Encore")

    assert again == first
    assert ErasureRecord.objects.count() == 1


def test_erasure_is_refused_while_the_member_is_in_a_running_cohort(
    in_alpha: Cae, person: User
) -> None:
    cohort = CohortFactory.create(status=CohortStatus.RUNNING, name="CJS de Lorient")
    member = MemberFactory.create(birth_date=datetime.date(2000, 5, 5))
    Enrolment.objects.create(member=member, cohort=cohort, enrolled_on=cohort.starts_on)

    with pytest.raises(ApplicationError) as refused:
        member_erase(member=member, by=person, reason="Demande")

    assert "CJS de Lorient" in refused.value.message
    assert Member.objects.get(pk=member.pk).first_name == "Lina"
    assert not ErasureRecord.objects.exists()


def test_erasure_needs_a_reason(traces: Traces, person: User) -> None:
    with pytest.raises(ApplicationError) as refused:
        member_erase(member=traces.lina, by=person, reason="  ")

    assert refused.value.details == {"reason": ["Indiquez le motif de l'effacement."]}
    assert Member.objects.get(pk=traces.lina.pk).first_name == "Lina"


# --- Retention ------------------------------------------------------------------------------


def test_months_before_keeps_the_day_or_the_end_of_the_month() -> None:
    assert months_before(D(2026, 3, 31), 1) == D(2026, 2, 28)
    assert months_before(D(2026, 11, 24), 36) == D(2023, 11, 24)


def test_retention_purges_members_whose_last_cohort_ended_long_ago(traces: Traces) -> None:
    ended = traces.cohort.ends_on  # 31 August 2026, default period 36 months
    assert list(members_due_for_purge(today=D(2029, 8, 31))) == []

    erased = retention_purge(today=D(2029, 9, 1))

    assert erased == 2
    assert set(Member.objects.values_list("first_name", flat=True)) == {"Anonyme"}
    assert ErasureRecord.objects.filter(erased_by__isnull=True).count() == 2
    assert retention_purge(today=D(2029, 9, 1)) == 0
    assert ended == D(2026, 8, 31)


def test_retention_follows_the_cae_setting_and_a_later_cohort(traces: Traces) -> None:
    personal_data_settings_update(social_data_retention_months=12)
    later = CohortFactory.create(
        name="CJS 2027", status=CohortStatus.CLOSED, starts_on=D(2027, 6, 1), ends_on=D(2027, 8, 31)
    )
    Enrolment.objects.create(
        member=traces.yanis,
        cohort=later,
        enrolled_on=D(2027, 6, 1),
        status=EnrolmentStatus.WITHDRAWN,
        withdrawn_on=D(2027, 8, 31),
    )

    assert list(members_due_for_purge(today=D(2027, 9, 1))) == [traces.lina]


@pytest.mark.parametrize("months", [0, 121])
def test_the_retention_setting_is_bounded(in_alpha: Cae, months: int) -> None:
    with pytest.raises(ApplicationError):
        personal_data_settings_update(social_data_retention_months=months)

    assert personal_data_settings_get().social_data_retention_months == 36


# --- Consents -------------------------------------------------------------------------------


def test_a_consent_is_kept_with_its_dates_when_withdrawn(traces: Traces) -> None:
    consent = Consent.objects.get(member=traces.lina)

    consent_withdraw(consent=consent, withdrawn_on=D(2026, 8, 1))

    consent.refresh_from_db()
    assert (consent.given_on, consent.withdrawn_on) == (D(2026, 6, 2), D(2026, 8, 1))
    data = member_export(member=traces.lina).as_json()["data"]
    assert data["people.Consent"][0]["withdrawn_on"] == "2026-08-01"


def test_a_consent_cannot_be_recorded_twice_or_in_the_future(traces: Traces, person: User) -> None:
    with pytest.raises(ApplicationError):
        consent_record(member=traces.lina, purpose="photos", given_on=D(2026, 7, 1), by=person)
    with pytest.raises(ApplicationError):
        consent_record(
            member=traces.lina,
            purpose=ConsentPurpose.NETWORK_CONTACT,
            given_on=timezone.localdate() + datetime.timedelta(days=1),
            by=person,
        )

    assert Consent.objects.count() == 1


def test_registered_fields_that_stay_have_a_reason() -> None:
    """Every field kept past erasure says why, in words people read (the retention's label)."""
    kept = [entry for entry in registry.fields() if entry.retention != Retention.ERASED]

    assert kept
    assert [entry.field for entry in kept if not RETENTION_LABELS.get(entry.retention)] == []
    assert [
        entry.field for entry in registry.fields() if entry.category not in CATEGORY_LABELS
    ] == []


def test_the_purge_runs_every_night_in_every_cae() -> None:
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry.get("kwargs") == {"task_name": "people.retention_purge"}
    ]

    assert [entry["task"] for entry in entries] == ["registry.tenant_fanout"]
    app.loader.import_default_modules()
    assert "people.retention_purge" in app.tasks
