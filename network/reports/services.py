"""Season reports' workflow: a CAE writes its cohort's report (draft), adds photos and submits
it, which freezes the cohort's figures from the national store; the coordination approves it
(locked for good) or sends it back with a comment, and the CAE corrects and submits it again.
Emails leave after the commit, through the outbox.

The caller checks who may act (coopilote.access: REPORT_SUBMIT for the CAE's admins and staff,
REPORT_REVIEW for the coordination) and that `cae` is the CAE of the site it acts on.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError
from coopilote.files import IMAGE_EXTENSIONS, file_kind
from coopilote.tasking.services import task_enqueue_on_commit, task_run_record
from coopilote.tenancy import site_url
from network.indicators.models import CohortFact
from network.registry.models import Cae
from network.reports.models import (
    MAX_NARRATIVE_LENGTH,
    MAX_PHOTO_SIZE,
    MAX_PHOTO_SIZE_MB,
    MAX_PHOTOS,
    ReportStatus,
    SeasonReport,
    SeasonReportPhoto,
    SeasonReportSubmission,
    SubmissionOutcome,
)
from network.reports.selectors import figures_snapshot, report_cohort_fact, report_opens_on

logger = logging.getLogger(__name__)

MAX_CAPTION_LENGTH = 200


def _refuse(message: str, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _fact_or_refuse(cae: Cae, cohort_id: int) -> CohortFact:
    fact = report_cohort_fact(cae=cae, cohort_id=cohort_id)
    if fact is None:
        raise _refuse(
            _(
                "Les chiffres de cette coopérative ne sont pas encore publiés : réessayez dans "
                "quelques instants."
            )
        )
    return fact


def _copy_cohort(report: SeasonReport, fact: CohortFact) -> None:
    report.cohort_name, report.programme, report.year = fact.name, fact.programme, fact.year


def _editable_or_refuse(report: SeasonReport) -> None:
    if report.status == ReportStatus.APPROVED:
        raise _refuse(_("Ce bilan est approuvé : il ne peut plus être modifié."))
    if report.status == ReportStatus.SUBMITTED:
        raise _refuse(
            _(
                "Ce bilan est remis et attend la coordination nationale : il ne peut pas être "
                "modifié tant qu'il ne vous est pas renvoyé."
            )
        )


def _narrative(narrative: str) -> str:
    narrative = narrative.strip()
    if len(narrative) > MAX_NARRATIVE_LENGTH:
        raise _refuse(
            _("Le bilan rédigé est trop long : %(limit)d caractères au maximum.")
            % {"limit": MAX_NARRATIVE_LENGTH},
            "narrative",
        )
    return narrative


def _report_locked(*, cae: Cae, cohort_id: int, fact: CohortFact) -> SeasonReport:
    """The cohort's report, locked for this transaction; created as a draft when new."""
    report = SeasonReport.objects.select_for_update().filter(cae=cae, cohort_id=cohort_id).first()
    if report is not None:
        return report
    report = SeasonReport(cae=cae, cohort_id=cohort_id)
    _copy_cohort(report, fact)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Started at the same moment by someone else: theirs is the report.
        report = SeasonReport.objects.select_for_update().get(cae=cae, cohort_id=cohort_id)
    return report


@transaction.atomic
def report_save_draft(*, cae: Cae, cohort_id: int, narrative: str) -> SeasonReport:
    """Write the cohort's report (started as a draft if new); refused once submitted."""
    fact = _fact_or_refuse(cae, cohort_id)
    report = _report_locked(cae=cae, cohort_id=cohort_id, fact=fact)
    _editable_or_refuse(report)
    report.narrative = _narrative(narrative)
    _copy_cohort(report, fact)
    report.save()
    return report


@transaction.atomic
def report_submit(
    *, cae: Cae, cohort_id: int, by: User, narrative: str | None = None
) -> SeasonReport:
    """Submit the cohort's report to the coordination (saving `narrative` first when given):
    the cohort's figures are frozen now from the national store, and the coordinators are
    emailed. Allowed from 7 days before the cohort's end."""
    fact = _fact_or_refuse(cae, cohort_id)
    report = _report_locked(cae=cae, cohort_id=cohort_id, fact=fact)
    _editable_or_refuse(report)
    if narrative is not None:
        report.narrative = _narrative(narrative)
    if not report.narrative:
        raise _refuse(_("Rédigez le bilan de la saison avant de le remettre."), "narrative")
    today = timezone.localdate()
    opens_on = report_opens_on(fact.ends_on)
    if today < opens_on:
        raise _refuse(
            _(
                "Ce bilan pourra être remis à partir du %(date)s, 7 jours avant la fin de la "
                "coopérative."
            )
            % {"date": date_format(opens_on, "SHORT_DATE_FORMAT")}
        )
    now = timezone.now()
    figures = figures_snapshot(cae_id=cae.pk, cohort_id=cohort_id)
    report.version += 1
    _copy_cohort(report, fact)
    report.status = ReportStatus.SUBMITTED
    report.figures = figures
    report.submitted_at, report.submitted_by = now, by
    report.reviewed_at = report.reviewed_by = None
    report.review_comment = ""
    report.save()
    SeasonReportSubmission.objects.create(
        report=report,
        number=report.version,
        narrative=report.narrative,
        figures=figures,
        submitted_at=now,
        submitted_by=by,
    )
    from network.reports.tasks import report_submitted_notify_task  # the tasks import us

    task_enqueue_on_commit(report_submitted_notify_task, report_id=report.pk, number=report.version)
    return report


