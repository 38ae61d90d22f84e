"""The indicators dashboard and its exports, read from the national store (network.indicators).

National site: the coordinator sees the network, with tables per region and per CAE and a
drill-down to a CAE (`?cae=<id>`: its cohorts) and to a cohort (`?cae=<id>&cohort=<id>`). A
CAE's site: its staff see that CAE, animateur·rices and committee partners their cohorts (the
selectors narrow the filters; the page never widens them). Aggregates only, small groups masked
as the selectors say. An unknown filter value shows the form's error with a 400. Exports:
`export.csv` and `export.xlsx` with `table=<grouping>` and the same filters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from hashlib import sha256
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from coopilote.access import Action, can, cohort_scope
from coopilote.errors import ApplicationError
from coopilote.tenancy import current_cae
from frontend.indicator_charts import Bar, Series, grouped_bars, horizontal_bars
from network.indicators.definitions import (
    BY_KEY,
    INDICATORS,
    MASK_BELOW,
    SECTION_LABELS,
    Indicator,
    Unit,
)
from network.indicators.selectors import (
    DIMENSIONS,
    PROGRAMMES,
    Figure,
    Filters,
    Row,
    facts_in,
    facts_version,
    filters_for,
    indicator_groups,
    indicator_table,
    indicator_totals,
    last_update,
    partner_organisations,
)
from network.registry.geography import (
    DEPARTMENT_CHOICES,
    REGION_CHOICES,
    REGION_OF_DEPARTMENT,
    REGIONS,
)
from network.registry.models import NetworkMembership
from network.registry.selectors import cae_list

# The query string's filters (the selectors' names), plus the cohort of a drill-down.
FILTER_NAMES = ("year", "programme", "region", "department", "cae", "network")
COHORT = "cohort"
PAGE = "page"
TABLE_PAGE_SIZE = 50
# A rendered dashboard is kept under a key that changes with everything it shows (see below);
# the time limit only bounds the cache's size.
BODY_CACHE_SECONDS = 600
# The columns of the page's tables; the exports hold every indicator.
TABLE_COLUMNS = (
    "cohorts",
    "members",
    "completed",
    "women_share",
    "revenue",
    "hours_worked",
    "self_financing",
)
DIMENSION_LABELS = {
    "year": gettext_lazy("Année"),
    "programme": gettext_lazy("Programme"),
    "region": gettext_lazy("Région"),
    "department": gettext_lazy("Département"),
    "cae": gettext_lazy("CAE"),
    "network": gettext_lazy("Réseau"),
    "cohort": gettext_lazy("Coopérative"),
}
UNIT_NAMES = {
    Unit.NUMBER: gettext_lazy("nombre"),
    Unit.EUROS: gettext_lazy("euros"),
    Unit.HOURS: gettext_lazy("heures"),
    Unit.PERCENT: gettext_lazy("pourcentage"),
}
# Number formats of the XLSX cells, so that the spreadsheet shows what the page shows.
XLSX_FORMATS = {
    Unit.NUMBER: "#,##0",
    Unit.EUROS: '#,##0.00" €"',
    Unit.HOURS: '#,##0.00" h"',
    Unit.PERCENT: '0" %"',
}
CENT = Decimal("0.01")


def may_see_indicators(user: Any, cae: Any | None) -> bool:
    """Whether the navigation offers the dashboard: the same rule as filters_for()."""
    if can(user, Action.INDICATORS_VIEW, cae=cae):
        return True
    return cae is not None and bool(cohort_scope(user, Action.INDICATORS_VIEW, cae=cae))


# --- Reading the request ------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What the request asks for, narrowed to what the person may see."""

    filters: Filters
    cohort_id: int | None = None
    cohort_name: str = ""
    page: int = 1  # of the table whose length grows with the network (CAEs, or cohorts)


def _refusal(name: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({name: [message]}))


