"""Season reports: the workflow (draft → submitted → returned → submitted → approved), the
figures frozen at submission, the lock the database keeps on approved reports, reporting
completeness across CAEs, photos, notifications, and who may do what in the API."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from coopilote.tasking.models import OutboxMessage
from network.indicators.models import CohortFact
from network.registry.models import Cae
from network.reports.models import (
    MAX_PHOTO_SIZE,
    ReportStatus,
    SeasonReport,
    SeasonReportPhoto,
    SeasonReportSubmission,
    SubmissionOutcome,
)
from network.reports.selectors import (
    figures_snapshot,
    report_figures,
    report_photo_content,
    report_slots,
    reporting_completeness,
)
from network.reports.services import (
    report_approve,
    report_photo_add,
    report_photo_remove,
    report_return,
    report_save_draft,
    report_submit,
)
from network.reports.tasks import report_reviewed_notify_task, report_submitted_notify_task
from tests.conftest import World, account, sign_in, site_client

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def cohort_fact(
    cae: Cae,
    cohort_id: int,
    *,
    ends_on: datetime.date,
    status: str = "closed",
    name: str = "CJS de Vannes",
    members: int = 12,
    women: int = 7,
    revenue: str = "4500.00",
    **facts: Any,
) -> CohortFact:
    """The national store's row for a cohort, as its CAE would have published it."""
    starts_on = ends_on - datetime.timedelta(days=60)
    fact, _created = CohortFact.objects.update_or_create(
        cae=cae,
        cohort_id=cohort_id,
        defaults={
            "name": name,
            "programme": "CJS",
            "status": status,
            "territory_kind": "qpv",
            "starts_on": starts_on,
            "ends_on": ends_on,
            "year": starts_on.year,
            "members": members,
            "women": women,
            "revenue_excl_vat": Decimal(revenue),
            "jobs_done": 14,
            "computed_at": timezone.now(),
            **facts,
        },
    )
    return fact


def _user(world: World, persona: str) -> User:
    user = world.personas[persona]
    assert isinstance(user, User)
    return user


