"""Keeping the directory in step with what the CAEs publish."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from network.registry.models import Cae
from network.showcase.models import PublishedCohort


@transaction.atomic
def directory_entry_apply(
    *, schema_name: str, cohort_id: int, entry: Mapping[str, Any] | None
) -> None:
    """Store the cohort's directory row (`entry`), or remove it when `entry` is None (hidden).

    Idempotent: the CAE side always sends the whole row as it is now.
    """
    cae = Cae.objects.filter(schema_name=schema_name).first()
    if cae is None:
        return
    if entry is None:
        PublishedCohort.objects.filter(cae=cae, cohort_id=cohort_id).delete()
        return
    PublishedCohort.objects.update_or_create(
        cae=cae,
        cohort_id=cohort_id,
        defaults={
            "slug": entry["slug"],
            "name": entry["name"],
            "headline": entry.get("headline", ""),
            "programme": entry["programme"],
            "town": entry.get("town", ""),
            "starts_on": datetime.date.fromisoformat(str(entry["starts_on"])),
            "ends_on": datetime.date.fromisoformat(str(entry["ends_on"])),
            "url": entry["url"],
        },
    )
