"""Reading the national store: filters, groupings, small groups masked. Every answer is one
or two queries on the public fact table, whatever the number of CAEs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from coopilote.access import ALL_COHORTS, Action, can, cohort_scope
from coopilote.errors import ApplicationError
from network.committees.models import PartnerOrganisation, SupportedCohort
from network.indicators.definitions import BY_KEY, INDICATORS, MASK_BELOW, Indicator, Unit
from network.indicators.models import CohortFact
from network.registry.geography import DEPARTMENT_CHOICES, REGION_CHOICES
from network.registry.models import Cae, NetworkMembership

PROGRAMMES = ("CJS", "CJM", "CT")


@dataclass(frozen=True)
class Filters:
    years: tuple[int, ...] = ()
    programmes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    caes: tuple[int, ...] = ()
    networks: tuple[str, ...] = ()
    # Set by the caller from the person's rights, never from the query string.
    cohorts: frozenset[tuple[int, int]] | None = None  # (cae id, cohort id) pairs

    def q(self) -> Q:
        condition = Q()
        for name, values in (
            ("year__in", self.years),
            ("programme__in", self.programmes),
            ("region__in", self.regions),
            ("department__in", self.departments),
            ("cae_id__in", self.caes),
            ("network__in", self.networks),
        ):
            if values:
                condition &= Q(**{name: values})
        if self.cohorts is not None:
            pairs = Q(pk__in=[])
            for cae_id, cohort_id in self.cohorts:
                pairs |= Q(cae_id=cae_id, cohort_id=cohort_id)
            condition &= pairs
        return condition


_CHOICES: dict[str, set[str]] = {
    "programme": set(PROGRAMMES),
    "region": {code for code, _label in REGION_CHOICES},
    "department": {code for code, _label in DEPARTMENT_CHOICES},
    "network": {value for value, _label in NetworkMembership.choices},
}


def _values(raw: str | Sequence[str] | None) -> list[str]:
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    return [value.strip() for item in items for value in item.split(",") if value.strip()]


def filters_for(user: Any, cae: Any | None, params: Mapping[str, Any]) -> Filters:
    """The filters of a request: those asked for, narrowed to what the person may see. On the
    national site, the coordinator sees the network; on a CAE's site, CAE staff see that CAE,
    animateur·rices and committee partners their cohorts. PermissionDenied when the person may
    see nothing here; ApplicationError for a filter with an unknown value."""
    if cae is None:
        if not can(user, Action.INDICATORS_VIEW, cae=None):
            raise PermissionDenied
        return filters_parse(params)
    scope = cohort_scope(user, Action.INDICATORS_VIEW, cae=cae)
    if scope is not ALL_COHORTS and not scope:
        raise PermissionDenied
    filters = filters_parse(params)
    if filters.caes and filters.caes != (cae.pk,):
        message = _("Ce site ne montre que les chiffres de sa CAE.")
        raise ApplicationError(message, errors=ValidationError({"cae": [message]}))
    cohorts = None if scope is ALL_COHORTS else frozenset((cae.pk, c) for c in scope)
    return replace(filters, caes=(cae.pk,), cohorts=cohorts)


def _number(value: str) -> bool:
    """Digits 0-9 only ("²" is a digit to str.isdigit(), not to int())."""
    return value.isascii() and value.isdigit() and len(value) <= 9


def filters_parse(params: Mapping[str, Any]) -> Filters:
    """Filters from a query string (`year=2025,2026&programme=CJS&region=53…`). An unknown value
    is refused with a message naming it, never ignored."""
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Any] = {}
    getlist = getattr(params, "getlist", None)

    def raw(name: str) -> list[str]:
        return _values(getlist(name) if getlist else params.get(name))

    years = raw("year")
    if not all(_number(value) and 2000 <= int(value) <= 2100 for value in years):
        errors["year"] = [_("Année inconnue : %(values)s.") % {"values": ", ".join(years)}]
    else:
        parsed["years"] = tuple(sorted({int(value) for value in years}))
    for name, attribute in (
        ("programme", "programmes"),
        ("region", "regions"),
        ("department", "departments"),
        ("network", "networks"),
    ):
        values = raw(name)
        unknown = [value for value in values if value not in _CHOICES[name]]
        if unknown:
            errors[name] = [_("Valeur inconnue : %(values)s.") % {"values": ", ".join(unknown)}]
        else:
            parsed[attribute] = tuple(sorted(set(values)))
    caes = raw("cae")
    known = set(
        Cae.objects.caes()
        .filter(pk__in=[int(v) for v in caes if _number(v)])
        .values_list("pk", flat=True)
    )
    unknown_caes = [value for value in caes if not _number(value) or int(value) not in known]
    if unknown_caes:
        errors["cae"] = [_("CAE inconnue : %(values)s.") % {"values": ", ".join(unknown_caes)}]
    else:
        parsed["caes"] = tuple(sorted(known))
    if errors:
        raise ApplicationError(
            _("Ces filtres ne sont pas valides."), errors=ValidationError(errors)
        )
    return Filters(**parsed)


# What a table can be grouped by: the fact column, and how to name its values.
DIMENSIONS = ("year", "programme", "status", "region", "department", "cae", "network", "cohort")
# A cohort's lifecycle, as the CAEs' side names it (tenants/cohorts/models.py CohortStatus).
STATUS_LABELS = {
    "draft": _lazy("En préparation"),
    "recruiting": _lazy("Recrutement"),
    "running": _lazy("En activité"),
    "closed": _lazy("Terminée"),
    "archived": _lazy("Archivée"),
}


@dataclass(frozen=True)
class Figure:
    """An indicator's value in one group: None when masked or undefined (division by zero)."""

    value: Decimal | None
    masked: bool = False

    def display(self, unit: Unit) -> str:
        if self.masked:
            return _("< %(n)s") % {"n": MASK_BELOW} if self.value is not None else "—"
        if self.value is None:
            return "—"
        return _format(self.value, unit)


