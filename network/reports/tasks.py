"""Season reports' tasks: emails after a submission or a decision (public tables; they may
run in the schema of the CAE whose site asked for them, which sees the public schema)."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.base import NetworkTask
from network.reports.models import SeasonReport
from network.reports.services import report_reviewed_notify, report_submitted_notify


@shared_task(
    name="reports.submitted_notify",
    base=NetworkTask,
    max_retries=5,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
)
def report_submitted_notify_task(*, report_id: int, number: int) -> None:
    """Tell the national coordinators that a report waits for them."""
    report = SeasonReport.objects.select_related("cae").get(pk=report_id)
    report_submitted_notify(report=report, number=number)


@shared_task(
    name="reports.reviewed_notify",
    base=NetworkTask,
    max_retries=5,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
)
def report_reviewed_notify_task(*, report_id: int, number: int) -> None:
    """Tell the person who submitted a report the coordination's decision."""
    report = SeasonReport.objects.select_related("cae").get(pk=report_id)
    report_reviewed_notify(report=report, number=number)
