"""The national indicators: their definitions, totals and tables, read from the national store
(network.indicators), on the national site (the coordinator: the whole network) and on a CAE's
site (its staff: that CAE; animateur·rices and committee partners: their cohorts). Aggregates
only: a people figure of a group of fewer than five coopérant·es, or a count of one to four
people, comes back with `masked: true` and no value. An unknown filter value or grouping is a
400 naming it; someone who may see no figures here gets 403.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import site_of
from coopilote.access import Action
from coopilote.errors import ApplicationError
from network.indicators.definitions import INDICATORS, SECTION_LABELS
from network.indicators.selectors import (
    DIMENSIONS,
    Figure,
    Filters,
    Row,
    filters_for,
    indicator_table,
    indicator_totals,
    last_update,
    partner_organisations,
)


def _label_field(**kwargs: Any) -> Any:
    """A serializer field named `label` (typed Any: the stubs take it for `Field.label`)."""
    return serializers.CharField(**kwargs)


class IndicatorDefinitionSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = _label_field()
    description = serializers.CharField()
    # Plain strings with their values in the help text: generic enum names ("SectionEnum",
    # "UnitEnum") would collide in the schema with other fields of the same name.
    section = serializers.CharField(
        help_text="cohorts, people, economy, life or outcomes (see section_label)."
    )
    section_label = serializers.CharField()
    unit = serializers.CharField(
        help_text="'' (a number), '€', 'h' or '%' (percentages are given from 0 to 100)."
    )
    formula = serializers.CharField(
        help_text="A count, a sum, or a ratio of two of them over the cohorts' facts."
    )
    people = serializers.BooleanField(
        help_text="Counts people: masked for groups of fewer than five coopérant·es."
    )


class IndicatorFigureSerializer(serializers.Serializer[Any]):
    value = serializers.DecimalField(
        max_digits=20,
        decimal_places=2,
        rounding=ROUND_HALF_UP,
        allow_null=True,
        coerce_to_string=True,
        help_text="Null when masked, or undefined (a ratio over nothing).",
    )
    masked = serializers.BooleanField(help_text="Hidden so that nobody can be identified.")
    display = serializers.CharField(help_text="As the dashboard shows it (French: '< 5', '—').")


class IndicatorFiltersSerializer(serializers.Serializer[Any]):
    """The filters the figures answer: those asked for, narrowed to what the person may see."""

    year = serializers.ListField(child=serializers.IntegerField())
    programme = serializers.ListField(child=serializers.CharField())
    region = serializers.ListField(child=serializers.CharField())
    department = serializers.ListField(child=serializers.CharField())
    cae = serializers.ListField(child=serializers.IntegerField())
    network = serializers.ListField(child=serializers.CharField())
    own_cohorts_only = serializers.BooleanField(
        help_text="True when the figures cover only the cohorts the person follows."
    )


class IndicatorSummarySerializer(serializers.Serializer[Any]):
    indicators = IndicatorDefinitionSerializer(many=True)
    updated_at = serializers.DateTimeField(
        allow_null=True, help_text="When the freshest of these figures was computed."
    )
    filters = IndicatorFiltersSerializer()
    totals = serializers.DictField(
        child=IndicatorFigureSerializer(), help_text="Every indicator, by key."
    )
    partner_organisations = serializers.IntegerField(
        help_text="Partner organisations seated on a committee supporting one of the cohorts."
    )


class IndicatorRowSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(
        allow_null=True,
        help_text="The group's value (a year, 'CJS', a region code, a CAE id; "
        "'<CAE id>-<cohort id>' for a cohort); null for the total.",
    )
    label = _label_field()
    figures = serializers.DictField(child=IndicatorFigureSerializer())


class IndicatorTableSerializer(serializers.Serializer[Any]):
    group_by = serializers.ChoiceField(choices=DIMENSIONS)
    updated_at = serializers.DateTimeField(allow_null=True)
    filters = IndicatorFiltersSerializer()
    rows = IndicatorRowSerializer(many=True)
    total = IndicatorRowSerializer()


FILTER_PARAMETERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.STR,
        description=f"{description} Several values: comma-separated or repeated. "
        "An unknown value answers 400.",
    )
    for name, description in (
        ("year", "Year the cohorts start, e.g. 2026."),
        ("programme", "CJS, CJM or CT."),
        ("region", "INSEE region code, e.g. 53."),
        ("department", "INSEE department code, e.g. 56."),
        ("cae", "CAE id (national site; on a CAE's site, only its own)."),
        ("network", "cpe, other or none."),
    )
]


def _definitions() -> list[dict[str, Any]]:
    return [
        {
            "key": indicator.key,
            "label": str(indicator.label),
            "description": str(indicator.description),
            "section": indicator.section.value,
            "section_label": str(SECTION_LABELS[indicator.section]),
            "unit": indicator.unit.value,
            "formula": indicator.formula,
            "people": indicator.people,
        }
        for indicator in INDICATORS
    ]


def _figures(row: Row) -> dict[str, dict[str, Any]]:
    """A row's figures: a masked figure never carries its value, only its display text."""
    figures: dict[str, dict[str, Any]] = {}
    for indicator in INDICATORS:
        figure = row.figures.get(indicator.key, Figure(None))
        figures[indicator.key] = {
            "value": None if figure.masked else figure.value,
            "masked": figure.masked,
            "display": figure.display(indicator.unit),
        }
    return figures


