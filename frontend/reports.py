"""Season reports' pages (bilans de saison), from network.reports. Same rules as
api/v1/reports.py.

On a CAE's site (`/bilans/`), its admins and staff (REPORT_SUBMIT) see their cohorts with the
state and due date of each report, write a report, add photos and submit it. On the national
site (`/bilans/`), the coordination (REPORT_REVIEW) sees reporting completeness per CAE (late
ones named in words, not by colour only), the reports waiting for it, and a report's page where
it approves it or sends it back with a comment. Photos are served only through the views here,
after the same checks.
"""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from coopilote.access import Action
from coopilote.errors import ApplicationError
from frontend.access import require, site_cae
from frontend.forms import form_add_errors
from frontend.report_forms import (
    SeasonReportApproveForm,
    SeasonReportNarrativeForm,
    SeasonReportPhotoForm,
    SeasonReportReturnForm,
)
from network.registry.models import Cae
from network.reports.models import MAX_PHOTOS, ReportStatus, SeasonReport
from network.reports.selectors import (
    ReportFilters,
    ReportSlot,
    figures_snapshot,
    report_figures,
    report_filters_parse,
    report_get,
    report_get_for_review,
    report_list,
    report_photo_content,
    report_photos,
    report_slot,
    report_slots,
    report_submissions,
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


def _photo_response(report: SeasonReport | None, photo_id: int, cae: Any) -> HttpResponse:
    """One of the report's photos, or 404 (no report, or not its photo)."""
    photo = report.photos.filter(pk=photo_id).first() if report is not None else None
    if photo is None:
        raise Http404
    photo_file = report_photo_content(photo=photo, cae=cae)
    response = HttpResponse(photo_file.content, content_type=photo_file.content_type)
    response["Content-Disposition"] = f'inline; filename="{photo_file.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _report_context(report: SeasonReport | None, snapshot: dict[str, Any]) -> dict[str, Any]:
    return {
        "report": report,
        "figures": report_figures(snapshot),
        "figures_computed_at": (
            datetime.datetime.fromisoformat(snapshot["computed_at"])
            if snapshot.get("computed_at")
            else None
        ),
        "photos": list(report_photos(report=report)) if report is not None else [],
        "submissions": list(report_submissions(report=report)) if report is not None else [],
    }


# --- A CAE's site -------------------------------------------------------------------------


def _cae() -> Cae:
    """The CAE of this site (these pages exist on CAE sites only)."""
    cae = site_cae()
    if cae is None:
        raise Http404
    return cast(Cae, cae)


@require(Action.REPORT_SUBMIT)
def report_index(request: HttpRequest) -> HttpResponse:
    """The CAE's cohorts with the state and due date of their reports."""
    return render(request, "frontend/report_index.html", {"slots": report_slots(cae=_cae())})


def _slot_or_404(cohort_id: int) -> ReportSlot:
    slot = report_slot(cae=_cae(), cohort_id=cohort_id)
    if slot is None:
        raise Http404
    return slot


@require(Action.REPORT_SUBMIT)
def report_edit(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A cohort's report: write it, add or remove photos, submit it."""
    slot = _slot_or_404(cohort_id)
    cae = _cae()
    step = request.POST.get("step", "") if request.method == "POST" else ""
    report = slot.report
    narrative_form = SeasonReportNarrativeForm(
        request.POST if step in ("save", "submit") else None,
        initial={"narrative": report.narrative if report is not None else ""},
    )
    photo_form = SeasonReportPhotoForm(
        request.POST if step == "photo" else None, request.FILES if step == "photo" else None
    )
    failed = bool(step)
    if step and step not in ("save", "submit", "photo", "photo-remove"):
        raise Http404
    try:
        done = _apply_cae_step(request, step, cae, cohort_id, report, narrative_form, photo_form)
    except ApplicationError as error:
        form: forms.Form = photo_form if step == "photo" else narrative_form
        if step == "photo-remove" or (report is not None and not report.is_editable):
            # No form on the page to show it beside: say it at the top.
            messages.error(request, error.message)
            return redirect("frontend:report-edit", cohort_id=cohort_id)
        form_add_errors(form, error)
    else:
        if done:
            messages.success(request, done)
            return redirect("frontend:report-edit", cohort_id=cohort_id)
    frozen = report is not None and report.version > 0 and not report.is_editable
    snapshot = (
        report.figures
        if frozen and report is not None
        else figures_snapshot(cae_id=cae.pk, cohort_id=cohort_id)
    )
    context = {
        **_report_context(report, snapshot),
        "slot": slot,
        "figures_frozen": frozen,
        "editable": report is None or report.is_editable,
        "narrative_form": narrative_form,
        "photo_form": photo_form,
        "max_photos": MAX_PHOTOS,
    }
    return render(request, "frontend/report_edit.html", context, status=400 if failed else 200)


def _apply_cae_step(
    request: HttpRequest,
    step: str,
    cae: Any,
    cohort_id: int,
    report: SeasonReport | None,
    narrative_form: SeasonReportNarrativeForm,
    photo_form: SeasonReportPhotoForm,
) -> str | None:
    """Run the service behind `step`; the message that says it is done, or None when the
    form is invalid (or there is no step)."""
    if step in ("save", "submit"):
        if not narrative_form.is_valid():
            return None
        narrative = narrative_form.cleaned_data["narrative"]
        if step == "save":
            report_save_draft(cae=cae, cohort_id=cohort_id, narrative=narrative)
            return _("Le bilan est enregistré (brouillon).")
        report_submit(cae=cae, cohort_id=cohort_id, by=request.user, narrative=narrative)  # type: ignore[arg-type]
        return _("Le bilan est remis à la coordination nationale.")
    if step == "photo":
        if not photo_form.is_valid():
            return None
        report_photo_add(
            cae=cae,
            cohort_id=cohort_id,
            image=photo_form.cleaned_data["image"],
            caption=photo_form.cleaned_data["caption"],
            by=request.user,  # type: ignore[arg-type]
        )
        return _("La photo est ajoutée au bilan.")
    if step == "photo-remove":
        photo_id = request.POST.get("photo", "")
        if report is None or not photo_id.isdigit():
            raise Http404
        report_photo_remove(report=report, photo_id=int(photo_id))
        return _("La photo est retirée du bilan.")
    return None


@require(Action.REPORT_SUBMIT)
def report_photo(request: HttpRequest, cohort_id: int, photo_id: int) -> HttpResponse:
    """A photo of one of this CAE's reports."""
    cae = _cae()
    return _photo_response(report_get(cae=cae, cohort_id=cohort_id), photo_id, cae)


tenant_urlpatterns: list[URLPattern] = [
    path("", report_index, name="report-index"),
    path("cooperatives/<int:cohort_id>/", report_edit, name="report-edit"),
    path("cooperatives/<int:cohort_id>/photos/<int:photo_id>/", report_photo, name="report-photo"),
]


# --- The national site --------------------------------------------------------------------


@require(Action.REPORT_REVIEW)
def review_index(request: HttpRequest) -> HttpResponse:
    """Reporting completeness per CAE, and the reports waiting for the coordination."""
    try:
        filters = report_filters_parse({"year": request.GET.get("year", "")})
        error = ""
    except ApplicationError as refusal:
        filters, error = (
            ReportFilters(),
            "; ".join(message for messages_ in refusal.details.values() for message in messages_),
        )
    context = {
        "year": filters.year,
        "filter_error": error,
        "completeness": reporting_completeness(year=filters.year),
        "awaiting": report_list(statuses=[ReportStatus.SUBMITTED], year=filters.year),
        "decided": report_list(
            statuses=[ReportStatus.RETURNED, ReportStatus.APPROVED], year=filters.year
        ),
    }
    return render(
        request, "frontend/report_review_index.html", context, status=400 if error else 200
    )


def _review_or_404(report_id: int) -> SeasonReport:
    report = report_get_for_review(report_id=report_id)
    if report is None:
        raise Http404
    return report


@require(Action.REPORT_REVIEW)
def review_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    """A submitted report: its figures, narrative, photos and history; approve or send back."""
    report = _review_or_404(report_id)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step and step not in ("approve", "return"):
        raise Http404
    step_forms: dict[str, forms.Form] = {
        "approve": SeasonReportApproveForm(
            request.POST if step == "approve" else None, prefix="approve"
        ),
        "return": SeasonReportReturnForm(
            request.POST if step == "return" else None, prefix="return"
        ),
    }
    if step:
        form = step_forms[step]
        if form.is_valid():
            decide, done = (
                (report_approve, _("Le bilan est approuvé : il est désormais verrouillé."))
                if step == "approve"
                else (report_return, _("Le bilan est renvoyé à la CAE avec votre commentaire."))
            )
            try:
                decide(
                    report=report,
                    by=request.user,  # type: ignore[arg-type]
                    comment=form.cleaned_data["comment"],
                )
            except ApplicationError as error:
                if report.status != ReportStatus.SUBMITTED:
                    # Decided already: the decision forms are gone, say it at the top.
                    messages.error(request, error.message)
                    return redirect("frontend:report-detail", report_id=report.pk)
                form_add_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("frontend:report-detail", report_id=report.pk)
    slot = report_slot(cae=report.cae, cohort_id=report.cohort_id)
    context = {
        **_report_context(report, report.figures),
        "slot": slot,
        "forms": step_forms,
        "may_decide": report.status == ReportStatus.SUBMITTED,
    }
    return render(request, "frontend/report_review.html", context, status=400 if step else 200)


@require(Action.REPORT_REVIEW)
def review_photo(request: HttpRequest, report_id: int, photo_id: int) -> HttpResponse:
    """A photo of a submitted report, for the coordination."""
    report = _review_or_404(report_id)
    return _photo_response(report, photo_id, report.cae)


public_urlpatterns: list[URLPattern] = [
    path("", review_index, name="report-index"),
    path("<int:report_id>/", review_detail, name="report-detail"),
    path("<int:report_id>/photos/<int:photo_id>/", review_photo, name="report-photo"),
]
