"""A cohort's progress in aggregates: right on a known dataset, counting only members who
handed in both assessments, with the agreed levels where reviewed, and masked below 5 people."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from coopilote.accounts.models import User
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.skills.selectors import (
    MINIMUM_GROUP_SIZE,
    CohortSkillsProgress,
    ProgressFigures,
    skills_progress,
)
from tests.tenants.skills.helpers import ENTRY, EXIT, enrol, hand_in, review, running_cohort, start

M = Decimal

# Marketing, entry → exit: Awa 1→3, Bao 2→2, Chloé 1→2, Dylan 3→4, Emma 2→1; every other
# skill 2→2, except Emma's teamwork, agreed at 4 at her exit review (she put 2).
MARKETING = {"Awa": (1, 3), "Bao": (2, 2), "Chloé": (1, 2), "Dylan": (3, 4), "Emma": (2, 1)}


def _cohort_of_five(animateur: User, cohort: Cohort | None = None) -> Cohort:
    cohort = cohort or running_cohort()
    for name, (entry, exit_) in MARKETING.items():
        enrolment = enrol(cohort, name)
        hand_in(enrolment, ENTRY, {"marketing": entry})
        exit_assessment = hand_in(enrolment, EXIT, {"marketing": exit_})
        if name == "Emma":
            review(exit_assessment, animateur, {"teamwork": 4})
    return cohort


def _by_code(progress: CohortSkillsProgress) -> dict[str, ProgressFigures]:
    return {row.code: row.figures for row in progress.skills}


def test_the_progress_is_right_on_a_known_cohort(alpha: Cae, animateur: User) -> None:
    cohort = _cohort_of_five(animateur)
    # Not counted: an entry alone, an exit still in draft, another cohort's members.
    hand_in(enrol(cohort, "Farah"), ENTRY, default=1)
    gabin = enrol(cohort, "Gabin")
    hand_in(gabin, ENTRY, default=1)
    start(gabin, EXIT)
    _cohort_of_five(animateur, running_cohort(name="CJS d'Auray"))

    progress = skills_progress(cohort_id=cohort.pk)

    assert (progress.members, progress.masked) == (5, False)
    skills = _by_code(progress)
    assert list(skills) == [
        "marketing",
        "selling",
        "management",
        "human-resources",
        "accounting",
        "deciding-together",
        "self-confidence",
        "teamwork",
        "negotiating",
        "public-speaking",
    ]
    assert skills["marketing"] == ProgressFigures(
        members=5,
        mean_entry=M("1.80"),
        mean_exit=M("2.40"),
        progressed_share=M("0.6000"),
        masked=False,
    )
    assert skills["teamwork"] == ProgressFigures(
        members=5,
        mean_entry=M("2.00"),
        mean_exit=M("2.40"),
        progressed_share=M("0.2000"),
        masked=False,
    )
    assert skills["selling"] == ProgressFigures(
        members=5,
        mean_entry=M("2.00"),
        mean_exit=M("2.00"),
        progressed_share=M("0.0000"),
        masked=False,
    )
    # Per category, each member's level is their mean over its five skills:
    # technical Awa 1.8→2.2, Bao 2→2, Chloé 1.8→2, Dylan 2.2→2.4, Emma 2→1.8;
    # personal 2→2 for all but Emma, 2→2.4.
    assert [(row.category, row.figures) for row in progress.categories] == [
        (
            "technical",
            ProgressFigures(
                members=5,
                mean_entry=M("1.96"),
                mean_exit=M("2.08"),
                progressed_share=M("0.6000"),
                masked=False,
            ),
        ),
        (
            "personal",
            ProgressFigures(
                members=5,
                mean_entry=M("2.00"),
                mean_exit=M("2.08"),
                progressed_share=M("0.2000"),
                masked=False,
            ),
        ),
    ]


def test_fewer_than_five_members_are_masked(alpha: Cae, animateur: User) -> None:
    cohort = running_cohort()
    for name in ["Awa", "Bao", "Chloé", "Dylan"]:
        enrolment = enrol(cohort, name)
        hand_in(enrolment, ENTRY, default=1)
        hand_in(enrolment, EXIT, default=4)

    progress = skills_progress(cohort_id=cohort.pk)

    masked = ProgressFigures(
        members=4, mean_entry=None, mean_exit=None, progressed_share=None, masked=True
    )
    assert MINIMUM_GROUP_SIZE == 5
    assert (progress.members, progress.masked) == (4, True)
    assert {row.figures for row in progress.skills} == {masked}
    assert {row.figures for row in progress.categories} == {masked}


def test_a_cohort_without_assessments_has_no_figures(alpha: Cae) -> None:
    progress = skills_progress(cohort_id=running_cohort().pk)

    assert progress == CohortSkillsProgress(
        cohort_id=progress.cohort_id, members=0, masked=True, skills=[], categories=[]
    )


def test_the_progress_takes_one_query(alpha: Cae, animateur: User) -> None:
    cohort = _cohort_of_five(animateur)

    with CaptureQueriesContext(connection) as queries:
        skills_progress(cohort_id=cohort.pk)

    selects = [query["sql"] for query in queries if query["sql"].startswith("SELECT")]
    assert len(selects) == 1
