"""Local committees' tasks: they run in the public schema."""

from __future__ import annotations

from celery import shared_task

from coopilote.tasking.base import NetworkTask
from network.committees.models import Seat
from network.committees.services import seat_invite


@shared_task(
    name="committees.seat_invite",
    base=NetworkTask,
    max_retries=5,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
)
def seat_invite_task(*, seat_id: int) -> None:
    """Email a partner the read-only access their new seat gives them."""
    seat = Seat.objects.select_related("committee__cae", "person__user").get(pk=seat_id)
    seat_invite(seat=seat)
