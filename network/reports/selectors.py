"""Reading season reports: a CAE's cohorts and their reports, the coordinator's lists, the
figures of a report, and reporting completeness per CAE. Cohorts are read from the national
store (indicators.CohortFact), never from a CAE's schema."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from coopilote.errors import ApplicationError
from network.indicators.definitions import INDICATORS, SECTION_LABELS, Section, Unit
from network.indicators.models import CohortFact
from network.indicators.selectors import Figure, Filters, indicator_totals
from network.registry.models import Cae
from network.reports.models import (
    DUE_AFTER_END,
    SUBMIT_FROM_BEFORE_END,
    ReportStatus,
    SeasonReport,
    SeasonReportPhoto,
    SeasonReportSubmission,
)

# Cohort statuses (tenants.cohorts.models.CohortStatus, which the network may not import).
ENDED_COHORT_STATUSES = ("closed", "archived")
NOT_STARTED_COHORT_STATUS = "draft"
# A report in one of these statuses is in the coordination's hands: its cohort is not late.
FILED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.APPROVED)

_INDICATORS_BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
# A report is about one cohort: counts and shares of cohorts say nothing there, and the revenue
# per cohort is the revenue.
REPORT_INDICATORS = tuple(
    indicator
    for indicator in INDICATORS
    if indicator.section != Section.COHORTS and indicator.key != "revenue_per_cohort"
)


def report_due_on(ends_on: datetime.date) -> datetime.date:
    """The day a cohort's report is due: 30 days after its end."""
    return ends_on + DUE_AFTER_END


def report_opens_on(ends_on: datetime.date) -> datetime.date:
    """The first day a cohort's report may be submitted: 7 days before its end."""
    return ends_on - SUBMIT_FROM_BEFORE_END


def cohort_has_ended(*, status: str, ends_on: datetime.date, today: datetime.date) -> bool:
    """A cohort closed or archived, or past its end date (unless it never started)."""
    return status in ENDED_COHORT_STATUSES or (
        ends_on < today and status != NOT_STARTED_COHORT_STATUS
    )


def _ended_q(today: datetime.date) -> Q:
    return Q(status__in=ENDED_COHORT_STATUSES) | (
        Q(ends_on__lt=today) & ~Q(status=NOT_STARTED_COHORT_STATUS)
    )


def report_is_late(
    *, cohort_status: str, ends_on: datetime.date, report_status: str | None, today: datetime.date
) -> bool:
    """Ended more than 30 days ago and no report submitted or approved (a returned report,
    waiting for its correction, is late too)."""
    return (
        cohort_has_ended(status=cohort_status, ends_on=ends_on, today=today)
        and today > report_due_on(ends_on)
        and report_status not in FILED_STATUSES
    )


# --- A CAE's side -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSlot:
    """One cohort of a CAE, with its report (None when not started yet)."""

    cohort_id: int
    cohort_name: str
    programme: str
    cohort_status: str
    starts_on: datetime.date
    ends_on: datetime.date
    due_on: datetime.date
    opens_on: datetime.date
    ended: bool
    late: bool
    report: SeasonReport | None

    @property
    def status(self) -> str | None:
        return self.report.status if self.report is not None else None


def _slot(fact: CohortFact, report: SeasonReport | None, today: datetime.date) -> ReportSlot:
    return ReportSlot(
        cohort_id=fact.cohort_id,
        cohort_name=fact.name,
        programme=fact.programme,
        cohort_status=fact.status,
        starts_on=fact.starts_on,
        ends_on=fact.ends_on,
        due_on=report_due_on(fact.ends_on),
        opens_on=report_opens_on(fact.ends_on),
        ended=cohort_has_ended(status=fact.status, ends_on=fact.ends_on, today=today),
        late=report_is_late(
            cohort_status=fact.status,
            ends_on=fact.ends_on,
            report_status=report.status if report is not None else None,
            today=today,
        ),
        report=report,
    )


def report_slots(*, cae: Cae, today: datetime.date | None = None) -> list[ReportSlot]:
    """Every cohort the CAE has published, latest end first, with its report (two queries)."""
    today = today or timezone.localdate()
    facts = CohortFact.objects.filter(cae=cae).order_by("-ends_on", "name", "cohort_id")
    reports = {report.cohort_id: report for report in SeasonReport.objects.filter(cae=cae)}
    return [_slot(fact, reports.get(fact.cohort_id), today) for fact in facts]