def photo(content: bytes = JPEG, name: str = "ete.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


@pytest.fixture
def ended(world: World) -> CohortFact:
    """World's first cohort, ended ten days ago."""
    return cohort_fact(world.cae, world.cohort.pk, ends_on=TODAY - datetime.timedelta(days=10))


def _submitted(world: World, narrative: str = "Une belle saison.") -> SeasonReport:
    return report_submit(
        cae=world.cae,
        cohort_id=world.cohort.pk,
        by=_user(world, "staff"),
        narrative=narrative,
    )


# --- Workflow -----------------------------------------------------------------------------


def test_a_report_goes_from_draft_to_approval_through_a_return(
    world: World, ended: CohortFact
) -> None:
    staff, coordinator = _user(world, "staff"), _user(world, "coordinator")
    draft = report_save_draft(cae=world.cae, cohort_id=world.cohort.pk, narrative="  Début  ")
    assert (draft.status, draft.narrative, draft.version) == (ReportStatus.DRAFT, "Début", 0)
    assert (draft.cohort_name, draft.programme, draft.year) == (
        "CJS de Vannes",
        "CJS",
        ended.year,
    )

    report = _submitted(world, "Version 1")
    assert (report.status, report.version, report.submitted_by) == (
        ReportStatus.SUBMITTED,
        1,
        staff,
    )

    report = report_return(report=report, by=coordinator, comment="Ajoutez les partenaires.")
    assert report.status == ReportStatus.RETURNED
    assert report.review_comment == "Ajoutez les partenaires."
    report = report_save_draft(cae=world.cae, cohort_id=world.cohort.pk, narrative="Version 2")
    assert report.status == ReportStatus.RETURNED  # still with the CAE until submitted again

    report = report_submit(cae=world.cae, cohort_id=world.cohort.pk, by=staff)
    assert (report.status, report.version, report.review_comment) == (
        ReportStatus.SUBMITTED,
        2,
        "",
    )
    report = report_approve(report=report, by=coordinator)
    assert (report.status, report.reviewed_by) == (ReportStatus.APPROVED, coordinator)

    history = list(report.submissions.order_by("number"))
    assert [(s.number, s.narrative, s.outcome) for s in history] == [
        (1, "Version 1", SubmissionOutcome.RETURNED),
        (2, "Version 2", SubmissionOutcome.APPROVED),
    ]
    assert history[0].review_comment == "Ajoutez les partenaires."


def test_submitting_needs_a_narrative_and_nothing_changes_when_refused(
    world: World, ended: CohortFact
) -> None:
    report_save_draft(cae=world.cae, cohort_id=world.cohort.pk, narrative="")

    with pytest.raises(ApplicationError, match="Rédigez le bilan") as refusal:
        _submitted(world, "   ")

    assert "narrative" in refusal.value.details
    report = SeasonReport.objects.get(cae=world.cae, cohort_id=world.cohort.pk)
    assert (report.status, report.version, report.figures) == (ReportStatus.DRAFT, 0, {})
    assert not SeasonReportSubmission.objects.filter(report=report).exists()


def test_a_report_opens_seven_days_before_the_cohort_ends(world: World) -> None:
    cohort_fact(
        world.cae,
        world.cohort.pk,
        ends_on=TODAY + datetime.timedelta(days=8),
        status="running",
    )
    with pytest.raises(ApplicationError, match="pourra être remis à partir du"):
        _submitted(world)
    assert not SeasonReport.objects.filter(status=ReportStatus.SUBMITTED).exists()

    cohort_fact(
        world.cae,
        world.cohort.pk,
        ends_on=TODAY + datetime.timedelta(days=7),
        status="running",
    )
    assert _submitted(world).status == ReportStatus.SUBMITTED


def test_a_cohort_unknown_to_the_national_store_has_no_report(world: World) -> None:
    with pytest.raises(ApplicationError, match="ne sont pas encore publiés"):
        report_save_draft(cae=world.cae, cohort_id=world.cohort.pk, narrative="Texte")
    assert not SeasonReport.objects.exists()


def test_a_submitted_report_waits_for_the_coordination(world: World, ended: CohortFact) -> None:
    report = _submitted(world, "Remis")

    with pytest.raises(ApplicationError, match="attend la coordination"):
        report_save_draft(cae=world.cae, cohort_id=world.cohort.pk, narrative="Changé")
    with pytest.raises(ApplicationError, match="attend la coordination"):
        _submitted(world, "Encore")
    with pytest.raises(ApplicationError, match="attend la coordination"):
        report_photo_add(
            cae=world.cae, cohort_id=world.cohort.pk, image=photo(), by=_user(world, "staff")
        )
    report.refresh_from_db()
    assert (report.narrative, report.version) == ("Remis", 1)


def test_sending_back_needs_a_comment_and_only_a_submitted_report_is_decided(
    world: World, ended: CohortFact
) -> None:
    coordinator = _user(world, "coordinator")
    draft = report_save_draft(cae=world.cae, cohort_id=world.cohort.pk, narrative="Texte")
    with pytest.raises(ApplicationError, match="n'attend pas de décision"):
        report_approve(report=draft, by=coordinator)

    report = _submitted(world)
    with pytest.raises(ApplicationError, match="ce qu'il faut reprendre") as refusal:
        report_return(report=report, by=coordinator, comment="  ")
    assert "comment" in refusal.value.details
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    report_approve(report=report, by=coordinator)
    with pytest.raises(ApplicationError, match="n'attend pas de décision"):
        report_return(report=report, by=coordinator, comment="Trop tard")
    with pytest.raises(ApplicationError, match="approuvé"):
        report_save_draft(cae=world.cae, cohort_id=world.cohort.pk, narrative="Changé")


# --- Figures ------------------------------------------------------------------------------


def test_figures_are_frozen_at_submission(world: World, ended: CohortFact) -> None:
    report = _submitted(world)
    snapshot = report.figures
    by_key = {item["key"]: item for item in snapshot["indicators"]}
    assert by_key["revenue"] == {"key": "revenue", "unit": "€", "value": "4500.00", "masked": False}
    assert by_key["members"]["value"] == "12.00"
    assert by_key["jobs_done"]["value"] == "14.00"
    assert "cohorts" not in by_key  # about one cohort: no counts of cohorts
    assert by_key["women_share"]["value"] == "58.33"  # 7 of 12
    assert snapshot["computed_at"] == ended.computed_at.isoformat()
    assert report.submissions.get().figures == snapshot

    # The CAE's figures change afterwards: the report keeps what was submitted.
    cohort_fact(world.cae, world.cohort.pk, ends_on=ended.ends_on, revenue="9999.00")
    report.refresh_from_db()
    assert {i["key"]: i["value"] for i in report.figures["indicators"]}["revenue"] == "4500.00"
    shown = {figure.key: figure for figure in report_figures(report.figures)}
    assert shown["revenue"].display == "4\u202f500,00\u00a0€"
    assert str(shown["revenue"].label) == "Chiffre d'affaires HT"


def test_a_resubmission_takes_the_figures_of_that_day(world: World, ended: CohortFact) -> None:
    report = _submitted(world)
    report_return(report=report, by=_user(world, "coordinator"), comment="CA à vérifier")
    cohort_fact(world.cae, world.cohort.pk, ends_on=ended.ends_on, revenue="4800.00")

    report = report_submit(cae=world.cae, cohort_id=world.cohort.pk, by=_user(world, "staff"))

    values = [
        {i["key"]: i["value"] for i in s.figures["indicators"]}["revenue"]
        for s in report.submissions.order_by("number")
    ]
    assert values == ["4500.00", "4800.00"]


def test_people_figures_of_a_small_cohort_are_stored_masked_without_their_value(
    world: World,
) -> None:
    cohort_fact(
        world.cae, world.cohort.pk, ends_on=TODAY - datetime.timedelta(days=3), members=4, women=2
    )

    snapshot = figures_snapshot(cae_id=world.cae.pk, cohort_id=world.cohort.pk)

    by_key = {item["key"]: item for item in snapshot["indicators"]}
    assert by_key["members"] == {"key": "members", "unit": "", "value": None, "masked": True}
    assert by_key["women_share"]["masked"] is True
    assert by_key["revenue"]["value"] == "4500.00"  # not about people: shown
    shown = {figure.key: figure for figure in report_figures(snapshot)}
    assert shown["members"].display == "masqué"


# --- The lock -----------------------------------------------------------------------------


def test_the_database_locks_an_approved_report_its_submissions_and_photos(
    world: World, ended: CohortFact
) -> None:
    report_photo_add(
        cae=world.cae, cohort_id=world.cohort.pk, image=photo(), by=_user(world, "staff")
    )
    report = _submitted(world)
    report_approve(report=report, by=_user(world, "coordinator"))

    for attempt in (
        lambda: SeasonReport.objects.filter(pk=report.pk).update(narrative="Réécrit"),
        lambda: SeasonReport.objects.filter(pk=report.pk).update(status=ReportStatus.DRAFT),
        lambda: SeasonReport.objects.filter(pk=report.pk).delete(),
        lambda: SeasonReportSubmission.objects.filter(report=report).update(review_comment="x"),
        lambda: SeasonReportSubmission.objects.filter(report=report).delete(),
        lambda: SeasonReportPhoto.objects.filter(report=report).update(caption="x"),
        lambda: SeasonReportPhoto.objects.filter(report=report).delete(),
        lambda: SeasonReportPhoto.objects.create(
            report=report,
            image="reports/x.jpg",
            content_type="image/jpeg",
            size=1,
            uploaded_by=_user(world, "staff"),
        ),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()

    report.refresh_from_db()
    assert (report.status, report.narrative) == (ReportStatus.APPROVED, "Une belle saison.")
    assert report.submissions.count() == 1
    assert report.photos.count() == 1


def test_what_was_submitted_is_never_rewritten(world: World, ended: CohortFact) -> None:
    report = _submitted(world)

    with pytest.raises(DatabaseError), transaction.atomic():
        SeasonReportSubmission.objects.filter(report=report).update(narrative="Autre chose")
    with pytest.raises(DatabaseError), transaction.atomic():
        SeasonReportSubmission.objects.filter(report=report).update(figures={})

    assert report.submissions.get().narrative == "Une belle saison."


# --- Completeness -------------------------------------------------------------------------


def test_completeness_counts_each_cae_s_reports_and_late_cohorts(
    world: World, cae_beta: Cae
) -> None:
    staff, coordinator = _user(world, "staff"), _user(world, "coordinator")
    beta_staff = _user(world, "other_cae_staff")
    long_ago = TODAY - datetime.timedelta(days=45)
    # Alpha: one approved, one late without report, one ended recently with a draft, one running.
    cohort_fact(world.cae, 1001, ends_on=long_ago, name="A approuvée")
    cohort_fact(world.cae, 1002, ends_on=long_ago, name="A sans bilan")
    cohort_fact(world.cae, 1003, ends_on=TODAY - datetime.timedelta(days=5), name="A brouillon")
    cohort_fact(world.cae, 1004, ends_on=TODAY + datetime.timedelta(days=40), status="running")
    report = report_submit(cae=world.cae, cohort_id=1001, by=staff, narrative="Fait")
    report_approve(report=report, by=coordinator)
    report_save_draft(cae=world.cae, cohort_id=1003, narrative="En cours")
    # Beta: one submitted late but submitted (not late), one returned past due (late), and one
    # past its end date though still marked running (ended all the same).
    cohort_fact(cae_beta, 1001, ends_on=long_ago, name="B remise")
    cohort_fact(cae_beta, 1002, ends_on=long_ago, name="B renvoyée")
    cohort_fact(cae_beta, 1003, ends_on=TODAY - datetime.timedelta(days=31), status="running")
    report_submit(cae=cae_beta, cohort_id=1001, by=beta_staff, narrative="Fait")
    returned = report_submit(cae=cae_beta, cohort_id=1002, by=beta_staff, narrative="Fait")
    report_return(report=returned, by=coordinator, comment="À compléter")

    with CaptureQueriesContext(connection) as queries:
        rows = {row.cae_name: row for row in reporting_completeness()}
    # Whatever the number of CAEs (django-tenants' SET search_path left out).
    selects = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET ")]
    assert len(selects) == 2

    alpha, beta = rows["CAE Alpha"], rows["CAE Beta"]
    assert (alpha.ended, alpha.approved, alpha.submitted, alpha.returned) == (3, 1, 0, 0)
    assert (alpha.missing, alpha.late) == (2, 1)
    assert (beta.ended, beta.approved, beta.submitted, beta.returned) == (3, 0, 1, 1)
    assert (beta.missing, beta.late) == (1, 2)
    assert next(iter(rows)) == "CAE Beta"  # the latest first


def test_completeness_by_year_and_a_cohort_never_started(world: World) -> None:
    this_year = cohort_fact(world.cae, 1001, ends_on=TODAY - datetime.timedelta(days=40))
    cohort_fact(world.cae, 1002, ends_on=TODAY - datetime.timedelta(days=800))
    cohort_fact(world.cae, 1003, ends_on=TODAY - datetime.timedelta(days=50), status="draft")

    (alpha,) = [r for r in reporting_completeness(year=this_year.year) if r.cae_id == world.cae.pk]

    assert (alpha.ended, alpha.missing, alpha.late) == (1, 1, 1)


def test_a_cae_s_cohorts_with_their_due_dates(world: World, ended: CohortFact) -> None:
    cohort_fact(world.cae, world.other_cohort.pk, ends_on=TODAY - datetime.timedelta(days=31))

    slots = {slot.cohort_id: slot for slot in report_slots(cae=world.cae)}

    assert slots[world.cohort.pk].due_on == ended.ends_on + datetime.timedelta(days=30)
    assert (slots[world.cohort.pk].late, slots[world.other_cohort.pk].late) == (False, True)
    assert slots[world.cohort.pk].report is None


# --- Photos -------------------------------------------------------------------------------


def test_photos_are_stored_in_the_cae_s_folder_under_a_random_name(
    world: World, ended: CohortFact, settings: Any
) -> None:
    added = report_photo_add(
        cae=world.cae,
        cohort_id=world.cohort.pk,
        image=photo(PNG, "Camille Durand.png"),
        caption="  L'équipe  ",
        by=_user(world, "staff"),
    )

    name = str(added.image.name)
    assert name.startswith("reports/")
    assert name.endswith(".png")
    assert "Camille" not in name
    assert (added.content_type, added.caption, added.size) == ("image/png", "L'équipe", len(PNG))
    stored = settings.MEDIA_ROOT / world.cae.schema_name / added.image.name
    assert stored.read_bytes() == PNG
    assert report_photo_content(photo=added, cae=world.cae).content == PNG


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (photo(b"%PDF-1.7 not a photo", "photo.jpg"), "n'est pas une photo JPEG ou PNG"),
        (photo(b"GIF89a" + b"\x00" * 20, "photo.png"), "n'est pas une photo JPEG ou PNG"),
        (photo(b"", "vide.jpg"), "Choisissez une photo"),
        (photo(JPEG + b"\x00" * MAX_PHOTO_SIZE, "grosse.jpg"), "trop lourde : 5 Mo"),
    ],
)
def test_a_photo_must_be_a_jpeg_or_png_of_5_mb_at_most(
    world: World, ended: CohortFact, upload: SimpleUploadedFile, message: str
) -> None:
    with pytest.raises(ApplicationError, match=message) as refusal:
        report_photo_add(
            cae=world.cae, cohort_id=world.cohort.pk, image=upload, by=_user(world, "staff")
        )
    assert "image" in refusal.value.details
    assert not SeasonReportPhoto.objects.exists()


