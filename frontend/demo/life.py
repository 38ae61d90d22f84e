"""Building each demo cohort's cooperative life through the services: its ateliers and who
attended them, its assemblies and votes (the vote on the pay-sharing rule, which the cohort's
pay run applies), its members' skills assessments, its public page, and, on the national side,
its season report.

Each builder is idempotent on its own: it does nothing when what it builds is already there
(a cohort's ateliers, its vote, its assessments, its page, its pay run, its report), and builds
all of it in one transaction otherwise.
"""

from __future__ import annotations

import datetime
import struct
import zlib
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from coopilote.accounts.models import User
from coopilote.tenancy import current_cae
from frontend.demo.plan import (
    DEMO_PAGES,
    DEMO_PLACES,
    DEMO_REPORTS,
    DEMO_TODAY,
    DEMO_WORKSHOPS,
    FIRST_NAME_REFUSAL_EVERY,
    RULES_VOTE_QUESTION,
    SHARING_RETAINED_RATE,
    SHARING_VOTE_DETAILS,
    SHARING_VOTE_QUESTION,
    WORKSHOP_CATALOGUE,
    DemoCohort,
)
from network.registry.models import Cae
from network.reports.models import SeasonReport
from network.reports.services import report_approve, report_return, report_submit
from network.skillgrid.selectors import skill_grid_for
from tenants.cohorts.models import Cohort, CohortStatus
from tenants.governance.models import Decision, MeetingKind, Option, ProposalKind
from tenants.governance.services import (
    ballot_cast,
    meeting_create,
    proposal_close,
    proposal_create,
    proposal_open,
)
from tenants.pay.models import PayRun, SharingRule
from tenants.pay.services import pay_run_create, pay_run_decide, pay_run_mark_exported
from tenants.people.models import Enrolment, EnrolmentStatus, Member
from tenants.showcase.models import PublicPage
from tenants.showcase.services import (
    client_testimonial_add,
    first_name_consent_set,
    page_save,
    page_set_published,
    photo_moderate,
    photo_upload,
)
from tenants.skills.models import AssessmentPhase, SkillAssessment
from tenants.skills.services import (
    skill_assessment_rate,
    skill_assessment_review,
    skill_assessment_start,
    skill_assessment_submit,
)
from tenants.trainings.models import TrainingSession
from tenants.trainings.selectors import training_members_of_day
from tenants.trainings.services import attendance_record, training_session_create

WORKSHOP_START = datetime.time(14)
ABSENT_EVERY = 6  # in each atelier, one member in six (a different one each time) is absent


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _enrolled_members(cohort: Cohort) -> list[Member]:
    """The members who stayed (not withdrawn), in their order of enrolment."""
    enrolments = Enrolment.objects.enrolled().filter(cohort=cohort).select_related("member")
    return [enrolment.member for enrolment in enrolments.order_by("pk")]


