"""The rules of enrolment, withdrawal, outcomes and committees, through the services."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.cohorts.models import CohortStatus, Programme
from tenants.people.models import (
    CommitteeKind,
    CommitteeSeat,
    Enrolment,
    EnrolmentStatus,
    Guardian,
    Member,
    Outcome,
)
from tenants.people.services import (
    committee_create,
    committee_seat_assign,
    enrolment_record_outcome,
    enrolment_withdraw,
    guardian_record,
    member_create,
    member_enrol,
    member_update,
)
from tests.tenants.people.factories import (
    NEXT_SUMMER,
    CohortFactory,
    GuardianFactory,
    MemberFactory,
    born_aged,
    pdf_upload,
)

ENROLLED_ON = NEXT_SUMMER - datetime.timedelta(days=30)
MINOR_MESSAGE = (
    "Un·e mineur·e ne peut être inscrit·e qu'avec l'autorisation parentale signée "
    "d'un·e représentant·e légal·e."
)


# --- Members -------------------------------------------------------------------------------


def test_member_create_records_what_the_programme_needs(in_alpha: Cae) -> None:
    member = member_create(
        first_name="Yanis",
        last_name="Benali",
        birth_date=datetime.date(2009, 5, 2),
        gender="male",
        postcode="56100",
        qpv_resident=True,
        status_at_entry="school",
        emergency_contact_name="Samira Benali",
        emergency_contact_phone="0611223344",
    )

    member.refresh_from_db()
    assert (member.first_name, member.postcode, member.email, member.phone, member.user) == (
        "Yanis",
        "56100",
        "",
        "",
        None,
    )
    assert str(member) == "Yanis"


@pytest.mark.parametrize("postcode", ["5600", "560000", "56 00", "2A004"])
def test_member_create_refuses_a_postcode_that_is_not_five_digits(
    in_alpha: Cae, postcode: str
) -> None:
    with pytest.raises(ApplicationError) as refusal:
        member_create(
            first_name="Yanis",
            last_name="Benali",
            birth_date=datetime.date(2009, 5, 2),
            gender="male",
            postcode=postcode,
            qpv_resident=False,
            status_at_entry="school",
            emergency_contact_name="Samira Benali",
            emergency_contact_phone="0611223344",
        )

    assert refusal.value.message == "Cette personne ne peut pas être enregistrée."
    assert (
        "Un code postal s'écrit avec 5 chiffres, par exemple 56000."
        in (refusal.value.details["postcode"])
    )
    assert not Member.objects.exists()


def test_member_update_refuses_a_birth_date_that_no_longer_fits_a_current_cohort(
    in_alpha: Cae,
) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    member = MemberFactory.create(birth_date=born_aged(20))
    member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)

    with pytest.raises(ApplicationError) as refusal:
        member_update(member=member, changes={"birth_date": born_aged(30)})

    expected = (
        "Une CJM accueille des jeunes de 18 à 25 ans au début de la coopérative ; "
        "cette personne aura 30 ans."
    )
    assert refusal.value.message == expected
    assert refusal.value.details == {"birth_date": [expected]}
    member.refresh_from_db()
    assert member.birth_date == born_aged(20)


def test_member_update_changes_only_the_given_fields(in_alpha: Cae) -> None:
    member = MemberFactory.create(phone="")

    member_update(member=member, changes={"phone": "0299999999", "qpv_resident": False})

    member.refresh_from_db()
    assert (member.phone, member.qpv_resident, member.postcode) == ("0299999999", False, "56000")


# --- Enrolment rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("programme", "age", "message"),
    [
        (
            Programme.CJS,
            19,
            "Une CJS accueille des jeunes de 16 à 18 ans au début de la coopérative ; "
            "cette personne aura 19 ans.",
        ),
        (
            Programme.CJS,
            15,
            "Une CJS accueille des jeunes de 16 à 18 ans au début de la coopérative ; "
            "cette personne aura 15 ans.",
        ),
        (
            Programme.CJM,
            17,
            "Une CJM accueille des jeunes de 18 à 25 ans au début de la coopérative ; "
            "cette personne aura 17 ans.",
        ),
        (
            Programme.CJM,
            26,
            "Une CJM accueille des jeunes de 18 à 25 ans au début de la coopérative ; "
            "cette personne aura 26 ans.",
        ),
    ],
)
def test_enrol_refuses_an_age_outside_the_programme_band(
    in_alpha: Cae, programme: str, age: int, message: str
) -> None:
    cohort = CohortFactory.create(programme=programme)
    member = MemberFactory.create(birth_date=born_aged(age))
    GuardianFactory.create(member=member)  # so that only the age can be the reason

    with pytest.raises(ApplicationError) as refusal:
        member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)

    assert refusal.value.message == message
    assert refusal.value.details == {"member": [message]}
    assert not Enrolment.objects.exists()


def test_age_is_taken_at_the_cohort_start_not_today(in_alpha: Cae) -> None:
    # Given someone who is 17 at the start of a CJM and 18 a week later
    cohort = CohortFactory.create(programme=Programme.CJM)
    member = MemberFactory.create(birth_date=NEXT_SUMMER.replace(year=NEXT_SUMMER.year - 18, day=8))

    with pytest.raises(ApplicationError) as refusal:
        member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)

    assert refusal.value.message.endswith("cette personne aura 17 ans.")
    assert not Enrolment.objects.exists()


def test_the_age_refusal_speaks_in_the_past_once_the_cohort_has_started(in_alpha: Cae) -> None:
    started_on = timezone.localdate() - datetime.timedelta(days=30)
    cohort = CohortFactory.create(
        programme=Programme.CJM,
        status=CohortStatus.RUNNING,
        starts_on=started_on,
        ends_on=started_on + datetime.timedelta(days=90),
    )
    member = MemberFactory.create(birth_date=born_aged(26, on=started_on))

    with pytest.raises(ApplicationError) as refusal:
        member_enrol(member=member, cohort=cohort, enrolled_on=timezone.localdate())

    assert refusal.value.message == (
        "Une CJM accueille des jeunes de 18 à 25 ans au début de la coopérative ; "
        "cette personne avait 26 ans."
    )
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("age", [18, 26, 45, 80])
def test_ct_accepts_any_age(in_alpha: Cae, age: int) -> None:
    cohort = CohortFactory.create(programme=Programme.CT)
    member = MemberFactory.create(birth_date=born_aged(age), status_at_entry="jobseeker")

    enrolment = member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)

    assert (enrolment.member, enrolment.cohort, enrolment.status) == (
        member,
        cohort,
        EnrolmentStatus.ENROLLED,
    )


def test_ct_accepts_a_minor_with_a_signed_authorisation(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CT)
    member = MemberFactory.create(birth_date=born_aged(14))
    GuardianFactory.create(member=member)

    enrolment = member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)

    assert enrolment.status == EnrolmentStatus.ENROLLED


def test_a_minor_is_refused_without_authorisation_then_accepted_once_it_is_recorded(
    in_alpha: Cae,
) -> None:
    # Given a 16-year-old with no legal guardian on record
    cohort = CohortFactory.create(programme=Programme.CJS)
    member = MemberFactory.create(birth_date=born_aged(16))

    # When enrolling: refused, nothing written
    with pytest.raises(ApplicationError) as refusal:
        member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)
    assert refusal.value.message == MINOR_MESSAGE
    assert refusal.value.details == {"member": [MINOR_MESSAGE]}
    assert not Enrolment.objects.exists()

    # When a guardian is recorded with the signed authorisation (a PDF)
    guardian_record(
        member=member,
        full_name="Anne Le Goff",
        relationship="mère",
        phone="0600000000",
        email="",
        authorisation_file=pdf_upload(),
        authorisation_signed_on=datetime.date(2020, 5, 4),
    )

    # Then the enrolment goes through
    enrolment = member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert list(cohort.enrolments.values_list("member_id", flat=True)) == [member.pk]


def test_someone_who_is_18_at_the_start_needs_no_authorisation(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJS)
    member = MemberFactory.create(birth_date=born_aged(18))

    enrolment = member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)

    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert not Guardian.objects.exists()


def test_a_second_enrolment_in_the_same_cohort_is_refused(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    member = MemberFactory.create(birth_date=born_aged(20))
    first = member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)

    with pytest.raises(ApplicationError) as refusal:
        member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)

    assert refusal.value.message == "Cette personne est déjà inscrite dans cette coopérative."
    assert list(Enrolment.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_second_enrolment_is_refused_even_after_withdrawal(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    member = MemberFactory.create(birth_date=born_aged(20))
    first = member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)
    enrolment_withdraw(enrolment=first, withdrawn_on=NEXT_SUMMER, reason="Déménagement")

    with pytest.raises(ApplicationError) as refusal:
        member_enrol(member=member, cohort=cohort, enrolled_on=NEXT_SUMMER)

    withdrawn_on = NEXT_SUMMER.strftime("%d/%m/%Y")
    assert refusal.value.message == (
        f"Cette personne est sortie de cette coopérative le {withdrawn_on} ; elle ne peut pas "
        "y être inscrite une seconde fois."
    )
    assert list(Enrolment.objects.values_list("pk", "status")) == [
        (first.pk, EnrolmentStatus.WITHDRAWN)
    ]


def test_a_full_cohort_refuses_another_member(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM, places=2)
    for _number in range(2):
        member_enrol(
            member=MemberFactory.create(birth_date=born_aged(20)),
            cohort=cohort,
            enrolled_on=ENROLLED_ON,
        )
    latecomer = MemberFactory.create(birth_date=born_aged(20))

    with pytest.raises(ApplicationError) as refusal:
        member_enrol(member=latecomer, cohort=cohort, enrolled_on=ENROLLED_ON)

    message = "Cette coopérative est complète : ses 2 places sont prises."
    assert refusal.value.message == message
    assert refusal.value.details == {"cohort": [message]}
    assert cohort.enrolments.count() == 2
    assert not latecomer.enrolments.exists()


@pytest.mark.parametrize(
    ("cohort_status", "label"),
    [
        (CohortStatus.DRAFT, "En préparation"),
        (CohortStatus.CLOSED, "Terminée"),
        (CohortStatus.ARCHIVED, "Archivée"),
    ],
)
def test_a_cohort_that_is_not_recruiting_or_running_refuses_enrolments(
    in_alpha: Cae, cohort_status: str, label: str
) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM, status=cohort_status)
    member = MemberFactory.create(birth_date=born_aged(20))

    with pytest.raises(ApplicationError) as refusal:
        member_enrol(member=member, cohort=cohort, enrolled_on=ENROLLED_ON)

    message = (
        "On ne peut inscrire que dans une coopérative en recrutement ou en activité ; "
        f"celle-ci est « {label} »."
    )
    assert refusal.value.message == message
    assert refusal.value.details == {"cohort": [message]}
    assert not Enrolment.objects.exists()


def test_a_running_cohort_still_enrols(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM, status=CohortStatus.RUNNING)

    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )

    assert enrolment.status == EnrolmentStatus.ENROLLED


# --- Withdrawal and outcome ----------------------------------------------------------------


def test_withdrawal_keeps_the_reason_and_frees_the_place(in_alpha: Cae) -> None:
    # Given a cohort with one place, taken
    cohort = CohortFactory.create(programme=Programme.CJM, places=1)
    leaving = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )
    waiting = MemberFactory.create(birth_date=born_aged(22))

    # When the member withdraws
    enrolment_withdraw(enrolment=leaving, withdrawn_on=NEXT_SUMMER, reason="  A trouvé un CDI  ")

    # Then the reason and date are kept, and the place goes to someone else
    leaving.refresh_from_db()
    assert (leaving.status, leaving.withdrawn_on, leaving.withdrawal_reason) == (
        EnrolmentStatus.WITHDRAWN,
        NEXT_SUMMER,
        "A trouvé un CDI",
    )
    replacement = member_enrol(member=waiting, cohort=cohort, enrolled_on=NEXT_SUMMER)
    assert replacement.status == EnrolmentStatus.ENROLLED


@pytest.mark.parametrize("reason", ["", "   "])
def test_withdrawal_needs_a_reason(in_alpha: Cae, reason: str) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )

    with pytest.raises(ApplicationError) as refusal:
        enrolment_withdraw(enrolment=enrolment, withdrawn_on=NEXT_SUMMER, reason=reason)

    assert refusal.value.message == "Indiquez le motif de la sortie."
    assert refusal.value.details == {"withdrawal_reason": ["Indiquez le motif de la sortie."]}
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.withdrawn_on, enrolment.withdrawal_reason) == (
        EnrolmentStatus.ENROLLED,
        None,
        "",
    )


def test_withdrawal_cannot_precede_the_enrolment(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )

    with pytest.raises(ApplicationError) as refusal:
        enrolment_withdraw(
            enrolment=enrolment,
            withdrawn_on=ENROLLED_ON - datetime.timedelta(days=1),
            reason="Erreur de saisie",
        )

    assert refusal.value.details == {"__all__": ["Une sortie ne peut pas précéder l'inscription."]}
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED


def test_outcome_is_recorded(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )
    recorded_on = cohort.ends_on + datetime.timedelta(days=90)

    enrolment_record_outcome(
        enrolment=enrolment,
        outcome=Outcome.TRAINING,
        detail="BTS commerce en alternance",
        recorded_on=recorded_on,
    )

    enrolment.refresh_from_db()
    assert (enrolment.outcome, enrolment.outcome_detail, enrolment.outcome_recorded_on) == (
        Outcome.TRAINING,
        "BTS commerce en alternance",
        recorded_on,
    )


def test_outcome_must_be_chosen(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )

    with pytest.raises(ApplicationError) as refusal:
        enrolment_record_outcome(
            enrolment=enrolment, outcome="", detail="", recorded_on=NEXT_SUMMER
        )

    assert refusal.value.message == "Choisissez la situation de sortie."
    enrolment.refresh_from_db()
    assert (enrolment.outcome, enrolment.outcome_recorded_on) == ("", None)


# --- Committees ----------------------------------------------------------------------------


def test_committee_rotation_closes_the_previous_seat(in_alpha: Cae) -> None:
    # Given a member seated on the marketing committee since the start
    cohort = CohortFactory.create(programme=Programme.CJM)
    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )
    marketing = committee_create(cohort=cohort, kind=CommitteeKind.MARKETING, name="Marketing")
    finance = committee_create(cohort=cohort, kind=CommitteeKind.FINANCE, name="Finances")
    first = committee_seat_assign(committee=marketing, enrolment=enrolment, starts_on=NEXT_SUMMER)
    rotation_day = NEXT_SUMMER + datetime.timedelta(days=14)

    # When they rotate to finances
    second = committee_seat_assign(committee=finance, enrolment=enrolment, starts_on=rotation_day)

    # Then the marketing seat ends that day, and the history keeps both seats
    first.refresh_from_db()
    assert (first.starts_on, first.ends_on) == (NEXT_SUMMER, rotation_day)
    assert (second.committee, second.starts_on, second.ends_on) == (finance, rotation_day, None)
    assert list(
        CommitteeSeat.objects.filter(enrolment=enrolment).values_list("committee__name", "ends_on")
    ) == [("Marketing", rotation_day), ("Finances", None)]


def test_a_member_can_rotate_on_the_day_they_joined(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )
    marketing = committee_create(cohort=cohort, kind=CommitteeKind.MARKETING, name="Marketing")
    finance = committee_create(cohort=cohort, kind=CommitteeKind.FINANCE, name="Finances")
    first = committee_seat_assign(committee=marketing, enrolment=enrolment, starts_on=NEXT_SUMMER)

    committee_seat_assign(committee=finance, enrolment=enrolment, starts_on=NEXT_SUMMER)

    first.refresh_from_db()
    assert first.ends_on == NEXT_SUMMER


def test_a_member_cannot_sit_twice_on_the_same_committee(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )
    marketing = committee_create(cohort=cohort, kind=CommitteeKind.MARKETING, name="Marketing")
    first = committee_seat_assign(committee=marketing, enrolment=enrolment, starts_on=NEXT_SUMMER)

    with pytest.raises(ApplicationError) as refusal:
        committee_seat_assign(
            committee=marketing,
            enrolment=enrolment,
            starts_on=NEXT_SUMMER + datetime.timedelta(days=7),
        )

    assert refusal.value.message == "Cette personne siège déjà dans ce comité."
    assert list(CommitteeSeat.objects.values_list("pk", "ends_on")) == [(first.pk, None)]


def test_a_rotation_cannot_start_before_the_current_seat(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )
    marketing = committee_create(cohort=cohort, kind=CommitteeKind.MARKETING, name="Marketing")
    finance = committee_create(cohort=cohort, kind=CommitteeKind.FINANCE, name="Finances")
    first = committee_seat_assign(committee=marketing, enrolment=enrolment, starts_on=NEXT_SUMMER)

    with pytest.raises(ApplicationError) as refusal:
        committee_seat_assign(
            committee=finance,
            enrolment=enrolment,
            starts_on=NEXT_SUMMER - datetime.timedelta(days=1),
        )

    assert refusal.value.message == (
        f"Cette personne siège au comité « Marketing » depuis le "
        f"{NEXT_SUMMER.strftime('%d/%m/%Y')} ; la rotation ne peut pas commencer avant."
    )
    assert list(CommitteeSeat.objects.values_list("pk", "ends_on")) == [(first.pk, None)]


def test_a_committee_seats_only_members_of_its_cohort(in_alpha: Cae) -> None:
    cohort, other_cohort = CohortFactory.create(programme=Programme.CJM), CohortFactory.create()
    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )
    elsewhere = committee_create(cohort=other_cohort, kind=CommitteeKind.HR, name="RH")

    with pytest.raises(ApplicationError) as refusal:
        committee_seat_assign(committee=elsewhere, enrolment=enrolment, starts_on=NEXT_SUMMER)

    assert refusal.value.message == (
        "Cette personne n'est pas inscrite dans la coopérative de ce comité."
    )
    assert not CommitteeSeat.objects.exists()


def test_a_withdrawn_member_leaves_their_committee(in_alpha: Cae) -> None:
    cohort = CohortFactory.create(programme=Programme.CJM)
    enrolment = member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )
    marketing = committee_create(cohort=cohort, kind=CommitteeKind.MARKETING, name="Marketing")
    seat = committee_seat_assign(committee=marketing, enrolment=enrolment, starts_on=NEXT_SUMMER)
    left_on = NEXT_SUMMER + datetime.timedelta(days=20)

    enrolment_withdraw(enrolment=enrolment, withdrawn_on=left_on, reason="Raisons de santé")

    seat.refresh_from_db()
    assert seat.ends_on == left_on
    with pytest.raises(ApplicationError) as refusal:
        committee_seat_assign(committee=marketing, enrolment=enrolment, starts_on=left_on)
    assert refusal.value.message == "Cette personne est sortie de la coopérative."
    assert CommitteeSeat.objects.count() == 1


def test_committee_names_are_unique_within_a_cohort(in_alpha: Cae) -> None:
    cohort = CohortFactory.create()
    committee_create(cohort=cohort, kind=CommitteeKind.MARKETING, name="Com'")

    with pytest.raises(ApplicationError) as refusal:
        committee_create(cohort=cohort, kind=CommitteeKind.OTHER, name="Com'")

    assert refusal.value.message == "Ce comité ne peut pas être créé."
    assert refusal.value.details == {"__all__": ["Cette coopérative a déjà un comité de ce nom."]}
    assert cohort.committees.count() == 1
    # Another cohort may use the same name.
    assert committee_create(cohort=CohortFactory.create(), kind=CommitteeKind.OTHER, name="Com'").pk


def _enrolled(cohort_programme: str = Programme.CJM) -> Enrolment:
    cohort = CohortFactory.create(programme=cohort_programme)
    return member_enrol(
        member=MemberFactory.create(birth_date=born_aged(20)),
        cohort=cohort,
        enrolled_on=ENROLLED_ON,
    )


def test_a_withdrawal_happens_before_the_cohort_ends(in_alpha: Cae) -> None:
    enrolment = _enrolled()
    after_the_end = enrolment.cohort.ends_on + datetime.timedelta(days=1)

    with pytest.raises(ApplicationError) as refusal:
        enrolment_withdraw(enrolment=enrolment, withdrawn_on=after_the_end, reason="Fin")

    assert "Une sortie se situe avant la fin" in refusal.value.details["withdrawn_on"][0]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED


def test_an_outcome_is_not_dated_before_the_enrolment(in_alpha: Cae) -> None:
    enrolment = _enrolled()

    with pytest.raises(ApplicationError) as refusal:
        enrolment_record_outcome(
            enrolment=enrolment,
            outcome=Outcome.JOB,
            detail="CDI",
            recorded_on=ENROLLED_ON - datetime.timedelta(days=1),
        )

    assert "après l'inscription" in refusal.value.details["recorded_on"][0]
    enrolment.refresh_from_db()
    assert enrolment.outcome == ""


def test_no_seat_starts_after_the_cohort(in_alpha: Cae) -> None:
    enrolment = _enrolled()
    committee = committee_create(cohort=enrolment.cohort, kind=CommitteeKind.HR, name="RH")

    with pytest.raises(ApplicationError) as refusal:
        committee_seat_assign(
            committee=committee,
            enrolment=enrolment,
            starts_on=enrolment.cohort.ends_on + datetime.timedelta(days=1),
        )

    assert refusal.value.details["starts_on"] == ["La coopérative est finie à cette date."]
    assert not CommitteeSeat.objects.exists()