def _under_review(report: SeasonReport) -> tuple[SeasonReport, SeasonReportSubmission]:
    report = SeasonReport.objects.select_for_update().select_related("cae").get(pk=report.pk)
    if report.status != ReportStatus.SUBMITTED:
        raise _refuse(
            _("Ce bilan n'attend pas de décision : il est « %(status)s ».")
            % {"status": report.get_status_display()}
        )
    submission = report.submissions.select_for_update().get(number=report.version)
    return report, submission


def _decide(
    report: SeasonReport,
    submission: SeasonReportSubmission,
    *,
    outcome: SubmissionOutcome,
    status: ReportStatus,
    by: User,
    comment: str,
) -> SeasonReport:
    now = timezone.now()
    # The submission first: once the report is approved, the database refuses any change to
    # its submissions.
    submission.outcome, submission.reviewed_at, submission.reviewed_by = outcome, now, by
    submission.review_comment = comment
    submission.save(update_fields=["outcome", "reviewed_at", "reviewed_by", "review_comment"])
    report.status, report.reviewed_at, report.reviewed_by = status, now, by
    report.review_comment = comment
    report.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment"])
    from network.reports.tasks import report_reviewed_notify_task  # the tasks import us

    task_enqueue_on_commit(report_reviewed_notify_task, report_id=report.pk, number=report.version)
    return report


@transaction.atomic
def report_approve(*, report: SeasonReport, by: User, comment: str = "") -> SeasonReport:
    """Approve a submitted report: it is locked for good; its submitter is emailed."""
    report, submission = _under_review(report)
    return _decide(
        report,
        submission,
        outcome=SubmissionOutcome.APPROVED,
        status=ReportStatus.APPROVED,
        by=by,
        comment=comment.strip(),
    )


@transaction.atomic
def report_return(*, report: SeasonReport, by: User, comment: str) -> SeasonReport:
    """Send a submitted report back to its CAE with what to correct; its submitter is emailed."""
    comment = comment.strip()
    if not comment:
        raise _refuse(_("Indiquez à la CAE ce qu'il faut reprendre dans ce bilan."), "comment")
    report, submission = _under_review(report)
    return _decide(
        report,
        submission,
        outcome=SubmissionOutcome.RETURNED,
        status=ReportStatus.RETURNED,
        by=by,
        comment=comment,
    )


# --- Photos -------------------------------------------------------------------------------


def photo_kind(file: File[Any]) -> tuple[str, str] | None:
    """(extension, content type) of a JPEG or PNG judged by its first bytes, else None."""
    kind = file_kind(file)
    return kind if kind and kind[0] in IMAGE_EXTENSIONS else None


def _photo_checked(file: File[Any] | None) -> tuple[str, str]:
    if file is None or not file.size:
        raise _refuse(_("Choisissez une photo (JPEG ou PNG)."), "image")
    if file.size > MAX_PHOTO_SIZE:
        raise _refuse(
            _("Cette photo est trop lourde : %(limit)d Mo au maximum.")
            % {"limit": MAX_PHOTO_SIZE_MB},
            "image",
        )
    kind = photo_kind(file)
    if kind is None:
        raise _refuse(
            _("Ce fichier n'est pas une photo JPEG ou PNG : seul son contenu compte, pas son nom."),
            "image",
        )
    return kind