def test_six_photos_at_most_and_removing_one_frees_a_place(
    world: World, ended: CohortFact, settings: Any
) -> None:
    staff = _user(world, "staff")
    added = [
        report_photo_add(cae=world.cae, cohort_id=world.cohort.pk, image=photo(), by=staff)
        for _ in range(6)
    ]
    with pytest.raises(ApplicationError, match="6 photos au plus"):
        report_photo_add(cae=world.cae, cohort_id=world.cohort.pk, image=photo(), by=staff)

    report = SeasonReport.objects.get(cae=world.cae, cohort_id=world.cohort.pk)
    stored = settings.MEDIA_ROOT / world.cae.schema_name / added[0].image.name
    with pytest.raises(ApplicationError, match="n'est pas"):
        report_photo_remove(report=report, photo_id=999_999)
    report_photo_remove(report=report, photo_id=added[0].pk)
    assert report.photos.count() == 5
    report_photo_add(cae=world.cae, cohort_id=world.cohort.pk, image=photo(), by=staff)
    assert report.photos.count() == 6
    assert stored.exists()  # deleted after the commit only


def test_a_removed_photo_s_file_goes_after_the_commit(
    world: World, ended: CohortFact, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    added = report_photo_add(
        cae=world.cae, cohort_id=world.cohort.pk, image=photo(), by=_user(world, "staff")
    )
    stored = settings.MEDIA_ROOT / world.cae.schema_name / added.image.name

    with django_capture_on_commit_callbacks(execute=True):
        report_photo_remove(report=added.report, photo_id=added.pk)

    assert not stored.exists()


# --- Notifications ------------------------------------------------------------------------


def test_coordinators_are_told_of_a_submission_once(world: World, ended: CohortFact) -> None:
    second = account("coordination-2@example.org", is_coordinator=True)
    report = _submitted(world)
    (message,) = OutboxMessage.objects.filter(task_name="reports.submitted_notify")
    assert message.kwargs == {"report_id": report.pk, "number": 1}

    report_submitted_notify_task.apply(kwargs=message.kwargs, throw=True)
    report_submitted_notify_task.apply(kwargs=message.kwargs, throw=True)  # delivered twice

    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        [_user(world, "coordinator").email, second.email]
    )
    assert all(len(email.to) == 1 for email in mail.outbox)
    assert "CJS de Vannes" in mail.outbox[0].subject
    assert f"/bilans/{report.pk}/" in mail.outbox[0].body