def _format(value: Decimal, unit: Unit) -> str:
    places = Decimal("1") if unit in {Unit.NUMBER, Unit.PERCENT} else Decimal("0.01")
    rounded = value.quantize(places, rounding=ROUND_HALF_UP)
    text = f"{rounded:,}".replace(",", "\u202f").replace(".", ",")
    if unit == Unit.EUROS:
        return f"{text}\u00a0€"
    if unit == Unit.HOURS:
        return f"{text}\u00a0h"
    if unit == Unit.PERCENT:
        return f"{text}\u00a0%"
    return text


@dataclass
class Row:
    key: Any  # the group's value (e.g. "53", 2026, a CAE id); None for the totals
    label: str
    members: int
    figures: dict[str, Figure] = field(default_factory=dict)


def _aggregates(indicators: Iterable[Indicator]) -> dict[str, Any]:
    expressions: dict[str, Any] = {"_members": BY_KEY["members"].numerator()}
    for indicator in indicators:
        expressions[f"{indicator.key}__n"] = indicator.numerator()
        if indicator.denominator is not None:
            expressions[f"{indicator.key}__d"] = indicator.denominator()
    return expressions


def _figures(values: Mapping[str, Any], indicators: Iterable[Indicator]) -> dict[str, Figure]:
    members = int(values["_members"] or 0)
    small_group = members < MASK_BELOW
    figures: dict[str, Figure] = {}
    for indicator in indicators:
        numerator = Decimal(values[f"{indicator.key}__n"] or 0)
        if indicator.people and small_group:
            figures[indicator.key] = Figure(None, masked=True)
            continue
        if indicator.denominator is None:
            value: Decimal | None = numerator
            if indicator.people and 0 < numerator < MASK_BELOW:
                figures[indicator.key] = Figure(numerator, masked=True)
                continue
        else:
            denominator = Decimal(values[f"{indicator.key}__d"] or 0)
            if indicator.people and denominator < MASK_BELOW:  # e.g. one paid member's pay
                figures[indicator.key] = Figure(None, masked=True)
                continue
            value = None if denominator == 0 else numerator / denominator
            if value is not None and indicator.unit == Unit.PERCENT:
                value *= 100
        figures[indicator.key] = Figure(value)
    return figures