def _selection(request: HttpRequest, cae: Any | None) -> Selection:
    """The filters of the query string (ApplicationError for an unknown value), and the cohort
    of a drill-down, which must be one of the chosen CAE's cohorts the person may see."""
    filters = filters_for(request.user, cae, request.GET)
    page_asked = request.GET.get(PAGE, "1").strip() or "1"
    if not (page_asked.isascii() and page_asked.isdigit() and 0 < int(page_asked) < 10**6):
        raise _refusal(PAGE, _("Page inconnue : %(value)s.") % {"value": page_asked})
    page = int(page_asked)
    raw = request.GET.get(COHORT, "").strip()
    if not raw:
        return Selection(filters, page=page)
    if len(filters.caes) != 1:
        raise _refusal(COHORT, _("Choisissez d'abord la CAE de la coopérative."))
    known_form = raw.isascii() and raw.isdigit() and len(raw) <= 18  # a PostgreSQL bigint
    pair = (filters.caes[0], int(raw)) if known_form else None
    if pair is None or (filters.cohorts is not None and pair not in filters.cohorts):
        raise _refusal(COHORT, _("Coopérative inconnue : %(value)s.") % {"value": raw})
    name = (
        facts_in(Filters(caes=(pair[0],), cohorts=frozenset({pair})))
        .values_list("name", flat=True)
        .first()
    )
    if name is None:
        raise _refusal(COHORT, _("Coopérative inconnue : %(value)s.") % {"value": raw})
    return Selection(replace(filters, cohorts=frozenset({pair})), pair[1], name, page)


def _refused(request: HttpRequest) -> HttpResponse | None:
    """Sign-in first; then the selectors decide (PermissionDenied: 403)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _query(params: QueryDict, **changes: str | None) -> str:
    """The query string of the current filters with `changes` (None drops a parameter)."""
    kept: dict[str, list[str]] = {
        name: params.getlist(name) for name in (*FILTER_NAMES, COHORT) if params.getlist(name)
    }
    for name, value in changes.items():
        if value is None:
            kept.pop(name, None)
        else:
            kept[name] = [value]
    return urlencode(kept, doseq=True)


# --- Figures for the page ----------------------------------------------------------------


def _figure(row: Row | None, key: str) -> Figure:
    if row is None:
        return Figure(Decimal(0))
    return row.figures.get(key, Figure(None))


def _display(row: Row | None, key: str) -> str:
    return _figure(row, key).display(BY_KEY[key].unit)


def _bar(label: str, figure: Figure, unit: Unit) -> Bar:
    """A masked figure draws no bar and shows the selectors' text, never its value."""
    return Bar(label, None if figure.masked else figure.value, figure.display(unit))


def _sections(totals: Row, previous: Row | None, organisations: int) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for section, label in SECTION_LABELS.items():
        rows = [
            {
                "key": indicator.key,
                "label": indicator.label,
                "description": indicator.description,
                "display": _display(totals, indicator.key),
                "previous": _display(previous, indicator.key) if previous else "",
            }
            for indicator in INDICATORS
            if indicator.section == section
        ]
        if section == "cohorts":
            rows.append(
                {
                    "key": "partner_organisations",
                    "label": _("Organisations partenaires"),
                    "description": _(
                        "Organisations qui siègent au comité local d'au moins une de ces "
                        "coopératives."
                    ),
                    "display": str(organisations),
                    "previous": "",
                }
            )
        sections.append({"key": section.value, "label": label, "rows": rows})
    return sections


def _year_charts(filters: Filters) -> list[dict[str, Any]]:
    """Cohorts and members by year, one bar per programme (one query per programme)."""
    programmes = filters.programmes or PROGRAMMES
    shown = [BY_KEY["cohorts"], BY_KEY["members"]]
    tables = {
        programme: {
            row.key: row
            for row in indicator_table(replace(filters, programmes=(programme,)), "year", shown)
        }
        for programme in programmes
    }
    years = sorted({year for rows in tables.values() for year in rows})
    if not years:
        return []
    charts = []
    for key, title, description in (
        (
            "cohorts",
            _("Coopératives par année et par programme"),
            _("Nombre de coopératives qui commencent chaque année, par programme."),
        ),
        (
            "members",
            _("Coopérant·es par année et par programme"),
            _(
                "Coopérant·es inscrit·es chaque année, par programme ; « — » ou « < 5 » : "
                "petit groupe masqué."
            ),
        ),
    ):
        unit = BY_KEY[key].unit
        series = [
            Series(
                programme,
                [
                    _bar(str(year), _figure(tables[programme].get(year), key), unit)
                    for year in years
                ],
            )
            for programme in programmes
        ]
        charts.append(
            {
                "id": f"chart-{key}-by-year",
                "title": title,
                "svg": grouped_bars(
                    chart_id=f"chart-{key}-by-year",
                    title=title,
                    description=description,
                    categories=[str(year) for year in years],
                    series=series,
                ),
                "columns": programmes,
                "rows": [
                    (str(year), [one.bars[index].text for one in series])
                    for index, year in enumerate(years)
                ],
            }
        )
    return charts