@pytest.mark.parametrize(("decision", "words"), [("approve", "approuvé"), ("return", "reprendre")])
def test_the_submitter_is_told_of_the_decision_once(
    world: World, ended: CohortFact, decision: str, words: str
) -> None:
    report = _submitted(world)
    coordinator = _user(world, "coordinator")
    if decision == "approve":
        report_approve(report=report, by=coordinator)
    else:
        report_return(report=report, by=coordinator, comment="Il manque les photos.")
    (message,) = OutboxMessage.objects.filter(task_name="reports.reviewed_notify")

    report_reviewed_notify_task.apply(kwargs=message.kwargs, throw=True)
    report_reviewed_notify_task.apply(kwargs=message.kwargs, throw=True)

    (email,) = mail.outbox
    assert email.to == [_user(world, "staff").email]
    assert words in email.subject
    assert f"/bilans/cooperatives/{world.cohort.pk}/" in email.body
    if decision == "return":
        assert "Il manque les photos." in email.body


def test_notifications_are_enqueued_from_a_cae_s_schema_too(
    world: World, ended: CohortFact
) -> None:
    with schema_context(world.cae.schema_name):
        _submitted(world)
        assert OutboxMessage.objects.filter(
            task_name="reports.submitted_notify", schema_name=world.cae.schema_name
        ).exists()