def report_slot(
    *, cae: Cae, cohort_id: int, today: datetime.date | None = None
) -> ReportSlot | None:
    """One cohort of the CAE and its report; None when the store does not know the cohort."""
    fact = report_cohort_fact(cae=cae, cohort_id=cohort_id)
    if fact is None:
        return None
    report = report_get(cae=cae, cohort_id=cohort_id)
    return _slot(fact, report, today or timezone.localdate())


def report_get(*, cae: Cae, cohort_id: int) -> SeasonReport | None:
    return SeasonReport.objects.filter(cae=cae, cohort_id=cohort_id).first()


def report_cohort_fact(*, cae: Cae, cohort_id: int) -> CohortFact | None:
    return CohortFact.objects.filter(cae=cae, cohort_id=cohort_id).first()


# --- The coordination's side --------------------------------------------------------------


def report_get_for_review(*, report_id: int) -> SeasonReport | None:
    """A report the coordination may read: submitted at least once (drafts stay the CAE's)."""
    return (
        SeasonReport.objects.select_related("cae", "submitted_by", "reviewed_by")
        .exclude(status=ReportStatus.DRAFT)
        .filter(pk=report_id)
        .first()
    )


@dataclass(frozen=True)
class ReportFilters:
    statuses: tuple[str, ...] = ()
    cae_id: int | None = None
    year: int | None = None


def report_filters_parse(params: Mapping[str, Any]) -> ReportFilters:
    """The coordination's filters from a query string (`status=submitted&cae=3&year=2026`);
    an unknown value is refused with a message naming it, never ignored."""
    errors: dict[str, list[str]] = {}
    statuses = [v.strip() for v in str(params.get("status") or "").split(",") if v.strip()]
    allowed = {ReportStatus.SUBMITTED, ReportStatus.RETURNED, ReportStatus.APPROVED}
    unknown = [value for value in statuses if value not in allowed]
    if unknown:
        errors["status"] = [_("État inconnu : %(values)s.") % {"values": ", ".join(unknown)}]
    year = str(params.get("year") or "").strip()
    if year and not (year.isdigit() and 2000 <= int(year) <= 2100):
        errors["year"] = [_("Année inconnue : %(value)s.") % {"value": year}]
    cae = str(params.get("cae") or "").strip()
    if cae and not (cae.isdigit() and Cae.objects.caes().filter(pk=int(cae)).exists()):
        errors["cae"] = [_("CAE inconnue : %(value)s.") % {"value": cae}]
    if errors:
        raise ApplicationError(
            _("Ces filtres ne sont pas valides."), errors=ValidationError(errors)
        )
    return ReportFilters(
        statuses=tuple(statuses),
        cae_id=int(cae) if cae else None,
        year=int(year) if year else None,
    )


def report_list(
    *,
    statuses: Iterable[str] = (),
    cae_id: int | None = None,
    year: int | None = None,
) -> QuerySet[SeasonReport]:
    """Reports of the network (drafts are the CAE's business: never listed here), oldest
    submission first so that the longest waiting comes first."""
    reports = SeasonReport.objects.select_related("cae").exclude(status=ReportStatus.DRAFT)
    statuses = tuple(statuses)
    if statuses:
        reports = reports.filter(status__in=statuses)
    if cae_id is not None:
        reports = reports.filter(cae_id=cae_id)
    if year is not None:
        reports = reports.filter(year=year)
    return reports.order_by("submitted_at", "pk")


def report_submissions(*, report: SeasonReport) -> QuerySet[SeasonReportSubmission]:
    return report.submissions.select_related("submitted_by", "reviewed_by").order_by("-number")


def report_photos(*, report: SeasonReport) -> QuerySet[SeasonReportPhoto]:
    return report.photos.order_by("uploaded_at", "pk")


@dataclass(frozen=True)
class PhotoContent:
    content: bytes
    content_type: str
    filename: str


def report_photo_content(*, photo: SeasonReportPhoto, cae: Cae) -> PhotoContent:
    """The photo's bytes, read from the CAE's media folder, for a view that has checked who
    asks (5 MB at most)."""
    with schema_context(cae.schema_name), photo.image.open("rb") as file:
        content = file.read()
    return PhotoContent(
        content=content,
        content_type=photo.content_type,
        filename=str(photo.image.name).rsplit("/", 1)[-1],
    )


# --- Figures ------------------------------------------------------------------------------


