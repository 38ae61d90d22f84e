from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from tenants.cohorts.models import Cohort


@transaction.atomic
def cohort_create(
    *, name: str, programme: str, starts_on: datetime.date, ends_on: datetime.date
) -> Cohort:
    """Create a cohort in the current CAE."""
    cohort = Cohort(name=name, programme=programme, starts_on=starts_on, ends_on=ends_on)
    try:
        cohort.full_clean()
    except ValidationError as error:
        raise ApplicationError(
            _("Cette coopérative ne peut pas être créée."), errors=error
        ) from error
    cohort.save()
    return cohort