def _distribution(
    chart_id: str, title: str, description: str, bars: Sequence[Bar], note: str = ""
) -> dict[str, Any]:
    scale = Decimal(100) if chart_id == "chart-gender" else None
    svg: SafeString = horizontal_bars(
        chart_id=chart_id, title=title, description=description, bars=bars, scale_top=scale
    )
    return {
        "id": chart_id,
        "title": title,
        "svg": svg,
        "note": note,
        "rows": [(bar.label, bar.text) for bar in bars],
    }


def _distributions(totals: Row) -> list[dict[str, Any]]:
    """Distributions of the totals: gender, age bands, situation at entry, outcomes, clients."""

    def bars(*keys: str) -> list[Bar]:
        return [_bar(str(BY_KEY[k].label), _figure(totals, k), BY_KEY[k].unit) for k in keys]

    return [
        _distribution(
            "chart-gender",
            _("Genre"),
            _("Part des femmes, des hommes et des autres genres (ou non précisé), en pourcentage."),
            bars("women_share", "men_share", "gender_other_share"),
        ),
        _distribution(
            "chart-age",
            _("Âge au début de la coopérative"),
            _("Coopérant·es par tranche d'âge."),
            bars("minors", "age_18_25", "age_over_25"),
        ),
        _distribution(
            "chart-entry",
            _("Situation à l'entrée"),
            _("Coopérant·es selon leur situation à l'inscription."),
            bars("entry_jobseeker", "entry_school", "entry_employed", "entry_other"),
        ),
        _distribution(
            "chart-outcomes",
            _("Après la coopérative"),
            _("Coopérant·es selon leur situation à la sortie."),
            bars("outcome_job", "outcome_training", "outcome_business", "outcome_other"),
        ),
        _distribution(
            "chart-clients",
            _("Clients par nature"),
            _("Clients servis ou facturés, par nature."),
            bars(
                "clients_individual",
                "clients_company",
                "clients_association",
                "clients_public_body",
            ),
        ),
    ]