# --- API ----------------------------------------------------------------------------------


def _api(world: World, persona: str, cae: Cae | None) -> Client:
    client = site_client(cae)
    sign_in(client, _user(world, persona))
    return client


def test_a_cae_writes_illustrates_and_submits_its_report_through_the_api(
    world: World, ended: CohortFact
) -> None:
    client = _api(world, "staff", world.cae)
    base = f"/api/v1/season-reports/{world.cohort.pk}/"

    (slot,) = [s for s in client.get("/api/v1/season-reports/").json() if s["report"] is None]
    assert (slot["cohort"], slot["status"], slot["late"]) == (world.cohort.pk, None, False)
    assert slot["due_on"] == (ended.ends_on + datetime.timedelta(days=30)).isoformat()
    preview = client.get(base).json()
    assert (preview["id"], preview["status"], preview["figures_frozen"]) == (None, None, False)

    response = client.put(base, {"narrative": "Brouillon"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    response = client.post(f"{base}photos/", {"image": photo(), "caption": "Le stand"})
    assert response.status_code == 201
    (added,) = response.json()["photos"]
    assert added["caption"] == "Le stand"
    assert added["url"].endswith(f"/bilans/cooperatives/{world.cohort.pk}/photos/{added['id']}/")

    response = client.post(
        f"{base}submit/", {"narrative": "Final"}, content_type="application/json"
    )

    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["version"], data["narrative"]) == ("submitted", 1, "Final")
    assert data["figures_frozen"] is True
    revenue = next(f for f in data["figures"] if f["key"] == "revenue")
    assert (revenue["value"], revenue["display"]) == ("4500.00", "4\u202f500,00\u00a0€")
    assert [s["number"] for s in data["submissions"]] == [1]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (photo(b"%PDF-1.7 a document", "photo.jpg"), "n'est pas une photo JPEG ou PNG"),
        (photo(JPEG + b"\x00" * MAX_PHOTO_SIZE, "grosse.jpg"), "trop lourde"),
    ],
)
def test_a_bad_photo_is_a_clear_400_in_the_api(
    world: World, ended: CohortFact, upload: SimpleUploadedFile, message: str
) -> None:
    client = _api(world, "staff", world.cae)

    response = client.post(f"/api/v1/season-reports/{world.cohort.pk}/photos/", {"image": upload})

    assert response.status_code == 400
    assert message in response.json()["errors"]["image"][0]
    assert not SeasonReportPhoto.objects.exists()


