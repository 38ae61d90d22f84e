"""Writing the national store: the sink of `coopilote.facts`, and the full rebuild."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django_tenants.utils import tenant_context

from coopilote.facts import facts_compute
from network.indicators.models import FACT_FIELDS, CohortFact
from network.registry.models import Cae
from network.registry.selectors import cae_list_active

logger = logging.getLogger(__name__)


def _row(cae: Cae, facts: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **{field: facts[field] for field in FACT_FIELDS if field != "cohort_id"},
        "region": cae.region,
        "department": cae.department,
        "network": cae.network_membership,
        "year": facts["starts_on"].year,
        "computed_at": facts["computed_at"],
    }


@transaction.atomic
def facts_store(schema_name: str, facts: Sequence[Mapping[str, Any]], complete: bool) -> None:
    """Store the facts of the CAE whose schema is `schema_name`; an older computation never
    overwrites a newer one. With `complete`, the CAE's cohorts missing from `facts` are dropped."""
    cae = Cae.objects.get(schema_name=schema_name)
    for item in facts:
        row = _row(cae, item)
        stored = (
            CohortFact.objects.select_for_update()
            .filter(cae=cae, cohort_id=item["cohort_id"])
            .first()
        )
        if stored is None:
            CohortFact.objects.create(cae=cae, cohort_id=item["cohort_id"], **row)
        elif stored.computed_at <= row["computed_at"]:
            for field, value in row.items():
                setattr(stored, field, value)
            stored.save()
    if complete:
        kept = [item["cohort_id"] for item in facts]
        CohortFact.objects.filter(cae=cae).exclude(cohort_id__in=kept).delete()


def facts_rebuild(*, caes: Sequence[Cae] | None = None) -> int:
    """Recompute every cohort's facts in every active CAE's schema and replace the store's
    rows with them (the reconcile path: it must agree with the incremental one). Returns the
    number of cohorts stored.

    One transaction per CAE: a single one over hundreds of schemas holds a lock on every table
    it reads in each of them and exhausts PostgreSQL's lock table (measured: "out of shared
    memory" between 100 and 500 CAEs). Each CAE's rows are replaced at once, as the
    incremental path does; a CAE that fails leaves the others' rebuilt."""
    stored = 0
    targets = list(caes if caes is not None else cae_list_active())
    if caes is None:  # CAEs no longer active leave the national figures
        CohortFact.objects.exclude(cae__in=targets).delete()
    for cae in targets:
        with transaction.atomic():
            with tenant_context(cae):
                facts = facts_compute()
            facts_store(cae.schema_name, facts, True)
        stored += len(facts)
    logger.info("indicators rebuilt: %s cohorts in %s CAEs", stored, len(targets))
    return stored