def facts_in(filters: Filters) -> QuerySet[CohortFact]:
    return CohortFact.objects.filter(filters.q())


def indicator_totals(filters: Filters, indicators: Sequence[Indicator] = INDICATORS) -> Row:
    """Every indicator over the filtered cohorts (one query)."""
    values = facts_in(filters).aggregate(**_aggregates(indicators))
    return Row(None, _("Total"), int(values["_members"] or 0), _figures(values, indicators))


def _columns(group_by: str) -> list[str]:
    if group_by not in DIMENSIONS:
        raise ApplicationError(
            _("Regroupement inconnu : %(value)s.") % {"value": group_by},
            errors=ValidationError({"group_by": [_("Regroupement inconnu.")]}),
        )
    if group_by == "cohort":
        return ["cae_id", "cohort_id", "name"]
    return ["cae_id" if group_by == "cae" else group_by]


def indicator_groups(filters: Filters, group_by: str) -> int:
    """How many rows indicator_table() has for these filters (one query)."""
    return int(facts_in(filters).values(*_columns(group_by)).distinct().count())


def indicator_table(
    filters: Filters,
    group_by: str,
    indicators: Sequence[Indicator] = INDICATORS,
    *,
    rows: slice | None = None,
) -> list[Row]:
    """Every indicator per group, or the `rows` slice of them (one query, plus one for the
    CAEs' names)."""
    columns = _columns(group_by)
    grouped = (
        facts_in(filters).values(*columns).annotate(**_aggregates(indicators)).order_by(*columns)
    )
    found = list(grouped if rows is None else grouped[rows])
    labels = _labels(group_by, found)
    table = []
    for values in found:
        key = tuple(values[c] for c in columns[:2]) if group_by == "cohort" else values[columns[0]]
        table.append(
            Row(
                key,
                labels.get(key, str(key)),
                int(values["_members"] or 0),
                _figures(values, indicators),
            )
        )
    return table


def _labels(group_by: str, grouped: Iterable[Mapping[str, Any]]) -> dict[Any, str]:
    if group_by == "region":
        return dict(REGION_CHOICES)
    if group_by == "department":
        return dict(DEPARTMENT_CHOICES)
    if group_by == "network":
        return {value: str(label) for value, label in NetworkMembership.choices}
    if group_by == "status":
        return {value: str(label) for value, label in STATUS_LABELS.items()}
    if group_by == "cae":
        shown = [row["cae_id"] for row in grouped]
        return dict(Cae.objects.caes().filter(pk__in=shown).values_list("pk", "name"))
    if group_by == "cohort":
        return {(row["cae_id"], row["cohort_id"]): row["name"] for row in grouped}
    return {}


def facts_version() -> str:
    """What identifies the store's whole content (one query): its row count and the sum of its
    rows' write times. Any insert, update or delete changes it, whatever order concurrent
    transactions commit in (a latest-write time alone would miss an earlier write committed
    later), so a page cached under this version is never stale."""
    # To the microsecond (Django's Extract("epoch") keeps whole seconds).
    epoch = Func("stored_at", template="EXTRACT(EPOCH FROM %(expressions)s)")
    values = CohortFact.objects.aggregate(
        rows=Count("id"), written=Sum(epoch, output_field=DecimalField())
    )
    return f"{values['rows']}:{values['written'] or 0}"


def last_update(filters: Filters) -> Any:
    """When the freshest of these figures was computed in its CAE (None: no figures yet)."""
    return facts_in(filters).aggregate(latest=Max("computed_at"))["latest"]


def partner_organisations(filters: Filters) -> int:
    """Partner organisations currently seated on an active committee that supports one of the
    filtered cohorts (one query)."""
    facts = facts_in(filters).filter(
        cae_id=OuterRef("committee__cae_id"), cohort_id=OuterRef("cohort_id")
    )
    committees = SupportedCohort.objects.filter(
        Exists(facts), committee__dissolved_on__isnull=True
    ).values("committee_id")
    return (
        PartnerOrganisation.objects.filter(
            people__seats__committee_id__in=committees, people__seats__left_on__isnull=True
        )
        .distinct()
        .count()
    )