def test_refusals_of_the_workflow_are_400s_that_change_nothing(
    world: World, ended: CohortFact
) -> None:
    client = _api(world, "staff", world.cae)
    base = f"/api/v1/season-reports/{world.cohort.pk}/"

    response = client.post(f"{base}submit/", {}, content_type="application/json")

    assert response.status_code == 400
    assert "Rédigez le bilan" in response.json()["detail"]
    assert not SeasonReport.objects.filter(status=ReportStatus.SUBMITTED).exists()


def test_the_coordination_reviews_reports_through_the_api(world: World, ended: CohortFact) -> None:
    report = _submitted(world)
    client = _api(world, "coordinator", None)

    listed = client.get("/api/v1/season-reports/?status=submitted").json()
    assert [(r["id"], r["cae_name"], r["status"]) for r in listed] == [
        (report.pk, "CAE Alpha", "submitted")
    ]
    detail = client.get(f"/api/v1/season-reports/{report.pk}/").json()
    assert (detail["narrative"], detail["figures_frozen"]) == ("Une belle saison.", True)

    response = client.post(
        f"/api/v1/season-reports/{report.pk}/return/", {}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "comment" in response.json()["errors"]
    response = client.post(
        f"/api/v1/season-reports/{report.pk}/approve/",
        {"comment": "Merci !"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    response = client.post(
        f"/api/v1/season-reports/{report.pk}/approve/", {}, content_type="application/json"
    )
    assert response.status_code == 400

    rows = client.get("/api/v1/season-reports/completeness/").json()
    alpha = next(row for row in rows if row["cae"] == world.cae.pk)
    assert (alpha["ended"], alpha["approved"], alpha["late"]) == (1, 1, 0)


def test_unknown_filters_are_named_in_a_400(world: World) -> None:
    client = _api(world, "coordinator", None)

    response = client.get("/api/v1/season-reports/?status=lost&year=abc&cae=999999")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "year", "cae"}


def test_a_draft_stays_with_its_cae(world: World, ended: CohortFact) -> None:
    draft = report_save_draft(cae=world.cae, cohort_id=world.cohort.pk, narrative="Pas fini")
    client = _api(world, "coordinator", None)

    assert client.get(f"/api/v1/season-reports/{draft.pk}/").status_code == 404
    assert client.get("/api/v1/season-reports/").json() == []


@pytest.mark.parametrize(
    ("persona", "site", "method", "path", "expected"),
    [
        ("coop_member", "alpha", "get", "/api/v1/season-reports/", 403),
        ("animateur", "alpha", "get", "/api/v1/season-reports/", 403),
        ("coordinator", "alpha", "get", "/api/v1/season-reports/", 403),
        ("other_cae_staff", "alpha", "get", "/api/v1/season-reports/", 403),
        ("coop_member", "alpha", "post", "/api/v1/season-reports/{cohort}/submit/", 403),
        ("staff", "national", "get", "/api/v1/season-reports/", 403),
        ("cae_admin", "national", "post", "/api/v1/season-reports/{report}/approve/", 403),
        ("staff", "national", "post", "/api/v1/season-reports/{report}/return/", 403),
        ("stranger", "national", "get", "/api/v1/season-reports/completeness/", 403),
        ("cae_admin", "alpha", "get", "/api/v1/season-reports/{cohort}/", 200),
        ("coordinator", "national", "get", "/api/v1/season-reports/{report}/", 200),
    ],
)
def test_who_may_do_what_in_the_api(
    world: World,
    ended: CohortFact,
    persona: str,
    site: str,
    method: str,
    path: str,
    expected: int,
) -> None:
    report = _submitted(world)
    client = _api(world, persona, world.cae if site == "alpha" else None)
    url = path.format(cohort=world.cohort.pk, report=report.pk)

    response = getattr(client, method)(url, {"comment": "x"}, content_type="application/json")

    assert response.status_code == expected, response.content[:200]
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_cae_can_neither_see_nor_submit_another_cae_s_report(world: World, cae_beta: Cae) -> None:
    # Beta's cohort 9001 has a submitted report; alpha has no cohort 9001.
    cohort_fact(cae_beta, 9001, ends_on=TODAY - datetime.timedelta(days=3))
    beta_report = report_submit(
        cae=cae_beta, cohort_id=9001, by=_user(world, "other_cae_staff"), narrative="Beta"
    )
    client = _api(world, "staff", world.cae)

    assert client.get("/api/v1/season-reports/9001/").status_code == 404
    response = client.post(
        "/api/v1/season-reports/9001/submit/", {"narrative": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert (
        client.put(
            "/api/v1/season-reports/9001/", {"narrative": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert all(slot["cohort"] != 9001 for slot in client.get("/api/v1/season-reports/").json())
    # And on beta's own site, alpha's staff have no role at all.
    assert _api(world, "staff", cae_beta).get("/api/v1/season-reports/9001/").status_code == 403
    beta_report.refresh_from_db()
    assert (beta_report.narrative, beta_report.version) == ("Beta", 1)
    assert not SeasonReport.objects.filter(cae=world.cae).exists()