def figures_snapshot(*, cae_id: int, cohort_id: int) -> dict[str, Any]:
    """The cohort's national indicators now, as stored in a submission: values as strings
    (2 decimals), masked ones without their value (one query)."""
    filters = Filters(caes=(cae_id,), cohorts=frozenset({(cae_id, cohort_id)}))
    row = indicator_totals(filters, REPORT_INDICATORS)
    computed_at = (
        CohortFact.objects.filter(cae_id=cae_id, cohort_id=cohort_id)
        .values_list("computed_at", flat=True)
        .first()
    )
    indicators = []
    for indicator in REPORT_INDICATORS:
        figure = row.figures[indicator.key]
        value = None
        if figure.value is not None and not figure.masked:
            value = str(figure.value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        indicators.append(
            {
                "key": indicator.key,
                "unit": indicator.unit.value,
                "value": value,
                "masked": figure.masked,
            }
        )
    return {
        "computed_at": computed_at.isoformat() if computed_at is not None else None,
        "indicators": indicators,
    }


@dataclass(frozen=True)
class ReportFigure:
    """One figure of a report, ready to show."""

    key: str
    label: str
    section: str
    value: Decimal | None
    masked: bool
    display: str


def report_figures(figures: Mapping[str, Any]) -> list[ReportFigure]:
    """A snapshot (`figures_snapshot()`) with labels and French formatting; figures whose
    indicator has been retired since keep their key as label."""
    shown = []
    for item in figures.get("indicators", []):
        indicator = _INDICATORS_BY_KEY.get(item["key"])
        unit = Unit(item.get("unit", ""))
        value = Decimal(item["value"]) if item.get("value") is not None else None
        masked = bool(item.get("masked"))
        display = _("masqué") if masked else Figure(value).display(unit)
        shown.append(
            ReportFigure(
                key=item["key"],
                label=str(indicator.label) if indicator is not None else item["key"],
                section=str(SECTION_LABELS[indicator.section]) if indicator is not None else "",
                value=value,
                masked=masked,
                display=display,
            )
        )
    return shown


# --- Completeness -------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletenessRow:
    """How far one CAE is with the reports of its ended cohorts (of the year when asked)."""

    cae_id: int
    cae_name: str
    ended: int  # cohorts ended: each owes a report
    approved: int
    submitted: int  # awaiting the coordination's review
    returned: int  # sent back, awaiting the CAE's correction
    missing: int  # no report yet, or a draft not submitted
    late: int  # due more than 30 days after the end and not submitted nor approved

    @property
    def complete(self) -> bool:
        return self.ended == self.approved


def reporting_completeness(
    *, year: int | None = None, today: datetime.date | None = None
) -> list[CompletenessRow]:
    """Per active CAE, its ended cohorts and where their reports stand (two queries whatever
    the number of CAEs: the CAEs, and one grouped query over the store and the reports)."""
    today = today or timezone.localdate()
    report_status = Subquery(
        SeasonReport.objects.filter(
            cae_id=OuterRef("cae_id"), cohort_id=OuterRef("cohort_id")
        ).values("status")[:1]
    )
    facts = CohortFact.objects.filter(_ended_q(today))
    if year is not None:
        facts = facts.filter(year=year)
    due_before = today - DUE_AFTER_END
    grouped = (
        facts.annotate(report_status=Coalesce(report_status, Value("")))
        .values("cae_id")
        .annotate(
            ended=Count("pk"),
            approved=Count("pk", filter=Q(report_status=ReportStatus.APPROVED)),
            submitted=Count("pk", filter=Q(report_status=ReportStatus.SUBMITTED)),
            returned=Count("pk", filter=Q(report_status=ReportStatus.RETURNED)),
            missing=Count("pk", filter=Q(report_status__in=("", ReportStatus.DRAFT))),
            late=Count(
                "pk",
                filter=Q(ends_on__lt=due_before) & ~Q(report_status__in=FILED_STATUSES),
            ),
        )
        .order_by("cae_id")
    )
    counts = {row["cae_id"]: row for row in grouped}
    rows = []
    for cae_id, name in Cae.objects.caes().active().order_by("name").values_list("pk", "name"):
        row: Mapping[str, Any] = counts.get(cae_id, {})
        rows.append(
            CompletenessRow(
                cae_id=cae_id,
                cae_name=name,
                ended=row.get("ended", 0),
                approved=row.get("approved", 0),
                submitted=row.get("submitted", 0),
                returned=row.get("returned", 0),
                missing=row.get("missing", 0),
                late=row.get("late", 0),
            )
        )
    # The latest first, then the least complete.
    rows.sort(key=lambda r: (-r.late, -(r.missing + r.returned), r.cae_name))
    return rows