def _row(row: Row) -> dict[str, Any]:
    if row.key is None:
        key = None
    elif isinstance(row.key, tuple):
        key = "-".join(str(part) for part in row.key)
    else:
        key = str(row.key)
    return {"key": key, "label": row.label, "figures": _figures(row)}


def _filters(filters: Filters) -> dict[str, Any]:
    return {
        "year": list(filters.years),
        "programme": list(filters.programmes),
        "region": list(filters.regions),
        "department": list(filters.departments),
        "cae": list(filters.caes),
        "network": list(filters.networks),
        "own_cohorts_only": filters.cohorts is not None,
    }


def _group_by(request: Request) -> str:
    group_by = request.query_params.get("group_by", "")
    if group_by not in DIMENSIONS:
        message = (
            _("Regroupement inconnu : %(value)s.") % {"value": group_by}
            if group_by
            else _("Indiquez le regroupement (group_by).")
        )
        choices = ", ".join(DIMENSIONS)
        raise ApplicationError(
            message,
            errors=ValidationError(
                {"group_by": [_("Choisissez parmi : %(choices)s.") % {"choices": choices}]}
            ),
        )
    return group_by


class IndicatorsAccess:
    """Who may read: the selectors decide (filters_for): 403 for nobody-may-see, 400 for an
    unknown filter value. Cohort roles reach the view; their figures are narrowed there."""

    required_actions = {"GET": Action.INDICATORS_VIEW}
    cohort_scoped = True

    def filters(self, request: Request) -> Filters:
        return filters_for(request.user, site_of(request), request.query_params)


class IndicatorSummaryApi(IndicatorsAccess, APIView):
    """The indicators' definitions and their totals over the filtered cohorts."""

    @extend_schema(
        parameters=FILTER_PARAMETERS, responses=IndicatorSummarySerializer, tags=["indicators"]
    )
    def get(self, request: Request) -> Response:
        filters = self.filters(request)
        data = {
            "indicators": _definitions(),
            "updated_at": last_update(filters),
            "filters": _filters(filters),
            "totals": _figures(indicator_totals(filters)),
            "partner_organisations": partner_organisations(filters),
        }
        return Response(IndicatorSummarySerializer(data).data)


class IndicatorTableApi(IndicatorsAccess, APIView):
    """Every indicator per group (year, programme, region, department, CAE, network or
    cohort), with the total."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                enum=list(DIMENSIONS),
                required=True,
                description="What the rows are. An unknown value answers 400.",
            ),
            *FILTER_PARAMETERS,
        ],
        responses=IndicatorTableSerializer,
        tags=["indicators"],
    )
    def get(self, request: Request) -> Response:
        filters = self.filters(request)
        group_by = _group_by(request)
        data = {
            "group_by": group_by,
            "updated_at": last_update(filters),
            "filters": _filters(filters),
            "rows": [_row(row) for row in indicator_table(filters, group_by)],
            "total": _row(indicator_totals(filters)),
        }
        return Response(IndicatorTableSerializer(data).data)


urlpatterns: list[URLPattern] = [
    path("indicators/", IndicatorSummaryApi.as_view(), name="indicator-summary"),
    path("indicators/table/", IndicatorTableApi.as_view(), name="indicator-table"),
]
