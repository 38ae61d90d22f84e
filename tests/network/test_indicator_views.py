"""The indicators dashboard, its exports and its API, on facts written straight into the store
(the feeding path is tested in test_indicator_store.py): who sees what, unknown filters, small
groups masked everywhere, the XLSX holding the dashboard's figures, and queries that do not grow
with the number of CAEs."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from coopilote.accounts.models import Role, User
from network.indicators.definitions import INDICATORS
from network.indicators.models import CohortFact
from network.indicators.selectors import Filters, indicator_table
from network.registry.fictional import fictional_identity
from network.registry.geography import REGION_OF_DEPARTMENT
from network.registry.models import Cae
from tests.conftest import account, grant, sign_in, site_client

pytestmark = pytest.mark.django_db

COMPUTED_AT = datetime.datetime(2026, 3, 14, 9, 30, tzinfo=datetime.UTC)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def make_cae(number: int, *, department: str = "44", network: str = "other") -> Cae:
    """A CAE row of the registry without a schema: the facts table only needs the row."""
    identity = fictional_identity(500 + number, department=department)
    cae: Cae = Cae.objects.create(
        name=f"CAE Indicateurs {number:02d}",
        slug=f"indicateurs-{number}",
        schema_name=f"indicateurs_{number}",
        kind="cae",
        status="active",
        region=REGION_OF_DEPARTMENT[department],
        network_membership=network,
        network_name="Réseau voisin" if network == "other" else "",
        **{key: identity[key] for key in ("legal_form", "siren", "siret", "vat_number")},
        department=department,
    )
    return cae


def fact(cae: Cae, cohort_id: int, **values: Any) -> CohortFact:
    year = values.pop("year", 2025)
    members = values.pop("members", 10)
    row = {
        "name": f"Coopérative {cohort_id}",
        "programme": "CJS",
        "status": "closed",
        "territory_kind": "other",
        "starts_on": datetime.date(year, 6, 2),
        "ends_on": datetime.date(year, 8, 29),
        "people_informed": 10 * members,
        "applicants": 2 * members,
        "members": members,
        "completed": members,
        "women": members // 2,
        "men": members - members // 2,
        "age_18_25": members,
        "entry_jobseeker": members,
        "jobs_done": 12,
        "clients_individual": 9,
        "clients_company": 3,
        "revenue_excl_vat": Decimal("4800.00"),
        "expenses_excl_vat": Decimal("4000.00"),
        "hours_worked": Decimal("250.50"),
        **values,
    }
    return CohortFact.objects.create(
        cae=cae,
        cohort_id=cohort_id,
        region=cae.region,
        department=cae.department,
        network=cae.network_membership,
        year=year,
        computed_at=values.get("computed_at", COMPUTED_AT),
        **{key: value for key, value in row.items() if key != "computed_at"},
    )


class Network:
    """Alpha (3 cohorts, one of 3 members), beta (1), and a CAE of another region (1)."""

    def __init__(self, alpha: Cae, beta: Cae) -> None:
        self.alpha, self.beta = alpha, beta
        self.loire = make_cae(1, department="44")
        self.alpha_cjs = fact(alpha, 1, members=12, outcome_business=2, outcome_job=6)
        self.alpha_ct = fact(alpha, 2, programme="CT", year=2026, members=8, territory_kind="qpv")
        self.alpha_small = fact(alpha, 3, programme="CJM", year=2026, members=3, women=2)
        self.beta_cjs = fact(beta, 1, members=10, revenue_excl_vat=Decimal("1234.56"))
        self.loire_cjs = fact(
            self.loire,
            7,
            year=2024,
            members=15,
            computed_at=COMPUTED_AT - datetime.timedelta(days=1),
        )
        self.coordinator = account("coordination-ind@example.org", is_coordinator=True)
        self.admin = account("admin-ind@example.org")
        grant(self.admin, alpha, Role.CAE_ADMIN)
        self.partner = account("partner-ind@example.org")
        grant(self.partner, alpha, Role.PARTNER, 1)
        self.animateur = account("animateur-ind@example.org")
        grant(self.animateur, alpha, Role.ANIMATEUR, 2)
        self.member = account("member-ind@example.org")
        grant(self.member, alpha, Role.MEMBER, 1)
        self.stranger = account("stranger-ind@example.org")

    def client(self, user: User | None, cae: Cae | None = None) -> Client:
        client = site_client(cae)
        if user is not None:
            sign_in(client, user)
        return client


@pytest.fixture
def network(cae_alpha: Cae, cae_beta: Cae) -> Network:
    return Network(cae_alpha, cae_beta)


def _cells(html: str, row_id: str) -> list[str]:
    match = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert match, row_id
    return re.findall(r"<td>(.*?)</td>", match.group(1), re.S)


def _table_rows(html: str, table_id: str) -> dict[str, list[str]]:
    """A page table's rows: the label (link text) -> the cells' texts."""
    match = re.search(rf'<section aria-labelledby="{table_id}">(.*?)</section>', html, re.S)
    assert match, table_id
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
        label = re.search(r'<th scope="row">(?:<a [^>]*>)?(.*?)(?:</a>)?</th>', row, re.S)
        if label:
            rows[label.group(1)] = re.findall(r"<td>(.*?)</td>", row, re.S)
    return rows


def _api(client: Client, path: str = "/api/v1/indicators/", **params: str) -> Any:
    return client.get(path, params)


# --- Who sees what --------------------------------------------------------------------------


def test_the_coordinator_sees_the_whole_network(network: Network) -> None:
    client = network.client(network.coordinator)

    page = client.get("/indicateurs/")
    api = _api(client).json()

    assert page.status_code == 200
    html = page.content.decode()
    assert _cells(html, "indicator-cohorts") == ["5"]
    assert _cells(html, "indicator-members") == ["48"]
    caes = _table_rows(html, "table-cae")
    assert set(caes) == {"CAE Alpha", "CAE Beta", "CAE Indicateurs 01", "Total"}
    assert api["totals"]["cohorts"] == {"value": "5.00", "masked": False, "display": "5"}
    assert api["filters"]["own_cohorts_only"] is False
    assert "Dernière mise à jour : 14 mars 2026 10:30" in html


def test_the_coordinator_drills_down_to_a_cae_and_to_a_cohort(network: Network) -> None:
    client = network.client(network.coordinator)

    cae_page = client.get("/indicateurs/", {"cae": network.alpha.pk}).content.decode()
    cohort_page = client.get(
        "/indicateurs/", {"cae": network.alpha.pk, "cohort": 2}
    ).content.decode()

    cohorts = _table_rows(cae_page, "table-cohort")
    assert set(cohorts) == {"Coopérative 1", "Coopérative 2", "Coopérative 3", "Total"}
    assert f'href="/indicateurs/?cae={network.alpha.pk}&amp;cohort=2"' in cae_page
    assert _cells(cae_page, "indicator-cohorts") == ["3"]
    assert _cells(cohort_page, "indicator-cohorts") == ["1"]
    assert _cells(cohort_page, "indicator-members") == ["8"]
    assert "<p>CAE Alpha — Coopérative 2</p>" in cohort_page


def test_a_cae_admin_sees_only_their_cae(network: Network) -> None:
    client = network.client(network.admin, network.alpha)

    page = client.get("/indicateurs/")
    api = _api(client).json()

    html = page.content.decode()
    assert page.status_code == 200
    assert _cells(html, "indicator-cohorts") == ["3"]
    assert api["totals"]["cohorts"]["value"] == "3.00"
    assert api["filters"]["cae"] == [network.alpha.pk]
    assert 'name="cae"' not in html  # no CAE filter on a CAE's site
    assert set(_table_rows(html, "table-cohort")) == {
        "Coopérative 1",
        "Coopérative 2",
        "Coopérative 3",
        "Total",
    }


def test_a_cae_admin_cannot_ask_for_another_cae(network: Network) -> None:
    client = network.client(network.admin, network.alpha)

    page = client.get("/indicateurs/", {"cae": network.beta.pk})
    api = _api(client, cae=str(network.beta.pk))
    table = _api(client, "/api/v1/indicators/table/", group_by="cae", cae=str(network.beta.pk))
    export = client.get("/indicateurs/export.xlsx", {"table": "cae", "cae": network.beta.pk})

    assert page.status_code == 400
    assert "Ce site ne montre que les chiffres de sa CAE." in page.content.decode()
    assert api.status_code == 400
    assert api.json()["errors"] == {"cae": ["Ce site ne montre que les chiffres de sa CAE."]}
    assert table.status_code == 400
    assert export.status_code == 400
    assert "CAE Beta" not in page.content.decode()


def test_a_cae_admin_has_no_national_dashboard(network: Network) -> None:
    client = network.client(network.admin)

    assert client.get("/indicateurs/").status_code == 403
    assert _api(client).status_code == 403


@pytest.mark.parametrize(("persona", "cohort"), [("partner", 1), ("animateur", 2)])
def test_cohort_roles_see_their_cohorts_only(network: Network, persona: str, cohort: int) -> None:
    client = network.client(getattr(network, persona), network.alpha)

    page = client.get("/indicateurs/")
    api = _api(client).json()
    table = _api(client, "/api/v1/indicators/table/", group_by="cohort").json()

    assert page.status_code == 200
    assert _cells(page.content.decode(), "indicator-cohorts") == ["1"]
    assert api["totals"]["cohorts"]["value"] == "1.00"
    assert api["filters"]["own_cohorts_only"] is True
    assert [row["key"] for row in table["rows"]] == [f"{network.alpha.pk}-{cohort}"]
    other = 2 if cohort == 1 else 1
    refused = client.get("/indicateurs/", {"cohort": other})
    assert refused.status_code == 400
    assert f"Coopérative {other}" not in refused.content.decode()


def test_the_navigation_offers_the_dashboard_to_whoever_may_see_it(network: Network) -> None:
    link = 'href="/indicateurs/"'

    assert link in network.client(network.coordinator).get("/").content.decode()
    assert link in network.client(network.partner, network.alpha).get("/").content.decode()
    assert link not in network.client(network.member, network.alpha).get("/").content.decode()
    assert link not in network.client(network.stranger).get("/").content.decode()


@pytest.mark.parametrize(
    ("persona", "site", "page_status", "api_status"),
    [
        ("anonymous", "network", 302, 403),
        ("anonymous", "alpha", 302, 403),
        ("member", "alpha", 403, 403),
        ("stranger", "network", 403, 403),
        ("stranger", "alpha", 403, 403),
        ("admin", "beta", 403, 403),
        ("partner", "beta", 403, 403),
    ],
)
def test_refusals(
    network: Network, persona: str, site: str, page_status: int, api_status: int
) -> None:
    user = None if persona == "anonymous" else getattr(network, persona)
    client = network.client(user, None if site == "network" else getattr(network, site))

    page = client.get("/indicateurs/")
    exports = [
        client.get(f"/indicateurs/export.{kind}", {"table": "year"}) for kind in ["csv", "xlsx"]
    ]
    api = [_api(client), _api(client, "/api/v1/indicators/table/", group_by="year")]

    assert page.status_code == page_status
    assert {response.status_code for response in exports} == {page_status}
    assert {response.status_code for response in api} == {api_status}
    if page_status == 302:
        assert page["Location"].startswith("/connexion/")


def test_the_pages_take_no_post(network: Network) -> None:
    client = network.client(network.coordinator)

    assert client.post("/indicateurs/").status_code == 405
    assert client.post("/indicateurs/export.csv?table=year").status_code == 405
    assert client.post("/api/v1/indicators/").status_code == 403


# --- Unknown filters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"programme": "XYZ"}, "programme"),
        ({"year": "deux-mille"}, "year"),
        ({"region": "99"}, "region"),
        ({"department": "2C"}, "department"),
        ({"network": "aucun"}, "network"),
        ({"cae": "999999"}, "cae"),
        ({"cohort": "1"}, "cohort"),  # a cohort needs its CAE
        ({"cae": "{alpha}", "cohort": "9" * 30}, "cohort"),
        ({"cae": "{alpha}", "cohort": "12"}, "cohort"),  # no such cohort in alpha
    ],
)
def test_an_unknown_filter_value_answers_400(
    network: Network, params: dict[str, str], field: str
) -> None:
    client = network.client(network.coordinator)
    params = {k: str(network.alpha.pk) if v == "{alpha}" else v for k, v in params.items()}

    page = client.get("/indicateurs/", params)
    api = _api(client, **params) if field != "cohort" else None
    export = client.get("/indicateurs/export.csv", {"table": "year", **params})

    assert page.status_code == 400
    html = page.content.decode()
    assert 'role="alert"' in html
    assert f'id="filter-{field}-error"' in html or field == "cohort"
    assert 'id="indicator-cohorts"' not in html  # no figures under a refused filter
    assert export.status_code == 400
    assert export["Content-Type"].startswith("text/plain")
    if api is not None:
        assert api.status_code == 400
        assert field in api.json()["errors"]


@pytest.mark.parametrize("group_by", ["", "commune", "members"])
def test_an_unknown_grouping_answers_400(network: Network, group_by: str) -> None:
    client = network.client(network.coordinator)

    api = _api(client, "/api/v1/indicators/table/", group_by=group_by)
    export = client.get("/indicateurs/export.xlsx", {"table": group_by})

    assert api.status_code == 400
    assert "group_by" in api.json()["errors"]
    assert export.status_code == 400
    assert "Tableau inconnu" in export.content.decode()


# --- Small groups are masked everywhere ----------------------------------------------------


def test_masked_figures_never_leak_their_number(network: Network) -> None:
    client = network.client(network.coordinator)
    alpha = {"cae": str(network.alpha.pk)}

    table = _api(client, "/api/v1/indicators/table/", group_by="cohort", **alpha).json()
    rows = {row["key"]: row["figures"] for row in table["rows"]}
    small = rows[f"{network.alpha.pk}-3"]  # 3 members: every people figure is hidden
    big = rows[f"{network.alpha.pk}-1"]  # 12 members, 2 of them create a business
    page = client.get("/indicateurs/", {**alpha, "cohort": "1"}).content.decode()
    cohort_table = _table_rows(client.get("/indicateurs/", alpha).content.decode(), "table-cohort")
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get("/indicateurs/export.csv", {"table": "cohort", **alpha}).content.decode(
                    "utf-8-sig"
                )
            ),
            delimiter=";",
        )
    )
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/indicateurs/export.xlsx", {"table": "cohort", **alpha}).content)
    ).active

    for key in ("members", "women_share", "completed", "age_18_25", "average_pay"):
        assert small[key] == {"value": None, "masked": True, "display": "—"}, key
    assert small["cohorts"] == {"value": "1.00", "masked": False, "display": "1"}
    assert small["revenue"]["value"] == "4800.00"  # not about people: shown
    assert big["outcome_business"] == {"value": None, "masked": True, "display": "< 5"}
    assert big["outcome_job"] == {"value": "6.00", "masked": False, "display": "6"}
    assert _cells(page, "indicator-outcome_business") == ["&lt; 5"]
    assert cohort_table["Coopérative 3"][1] == "—"  # members column
    header = csv_rows[0]
    small_csv = next(row for row in csv_rows if row[0] == "Coopérative 3")
    big_csv = next(row for row in csv_rows if row[0] == "Coopérative 1")
    assert small_csv[header.index("Coopérant·es")] == "—"
    assert small_csv[header.index("Part de femmes (%)")] == "—"
    assert big_csv[header.index("Vers une création d'activité")] == "< 5"
    xlsx = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    xlsx_header = list(xlsx["Coopérative"])
    assert xlsx["Coopérative 3"][xlsx_header.index("Coopérant·es")] == "—"
    assert xlsx["Coopérative 1"][xlsx_header.index("Vers une création d'activité")] == "< 5"


def test_the_chart_of_a_masked_figure_draws_no_bar(network: Network) -> None:
    client = network.client(network.coordinator)

    html = client.get("/indicateurs/", {"cae": network.alpha.pk, "cohort": "3"}).content.decode()

    svg = re.search(r'<figure class="indicator-chart" id="chart-age">(.*?)</figure>', html, re.S)
    assert svg
    assert 'role="img"' in svg.group(1)
    assert "<title" in svg.group(1)
    assert "<rect" not in svg.group(1).split("</svg>")[0]
    assert "—" in svg.group(1)


# --- Exports hold the dashboard's figures --------------------------------------------------


def _number(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("group_by", ["cae", "year", "programme", "region", "cohort"])
def test_the_xlsx_holds_the_same_figures_as_the_dashboard(network: Network, group_by: str) -> None:
    client = network.client(network.coordinator)

    response = client.get("/indicateurs/export.xlsx", {"table": group_by, "year": "2025,2026"})
    api = _api(client, "/api/v1/indicators/table/", group_by=group_by, year="2025,2026").json()

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert f"indicateurs-{group_by}-" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Indicateurs", "Définitions"]
    rows = list(workbook["Indicateurs"].iter_rows(values_only=True))
    labels = 2 if group_by == "cohort" else 1
    header = rows[0]
    assert header[labels:] == tuple(
        str(i.label) + (f" ({i.unit.value})" if i.unit.value else "") for i in INDICATORS
    )
    expected = [*api["rows"], {**api["total"], "label": "Total"}]
    assert [row[0] for row in rows[1:]] == [row["label"] for row in expected]
    for row, api_row in zip(rows[1:], expected, strict=True):
        for cell, indicator in zip(row[labels:], INDICATORS, strict=True):
            figure = api_row["figures"][indicator.key]
            if figure["value"] is None:
                assert cell == figure["display"], (api_row["label"], indicator.key)
            else:
                assert _number(cell) == Decimal(figure["value"]), (api_row["label"], indicator.key)
    # The selectors agree, and so does the page's table for its columns.
    selected = indicator_table(Filters(years=(2025, 2026)), group_by)
    assert [row.label for row in selected] == [row["label"] for row in api["rows"]]
    if group_by == "cae":
        page = client.get("/indicateurs/", {"year": "2025,2026"}).content.decode()
        shown = _table_rows(page, "table-cae")
        for api_row in api["rows"]:
            assert shown[api_row["label"]][0] == api_row["figures"]["cohorts"]["display"]
            assert shown[api_row["label"]][1] == api_row["figures"]["members"]["display"]


def test_the_xlsx_defines_its_indicators(network: Network) -> None:
    client = network.client(network.coordinator)

    content = client.get("/indicateurs/export.xlsx", {"table": "programme"}).content

    definitions = list(
        openpyxl.load_workbook(io.BytesIO(content))["Définitions"].iter_rows(values_only=True)
    )
    assert definitions[0][:2] == ("Clé", "Indicateur")
    by_key = {row[0]: row for row in definitions[1 : len(INDICATORS) + 1]}
    assert list(by_key) == [indicator.key for indicator in INDICATORS]
    assert by_key["revenue"][4] == "Factures émises, avoirs déduits, hors taxes."
    assert by_key["revenue_per_cohort"][5] == BY_KEY_FORMULA["revenue_per_cohort"]
    assert by_key["members"][6] == "oui"


BY_KEY_FORMULA = {indicator.key: indicator.formula for indicator in INDICATORS}


def test_the_csv_is_for_french_spreadsheets(network: Network) -> None:
    client = network.client(network.coordinator)

    response = client.get("/indicateurs/export.csv", {"table": "cae"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[0] == "CAE"
    beta = next(row for row in rows if row[0] == "CAE Beta")
    assert beta[header.index("Chiffre d'affaires HT (€)")] == "1234,56"
    assert beta[header.index("Coopératives")] == "1"
    assert beta[header.index("Heures travaillées (h)")] == "250,50"
    assert rows[-1][0] == "Total"
    assert rows[-1][header.index("Coopératives")] == "5"


# --- Comparisons, charts, API shape --------------------------------------------------------


def test_one_year_shows_the_previous_one(network: Network) -> None:
    client = network.client(network.coordinator)

    html = client.get("/indicateurs/", {"year": "2025"}).content.decode()

    assert '<th scope="col">2025</th><th scope="col">2024</th>' in html
    assert _cells(html, "indicator-cohorts") == ["2", "1"]
    assert _cells(html, "indicator-members") == ["22", "15"]


def test_the_charts_are_server_side_svg_with_their_numbers_in_tables(network: Network) -> None:
    client = network.client(network.coordinator)

    html = client.get("/indicateurs/").content.decode()

    assert html.count('role="img"') == 7  # two by year and programme, five distributions
    assert "<script" not in html.split("</head>")[1]
    chart = re.search(r'id="chart-cohorts-by-year">(.*?)</figure>', html, re.S)
    assert chart
    assert "<title" in chart.group(1)
    assert re.search(r'<th scope="row">2026</th><td>0</td><td>1</td><td>1</td>', chart.group(1))


def test_the_api_gives_definitions_totals_and_freshness(network: Network) -> None:
    data = _api(network.client(network.coordinator), programme="CJS").json()

    assert [item["key"] for item in data["indicators"]] == [i.key for i in INDICATORS]
    revenue = next(item for item in data["indicators"] if item["key"] == "revenue")
    assert revenue == {
        "key": "revenue",
        "label": "Chiffre d'affaires HT",
        "description": "Factures émises, avoirs déduits, hors taxes.",
        "section": "economy",
        "section_label": "Activité économique",
        "unit": "€",
        "formula": BY_KEY_FORMULA["revenue"],
        "people": False,
    }
    assert data["filters"]["programme"] == ["CJS"]
    assert data["totals"]["cohorts"]["value"] == "3.00"
    assert data["totals"]["revenue"]["value"] == "10834.56"
    assert data["updated_at"] == "2026-03-14T10:30:00+01:00"
    assert data["partner_organisations"] == 0


def test_the_schemas_list_the_indicators_endpoints(cae_alpha: Cae) -> None:
    for client in (site_client(), site_client(cae_alpha)):
        paths = client.get("/api/schema/?format=json").json()["paths"]
        assert {"/api/v1/indicators/", "/api/v1/indicators/table/"} <= set(paths)


# --- Bounded queries -------------------------------------------------------------------------


def _queries(client: Client, path: str, params: dict[str, str]) -> int:
    cache.clear()  # the figures computed, not the dashboard's cached body
    with CaptureQueriesContext(connection) as context:
        response = client.get(path, params)
    assert response.status_code == 200, response.content[:300]
    return len(context.captured_queries)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/indicateurs/", {}),
        ("/indicateurs/", {"year": "2025"}),
        ("/api/v1/indicators/", {}),
        ("/api/v1/indicators/table/", {"group_by": "cae"}),
        ("/indicateurs/export.xlsx", {"table": "cohort"}),
    ],
)
def test_queries_do_not_grow_with_the_number_of_caes(
    network: Network, django_assert_max_num_queries: Any, path: str, params: dict[str, str]
) -> None:
    client = network.client(network.coordinator)
    departments = ["56", "44", "13", "75", "69"]
    for number in range(2, 11):
        cae = make_cae(number, department=departments[number % 5], network="cpe")
        fact(cae, 1, programme=("CJS", "CJM", "CT")[number % 3])
        fact(cae, 2, year=2026, members=4)
    client.get(path, params)  # warm caches (content types, translations)

    with django_assert_max_num_queries(20):
        with_ten = _queries(client, path, params)
    for number in range(11, 31):
        cae = make_cae(number, department=departments[number % 5], network="cpe")
        fact(cae, 1, programme=("CJS", "CJM", "CT")[number % 3])
        fact(cae, 2, year=2026, members=4)
    with_thirty = _queries(client, path, params)

    assert Cae.objects.caes().count() == 32  # alpha, beta, 30 more
    assert with_thirty == with_ten


def test_the_dashboard_is_served_from_cache_until_anything_it_shows_changes(
    network: Network,
) -> None:
    client = network.client(network.coordinator)
    cae = make_cae(2, department="56", network="cpe")
    stored = fact(cae, 1, members=10)
    only = {"cae": str(cae.pk)}
    computed = _queries(client, "/indicateurs/", only)
    first = client.get("/indicateurs/", only)
    with CaptureQueriesContext(connection) as cached:
        again = client.get("/indicateurs/", only)

    def main(content: bytes) -> bytes:  # the head's nonces and CSRF token change every time
        return content[content.index(b'id="contenu"') : content.index(b"</main>")]

    assert main(again.content) == main(first.content)
    assert _members_shown(again.content) == "10"
    assert len(cached.captured_queries) < computed / 2
    stored.members = 12
    stored.save()
    assert _members_shown(client.get("/indicateurs/", only).content) == "12"
    cae.name = "CAE renommée"
    cae.save()
    assert "CAE renommée" in client.get("/indicateurs/", only).content.decode()
    stored.delete()
    assert _members_shown(client.get("/indicateurs/", only).content) == "—"


def _members_shown(content: bytes) -> str:
    match = re.search(
        r'id="indicator-members"><th scope="row">.*?</th><td>([^<]*)</td>', content.decode(), re.S
    )
    assert match is not None
    return match.group(1)


def test_the_cae_table_is_paged(network: Network) -> None:
    client = network.client(network.coordinator)
    for number in range(2, 60):
        fact(make_cae(number, department="56", network="cpe"), 1)

    first = client.get("/indicateurs/").content.decode()
    last = client.get("/indicateurs/", {"page": "2"}).content.decode()
    beyond = client.get("/indicateurs/", {"page": "9"}).content.decode()

    assert "Page 1 sur 2" in first
    assert "Page 2 sur 2" in last
    assert "Page 2 sur 2" in beyond
    assert 'href="?page=2#table-cae" rel="next"' in first
    in_table = re.compile(r'<th scope="row"><a href="/indicateurs/\?cae=(\d+)">')
    shown = in_table.findall(first) + in_table.findall(last)
    with_facts = CohortFact.objects.values("cae_id").distinct().count()
    assert len(shown) == len(set(shown)) == with_facts > 50
    assert client.get("/indicateurs/", {"page": "x"}).status_code == 400
    assert client.get("/indicateurs/", {"page": "0"}).status_code == 400


@pytest.mark.parametrize("name", ["year", "cae"])
def test_a_non_ascii_digit_is_an_unknown_value(network: Network, name: str) -> None:
    client = network.client(network.coordinator)

    assert _api(client, **{name: "²"}).status_code == 400
    assert client.get("/indicateurs/", {name: "²"}).status_code == 400