def _page_table(
    params: QueryDict,
    group_by: str,
    title: str,
    selection: Selection,
    totals: Row,
    link: Callable[[Row], str],
) -> dict[str, Any]:
    """A table of the page: its columns only, one page of rows (the exports hold them all)."""
    columns = [BY_KEY[key] for key in TABLE_COLUMNS]
    count = indicator_groups(selection.filters, group_by)
    pages = max(1, -(-count // TABLE_PAGE_SIZE))
    page = min(selection.page, pages)  # beyond the end: the last page
    first = (page - 1) * TABLE_PAGE_SIZE
    rows = indicator_table(
        selection.filters, group_by, columns, rows=slice(first, first + TABLE_PAGE_SIZE)
    )
    base = reverse("frontend:indicators")
    return {
        "group_by": group_by,
        "title": title,
        "dimension": DIMENSION_LABELS[group_by],
        "columns": columns,
        "rows": [
            {
                "label": row.label or "—",
                "link": base + link(row),
                "cells": [_display(row, column.key) for column in columns],
            }
            for row in rows
        ],
        "total": [_display(totals, column.key) for column in columns],
        "csv": f"?{_query(params, table=group_by)}",
        "xlsx": f"?{_query(params, table=group_by)}",
        "page": page,
        "pages": pages,
        "previous": f"?{_query(params, page=str(page - 1))}" if page > 1 else "",
        "next": f"?{_query(params, page=str(page + 1))}" if page < pages else "",
    }


def _tables(
    params: QueryDict, national: bool, selection: Selection, totals: Row
) -> list[dict[str, Any]]:
    filters = selection.filters
    if selection.cohort_id is not None:
        return []
    if len(filters.caes) == 1:
        cae_param = str(filters.caes[0]) if national else None

        def cohort_link(row: Row) -> str:
            return "?" + _query(params, cae=cae_param, cohort=str(row.key[1]))

        return [_page_table(params, "cohort", _("Par coopérative"), selection, totals, cohort_link)]
    if not national:
        return []  # a CAE's site always has its one CAE: not reached
    # Regions are few: their table is never paged, whatever page the CAEs' table shows.
    return [
        _page_table(
            params,
            "region",
            _("Par région"),
            replace(selection, page=1),
            totals,
            lambda row: "?" + _query(params, region=str(row.key), department=None),
        ),
        _page_table(
            params,
            "cae",
            _("Par CAE"),
            selection,
            totals,
            lambda row: "?" + _query(params, cae=str(row.key), cohort=None),
        ),
    ]


def _form(
    params: QueryDict,
    scope: Filters,
    caes: list[tuple[str, str]] | None,
    errors: Mapping[str, list[str]],
) -> list[dict[str, Any]]:
    """The filter form's fields: choices, the value asked for, and its errors."""
    years = [
        (str(year), str(year))
        for year in facts_in(scope).order_by("year").values_list("year", flat=True).distinct()
    ]
    fields: list[tuple[str, Any, list[tuple[str, str]]]] = [
        ("year", _("Année"), years),
        ("programme", _("Programme"), [(p, p) for p in PROGRAMMES]),
    ]
    if caes is not None:
        departments = [
            (code, f"{code} ({REGIONS[REGION_OF_DEPARTMENT[code]]})")
            for code, _label in DEPARTMENT_CHOICES
        ]
        fields += [
            ("region", _("Région"), list(REGION_CHOICES)),
            ("department", _("Département"), departments),
            ("cae", _("CAE"), caes),
            (
                "network",
                _("Réseau"),
                [(value, str(label)) for value, label in NetworkMembership.choices],
            ),
        ]
    form = []
    for name, label, choices in fields:
        selected = params.get(name, "").strip()
        known = {value for value, _label in choices}
        if selected and selected not in known:
            choices = [*choices, (selected, selected)]  # keep what was asked, with its error
        form.append(
            {
                "name": name,
                "label": label,
                "choices": choices,
                "selected": selected,
                "errors": errors.get(name, []),
            }
        )
    return form


def _name(parameter: str) -> str:
    return str(DIMENSION_LABELS.get(parameter, parameter))


def _scope_label(cae: Any | None, filters: Filters, caes: list[tuple[str, str]] | None) -> str:
    """Whose figures these are: the network, a CAE, or the cohorts the person follows."""
    if cae is not None:
        if filters.cohorts is not None:
            return _("Les coopératives que vous suivez à %(cae)s") % {"cae": cae.name}
        return str(cae.name)
    names = dict(caes or [])
    chosen = [names.get(str(pk), str(pk)) for pk in filters.caes]
    return ", ".join(chosen) if chosen else _("Tout le réseau")


@require_safe
def indicators_dashboard(request: HttpRequest) -> HttpResponse:
    """Headline figures per section, charts, tables with drill-down, and the exports' links."""
    refused = _refused(request)
    if refused is not None:
        return refused
    cae = current_cae()
    scope = filters_for(request.user, cae, {})  # PermissionDenied (403) when nothing to see
    caes = (
        [(str(pk), name) for pk, name in cae_list().values_list("pk", "name")]
        if cae is None
        else None
    )
    context: dict[str, Any] = {"mask_below": MASK_BELOW, "mask_max": MASK_BELOW - 1}
    try:
        selection = _selection(request, cae)
    except ApplicationError as error:
        form = _form(request.GET, scope, caes, error.details)
        shown = {field["name"] for field in form}
        context |= {
            "form": form,
            "scope_label": _scope_label(cae, scope, caes),
            "error": error.message,
            # Errors of parameters the form does not offer (e.g. a region on a CAE's site)
            "other_errors": [
                message if message == error.message else f"{_name(name)} : {message}"
                for name, messages in error.details.items()
                if name not in shown
                for message in messages
                if message != error.message
            ],
        }
        body = render_to_string("frontend/indicators_body.html", context, request)
        return _dashboard_page(request, body, status=400)
    # Everything the body is made of is in its cache key: the store's version, the CAEs' names,
    # the partner organisations (the committees' side), the person's scope and the query. A
    # change anywhere gives a new key, so a cached body is never stale.
    organisations = partner_organisations(selection.filters)
    key = (
        "indicators-body:"
        + sha256(
            repr(
                (
                    get_language(),
                    cae.name if cae is not None else None,
                    sorted(request.GET.lists()),
                    selection.filters,
                    sorted(selection.filters.cohorts or ()),
                    caes,
                    organisations,
                    facts_version(),
                )
            ).encode()
        ).hexdigest()
    )
    body = cache.get(key)
    if body is None:
        context |= _dashboard_figures(request, cae, scope, caes, selection, organisations)
        body = render_to_string("frontend/indicators_body.html", context, request)
        cache.set(key, body, BODY_CACHE_SECONDS)
    return _dashboard_page(request, body)


def _dashboard_page(request: HttpRequest, body: str, status: int = 200) -> HttpResponse:
    context = {"title": _("Indicateurs"), "body": mark_safe(body)}  # noqa: S308 - rendered here
    return render(request, "frontend/indicators.html", context, status=status)


def _dashboard_figures(
    request: HttpRequest,
    cae: Any | None,
    scope: Filters,
    caes: list[tuple[str, str]] | None,
    selection: Selection,
    organisations: int,
) -> dict[str, Any]:
    filters = selection.filters
    totals = indicator_totals(filters)
    previous_year = filters.years[0] - 1 if len(filters.years) == 1 else None
    previous = (
        indicator_totals(replace(filters, years=(previous_year,)))
        if previous_year is not None
        else None
    )
    return {
        "form": _form(request.GET, scope, caes, {}),
        "scope_label": _scope_label(cae, filters, caes),
        "updated_at": last_update(filters),
        "year": filters.years[0] if previous_year is not None else None,
        "previous_year": previous_year,
        "sections": _sections(totals, previous, organisations),
        "year_charts": _year_charts(filters),
        "distributions": _distributions(totals),
        "tables": _tables(request.GET, cae is None, selection, totals),
        "cohort_name": selection.cohort_name,
        "back_to_cae": "?" + _query(request.GET, cohort=None) if selection.cohort_id else "",
    }


# --- Exports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """A table as the exports write it: a header, then per row its labels and, per indicator,
    a number (None when masked or undefined) with the page's text."""

    header: list[str]
    rows: list[tuple[list[str], list[tuple[Decimal | int | None, str]]]]


def export_number(indicator: Indicator, figure: Figure) -> Decimal | int | None:
    """The number an export holds: None when masked or undefined (the text then says why);
    counts as integers, everything else to the cent (percentages from 0 to 100)."""
    if figure.masked or figure.value is None:
        return None
    if indicator.denominator is None and indicator.unit == Unit.NUMBER:
        return int(figure.value)
    return figure.value.quantize(CENT, rounding=ROUND_HALF_UP)


def _heading(indicator: Indicator) -> str:
    if indicator.unit == Unit.NUMBER:
        return str(indicator.label)
    return f"{indicator.label} ({indicator.unit.value})"


def _sheet(filters: Filters, group_by: str) -> Sheet:
    rows = indicator_table(filters, group_by)
    totals = indicator_totals(filters)
    labels_header = [str(DIMENSION_LABELS[group_by])]
    cae_names: dict[int, str] = {}
    if group_by == "cohort":
        labels_header.append(str(DIMENSION_LABELS["cae"]))
        cae_names = dict(cae_list().values_list("pk", "name"))

    def cells(row: Row) -> list[tuple[Decimal | int | None, str]]:
        return [
            (export_number(indicator, _figure(row, indicator.key)), _display(row, indicator.key))
            for indicator in INDICATORS
        ]

    body = []
    for row in rows:
        labels = [row.label or "—"]
        if group_by == "cohort":
            labels.append(cae_names.get(row.key[0], ""))
        body.append((labels, cells(row)))
    total_labels = [_("Total")] + ([""] if group_by == "cohort" else [])
    body.append((total_labels, cells(totals)))
    return Sheet(labels_header + [_heading(indicator) for indicator in INDICATORS], body)


def _csv_number(value: Decimal | int) -> str:
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}".replace(".", ",")


def _csv(sheet: Sheet) -> bytes:
    """UTF-8 with a BOM, `;` between fields and a decimal comma: as French spreadsheets read."""
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(sheet.header)
    for labels, cells in sheet.rows:
        writer.writerow(
            [*labels, *(text if number is None else _csv_number(number) for number, text in cells)]
        )
    return output.getvalue().encode("utf-8-sig")


def _filters_text(filters: Filters) -> str:
    parts = [
        f"{DIMENSION_LABELS[name]} : {', '.join(str(value) for value in values)}"
        for name, values in (
            ("year", filters.years),
            ("programme", filters.programmes),
            ("region", filters.regions),
            ("department", filters.departments),
            ("cae", filters.caes),
            ("network", filters.networks),
        )
        if values
    ]
    if filters.cohorts is not None:
        parts.append(_("coopératives suivies seulement"))
    return " ; ".join(parts) or _("aucun")


def _xlsx(sheet: Sheet, filters: Filters, updated_at: Any) -> bytes:
    """One sheet with the table (numbers as numbers, masked cells as the page's text) and one
    with the indicators' definitions."""
    workbook = Workbook()
    table = workbook.active
    table.title = _("Indicateurs")[:31]
    table.append(sheet.header)
    labels_count = len(sheet.header) - len(INDICATORS)
    for labels, cells in sheet.rows:
        table.append([*labels, *(text if number is None else number for number, text in cells)])
    bold = Font(bold=True)
    for cell in table[1]:
        cell.font = bold
    for cell in table[table.max_row]:
        cell.font = bold
    for index, indicator in enumerate(INDICATORS, start=labels_count + 1):
        letter = get_column_letter(index)
        table.column_dimensions[letter].width = 16
        for (cell,) in table.iter_rows(min_row=2, min_col=index, max_col=index):
            if not isinstance(cell.value, str):
                cell.number_format = XLSX_FORMATS[indicator.unit]
    for index in range(1, labels_count + 1):
        table.column_dimensions[get_column_letter(index)].width = 30
    table.freeze_panes = table.cell(row=2, column=labels_count + 1)

    definitions = workbook.create_sheet(_("Définitions"))
    definitions.append(
        [
            _("Clé"),
            _("Indicateur"),
            _("Rubrique"),
            _("Unité"),
            _("Description"),
            _("Formule"),
            _("Masqué pour les petits groupes"),
        ]
    )
    for indicator in INDICATORS:
        definitions.append(
            [
                indicator.key,
                str(indicator.label),
                str(SECTION_LABELS[indicator.section]),
                str(UNIT_NAMES[indicator.unit]),
                str(indicator.description),
                indicator.formula,
                _("oui") if indicator.people else _("non"),
            ]
        )
    for cell in definitions[1]:
        cell.font = bold
    for letter, width in zip("ABCDEFG", (24, 36, 24, 14, 60, 60, 14), strict=True):
        definitions.column_dimensions[letter].width = width
    updated = (
        timezone.localtime(updated_at).strftime("%d/%m/%Y %H:%M") if updated_at else _("jamais")
    )
    definitions.append([])
    definitions.append([_("Filtres"), _filters_text(filters)])
    definitions.append([_("Dernière mise à jour"), updated])
    definitions.append(
        [
            _("Masquage"),
            _(
                "Chiffres sur les personnes masqués pour les groupes de moins de %(n)s "
                "coopérant·es, et comptes de 1 à %(m)s personnes jamais montrés."
            )
            % {"n": MASK_BELOW, "m": MASK_BELOW - 1},
        ]
    )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _export(request: HttpRequest, kind: str) -> HttpResponse:
    refused = _refused(request)
    if refused is not None:
        return refused
    try:
        selection = _selection(request, current_cae())
        group_by = request.GET.get("table", "")
        if group_by not in DIMENSIONS:
            raise _refusal(
                "table",
                _("Tableau inconnu : %(value)s (choisissez parmi : %(choices)s).")
                % {"value": group_by, "choices": ", ".join(DIMENSIONS)},
            )
    except ApplicationError as error:
        details = [
            f"{_name(name)} : {message}"
            for name, messages in error.details.items()
            for message in messages
            if message != error.message
        ]
        text = "\n".join([error.message, *details])
        return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")
    filters = selection.filters
    sheet = _sheet(filters, group_by)
    filename = f"indicateurs-{group_by}-{timezone.localdate():%Y%m%d}.{kind}"
    if kind == "csv":
        response = HttpResponse(_csv(sheet), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            _xlsx(sheet, filters, last_update(filters)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def indicators_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@require_safe
def indicators_export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")


urlpatterns: list[URLPattern] = [
    path("indicateurs/", indicators_dashboard, name="indicators"),
    path("indicateurs/export.csv", indicators_export_csv, name="indicators-export-csv"),
    path("indicateurs/export.xlsx", indicators_export_xlsx, name="indicators-export-xlsx"),
]