@transaction.atomic
def workshops_build(*, plan: DemoCohort, cohort: Cohort) -> None:
    """The cohort's ateliers, spread over its dates, and who attended those already held."""
    count = DEMO_WORKSHOPS.get(plan.name, 0)
    if not count or TrainingSession.objects.filter(cohort=cohort).exists():
        return
    cae = current_cae()
    span = (plan.ends_on - plan.starts_on).days - 2
    for number, workshop in enumerate(WORKSHOP_CATALOGUE[:count]):
        day = plan.starts_on + datetime.timedelta(days=1 + span * number // count)
        organisation = workshop.trainer_organisation
        if organisation == "CAE" and cae is not None:
            organisation = cae.name
        session = training_session_create(
            cohort=cohort,
            topic=workshop.topic,
            title=workshop.title,
            trainer_name=workshop.trainer_name,
            trainer_organisation=organisation,
            date=day,
            starts_at=WORKSHOP_START,
            ends_at=datetime.time(WORKSHOP_START.hour + workshop.hours),
            place=DEMO_PLACES.get(plan.name, f"Local de la coopérative, {cohort.town}"),
        )
        if day > DEMO_TODAY:
            continue  # still to come
        members = training_members_of_day(cohort_id=cohort.pk, day=day)
        attendance_record(
            session=session,
            present_member_ids=[
                member_id
                for position, member_id in enumerate(members)
                if (position + number) % ABSENT_EVERY != ABSENT_EVERY - 1
            ],
        )


def _opening_assembly(plan: DemoCohort, cohort: Cohort) -> None:
    meeting_create(
        cohort=cohort,
        kind=MeetingKind.ASSEMBLY,
        held_on=plan.starts_on + datetime.timedelta(days=1),
        agenda="Présentation de chacun·e ; choix des services ; élection de la présidence.",
        minutes="Les services sont choisis ; la présidence est élue à main levée.",
        attendee_ids=list(
            Enrolment.objects.filter(cohort=cohort).values_list("member_id", flat=True)
        ),
    )


def _sharing_vote(plan: DemoCohort, cohort: Cohort, *, by: User) -> Decision:
    """The closing assembly a week before the end, and its vote on the sharing rule: pro rata
    of hours wins, a few members vote for equal shares, one abstains, one does not vote."""
    held_on = plan.ends_on - datetime.timedelta(days=7)
    opens_at = _at(held_on, 17, 30)
    members = _enrolled_members(cohort)
    meeting = meeting_create(
        cohort=cohort,
        kind=MeetingKind.ASSEMBLY,
        held_on=held_on,
        agenda="Bilan de la saison ; répartition du résultat.",
        minutes="Le groupe vote la règle de répartition du résultat.",
        attendee_ids=[member.pk for member in members],
    )
    proposal = proposal_create(
        cohort=cohort,
        by=by,
        question=SHARING_VOTE_QUESTION,
        details=SHARING_VOTE_DETAILS,
        kind=ProposalKind.OPTIONS,
        options=[str(SharingRule.EQUAL.label), str(SharingRule.PRO_RATA_HOURS.label)],
        closes_at=opens_at + datetime.timedelta(hours=1),
        meeting=meeting,
    )
    proposal = proposal_open(proposal=proposal, now=opens_at)
    equal, pro_rata = Option.objects.filter(proposal=proposal).order_by("position")
    for position, member in enumerate(members[:-1]):  # the last one does not vote
        option: Option | None = equal if position % 4 == 1 else pro_rata
        if position == 2:
            option = None  # abstains
        ballot_cast(
            proposal=proposal,
            member=member,
            option=option,
            now=opens_at + datetime.timedelta(minutes=position + 1),
        )
    return proposal_close(proposal=proposal, now=opens_at + datetime.timedelta(hours=1))


def _rules_vote(cohort: Cohort, *, by: User) -> None:
    """The running cohort's vote on its internal rules, open for a week from now: five of its
    eight members have voted already (the quorum is reached, four are in favour), so the
    periodic closing adopts it."""
    now = timezone.now()
    members = _enrolled_members(cohort)
    meeting = meeting_create(
        cohort=cohort,
        kind=MeetingKind.ASSEMBLY,
        held_on=DEMO_TODAY,
        agenda="Règlement intérieur ; planning des prochaines semaines.",
        minutes="Le comité RH présente le règlement intérieur ; le vote est ouvert une semaine.",
        attendee_ids=[member.pk for member in members],
    )
    proposal = proposal_create(
        cohort=cohort,
        by=by,
        question=RULES_VOTE_QUESTION,
        kind=ProposalKind.YES_NO,
        closes_at=now + datetime.timedelta(days=7),
        meeting=meeting,
    )
    proposal = proposal_open(proposal=proposal, now=now)
    in_favour, against = Option.objects.filter(proposal=proposal).order_by("position")
    for position, member in enumerate(members[:5]):
        ballot_cast(
            proposal=proposal, member=member, option=against if position == 3 else in_favour
        )


@transaction.atomic
def governance_build(*, plan: DemoCohort, cohort: Cohort, by: User) -> None:
    """The cohort's assemblies: the opening one, then the vote on the sharing rule (a closed
    cohort) or on its internal rules (the running one). Skipped once the cohort has met."""
    if cohort.meetings.exists():
        return
    _opening_assembly(plan, cohort)
    if plan.status == CohortStatus.CLOSED:
        _sharing_vote(plan, cohort, by=by)
    else:
        _rules_vote(cohort, by=by)


def _sharing_rule(decision: Decision) -> str:
    labels = {str(rule.label): rule.value for rule in SharingRule}
    winner = decision.winning_option
    return labels[winner.label] if winner is not None else SharingRule.EQUAL.value


@transaction.atomic
def pay_build(*, plan: DemoCohort, cohort: Cohort, exported_by: User) -> None:
    """A closed cohort's pay run, computed with the rule its vote adopted and decided by that
    vote; the runs of past years are also marked as taken into the CAE's payroll. Skipped when
    the cohort already has a pay run."""
    if plan.status != CohortStatus.CLOSED or PayRun.objects.filter(cohort=cohort).exists():
        return
    decision = Decision.objects.get(cohort=cohort, proposal__question=SHARING_VOTE_QUESTION)
    animateur = User.objects.get(email=plan.animateurs[0])
    run = pay_run_create(
        cohort=cohort,
        period_start=plan.starts_on,
        period_end=plan.ends_on,
        sharing_rule=_sharing_rule(decision),
        retained_rate=Decimal(SHARING_RETAINED_RATE),
        by=animateur,
    )
    run = pay_run_decide(pay_run=run, by=animateur, decision=decision)
    if plan.ends_on.year < DEMO_TODAY.year:
        pay_run_mark_exported(pay_run=run, by=exported_by)


def _levels(skill_ids: list[int], *, position: int, raise_by: int = 0) -> dict[int, int]:
    """Entry levels of 1 or 2, varying by member and skill; at exit, `raise_by` more (up to 4)."""
    return {
        skill_id: min(4, 1 + (position + number) % 2 + raise_by * (1 + number % 2))
        for number, skill_id in enumerate(skill_ids)
    }


@transaction.atomic
def skills_build(*, plan: DemoCohort, cohort: Cohort, reviewer: User) -> None:
    """Every member's entry self-assessment, gone through with them; in a closed cohort, the
    exit one of those who stayed to the end too. In the running cohort the last member's entry
    assessment waits for its review and the one before is still being filled in."""
    enrolments = list(Enrolment.objects.filter(cohort=cohort).order_by("pk"))
    if SkillAssessment.objects.filter(enrolment__cohort=cohort).exists():
        return
    grid = list(skill_grid_for(programme=cohort.programme).values_list("pk", flat=True))
    running = plan.status == CohortStatus.RUNNING
    for position, enrolment in enumerate(enrolments):
        entry = skill_assessment_start(
            enrolment=enrolment, phase=AssessmentPhase.ENTRY, grid_skill_ids=grid
        )
        entry = skill_assessment_rate(assessment=entry, levels=_levels(grid, position=position))
        if running and position == len(enrolments) - 2:
            continue  # still being filled in
        entry = skill_assessment_submit(assessment=entry)
        if running and position == len(enrolments) - 1:
            continue  # waiting for its review
        skill_assessment_review(
            assessment=entry, by=reviewer, comment="Entretien d'entrée : objectifs fixés."
        )
        if running or enrolment.status != EnrolmentStatus.ENROLLED:
            continue
        exit_assessment = skill_assessment_start(enrolment=enrolment, phase=AssessmentPhase.EXIT)
        exit_assessment = skill_assessment_rate(
            assessment=exit_assessment, levels=_levels(grid, position=position, raise_by=1)
        )
        exit_assessment = skill_assessment_submit(assessment=exit_assessment)
        skill_assessment_review(
            assessment=exit_assessment,
            by=reviewer,
            comment="Entretien de sortie : des progrès nets, à valoriser dans le CV.",
        )


def demo_photo_png(*, colour: tuple[int, int, int], width: int = 480, height: int = 320) -> bytes:
    """A real PNG standing in for a photo of a job done: a band of the cohort's colour that
    fades towards the bottom."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = bytearray()
    for y in range(height):
        fade = 255 * y // (2 * height)
        pixel = bytes(min(255, value + fade) for value in colour)
        rows += b"\x00" + pixel * width  # filter type 0, then RGB pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


@transaction.atomic
def page_build(*, plan: DemoCohort, cohort: Cohort, by: User) -> None:
    """The cohort's public page (its active services show on it), the first names of the
    members who agreed, a client's testimonial and a photo approved by an animateur·rice,
    published to the national directory."""
    page_plan = DEMO_PAGES.get(plan.name)
    if page_plan is None or PublicPage.objects.filter(cohort=cohort).exists():
        return
    page = page_save(
        cohort=cohort,
        by=by,
        slug=page_plan.slug,
        headline=page_plan.headline,
        description=page_plan.description,
        area_served=page_plan.area_served,
    )
    enrolments = Enrolment.objects.filter(cohort=cohort).select_related("member").order_by("pk")
    for position, enrolment in enumerate(enrolments, start=1):
        if position % FIRST_NAME_REFUSAL_EVERY:
            first_name_consent_set(cohort=cohort, member=enrolment.member, given=True)
    client = cohort.clients_found.order_by("pk").first()
    if page_plan.testimonial and client is not None:
        client_testimonial_add(
            cohort=cohort,
            client=client,
            text=page_plan.testimonial,
            consent_given_on=min(plan.ends_on, DEMO_TODAY),
        )
    photo = photo_upload(
        cohort=cohort,
        by=by,
        image=SimpleUploadedFile(
            "photo.png", demo_photo_png(colour=page_plan.colour), content_type="image/png"
        ),
        caption=page_plan.photo_caption,
    )
    photo_moderate(photo=photo, by=by, approve=True)
    page_set_published(page=page, by=by, published=True)


def reports_build(
    *, cae: Cae, cohorts: dict[str, int], submitted_by: User, coordinator: User
) -> None:
    """The season reports of the CAE's closed cohorts (name → id) that DEMO_REPORTS lists:
    submitted, then approved or sent back by the national coordination. Run in the public
    schema once the cohorts' facts are in the national store."""
    for name, cohort_id in cohorts.items():
        plan = DEMO_REPORTS.get(name)
        if plan is None or SeasonReport.objects.filter(cae=cae, cohort_id=cohort_id).exists():
            continue
        with transaction.atomic():
            report = report_submit(
                cae=cae, cohort_id=cohort_id, by=submitted_by, narrative=plan.narrative
            )
            if plan.outcome == "approved":
                report_approve(report=report, by=coordinator, comment=plan.comment)
            elif plan.outcome == "returned":
                report_return(report=report, by=coordinator, comment=plan.comment)