@transaction.atomic
def report_photo_add(
    *, cae: Cae, cohort_id: int, image: File[Any] | None, by: User, caption: str = ""
) -> SeasonReportPhoto:
    """Add a photo to the cohort's report (started as a draft if new): JPEG or PNG judged by
    its content, 5 MB at most, 6 per report, while the report is a draft or sent back. Stored
    under a random name in the CAE's media folder."""
    caption = caption.strip()
    if len(caption) > MAX_CAPTION_LENGTH:
        raise _refuse(
            _("La légende est trop longue : %(limit)d caractères au maximum.")
            % {"limit": MAX_CAPTION_LENGTH},
            "caption",
        )
    extension, content_type = _photo_checked(image)
    assert image is not None  # checked above
    assert image.size is not None
    fact = _fact_or_refuse(cae, cohort_id)
    report = _report_locked(cae=cae, cohort_id=cohort_id, fact=fact)
    _editable_or_refuse(report)
    if report.photos.count() >= MAX_PHOTOS:
        raise _refuse(
            _("Un bilan compte %(limit)d photos au plus : retirez-en une d'abord.")
            % {"limit": MAX_PHOTOS},
            "image",
        )
    image.seek(0)
    # The sender's file name may carry people's names, and the address must not be guessable.
    with schema_context(cae.schema_name):
        stored_name = default_storage.save(f"reports/{uuid.uuid4().hex}.{extension}", image)
    schema_name = cae.schema_name
    photo = SeasonReportPhoto(
        report=report,
        content_type=content_type,
        size=image.size,
        caption=caption,
        uploaded_by=by,
    )
    photo.image.name = stored_name
    try:
        photo.save()
    except Exception:  # no row, no file (a later rollback of the caller may leave one behind)
        _file_delete(schema_name, stored_name)
        raise
    report.save(update_fields=["updated_at"])
    return photo


def _file_delete(schema_name: str, name: str) -> None:
    try:
        with schema_context(schema_name):
            default_storage.delete(name)
    except OSError:
        logger.warning("report photo file %s of schema %s not deleted", name, schema_name)


@transaction.atomic
def report_photo_remove(*, report: SeasonReport, photo_id: int) -> None:
    """Remove a photo from a report that is a draft or sent back; its file goes after the
    commit."""
    report = SeasonReport.objects.select_for_update().select_related("cae").get(pk=report.pk)
    photo = report.photos.filter(pk=photo_id).first()
    if photo is None:
        raise _refuse(_("Cette photo n'est pas (ou plus) dans ce bilan."))
    _editable_or_refuse(report)
    schema_name, name = report.cae.schema_name, str(photo.image.name)
    photo.delete()
    report.save(update_fields=["updated_at"])
    transaction.on_commit(lambda: _file_delete(schema_name, name))


# --- Notifications (run by tasks, after the commit) ---------------------------------------


def _send(*, subject: str, template: str, context: dict[str, Any], to: list[str]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, context)
    send_mail(subject=subject, message=body, from_email=None, recipient_list=to)


def report_submitted_notify(*, report: SeasonReport, number: int) -> bool:
    """Email the national coordinators that a report was submitted, once per submission;
    return whether it was sent now."""
    with transaction.atomic():
        _run, created = task_run_record(
            key=f"reports.submitted:{report.pk}:{number}", task_name="reports.submitted_notify"
        )
        if not created:
            return False
        recipients = list(
            User.objects.filter(is_coordinator=True, is_active=True)
            .order_by("pk")
            .values_list("email", flat=True)
        )
        if not recipients:
            logger.warning("report %s submitted, but no coordinator to tell", report.pk)
            return True
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Bilan de saison remis : %(cohort)s (%(cae)s)") % {
                "cohort": report.cohort_name,
                "cae": report.cae.name,
            }
        context = {
            "report": report,
            "number": number,
            "cae_name": report.cae.name,
            "url": f"{site_url()}/bilans/{report.pk}/",
        }
        # One message per coordinator: nobody's address is shown to the others.
        for email in recipients:
            _send(
                subject=subject,
                template="reports/email/submitted.txt",
                context=context,
                to=[email],
            )
    return True


def report_reviewed_notify(*, report: SeasonReport, number: int) -> bool:
    """Email the person who submitted this version the coordination's decision, once;
    return whether it was sent now."""
    with transaction.atomic():
        _run, created = task_run_record(
            key=f"reports.reviewed:{report.pk}:{number}", task_name="reports.reviewed_notify"
        )
        if not created:
            return False
        submission = (
            SeasonReportSubmission.objects.select_related("submitted_by")
            .filter(report=report, number=number)
            .first()
        )
        if submission is None or submission.outcome == SubmissionOutcome.PENDING:
            return True
        approved = submission.outcome == SubmissionOutcome.APPROVED
        with translation.override(settings.LANGUAGE_CODE):
            subject = (
                _("Bilan de saison approuvé : %(cohort)s")
                if approved
                else _("Bilan de saison à reprendre : %(cohort)s")
            ) % {"cohort": report.cohort_name}
        context = {
            "report": report,
            "approved": approved,
            "comment": submission.review_comment,
            "cae_name": report.cae.name,
            "url": f"{site_url(report.cae.slug)}/bilans/cooperatives/{report.cohort_id}/",
        }
        _send(
            subject=subject,
            template="reports/email/reviewed.txt",
            context=context,
            to=[submission.submitted_by.email],
        )
    return True
