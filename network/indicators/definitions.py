"""The national indicators, defined once: the dashboard, the exports, the API and the tests all
read these definitions. Each is a count, a sum or a ratio of two sums over the cohorts' facts
(network.indicators.models.CohortFact)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MASK_BELOW = 5  # people counts under this are never shown (nobody can be identified)
_NUMBER = DecimalField(max_digits=20, decimal_places=4)


class Section(StrEnum):
    COHORTS = "cohorts"
    PEOPLE = "people"
    ECONOMY = "economy"
    LIFE = "life"
    OUTCOMES = "outcomes"


SECTION_LABELS: dict[Section, Promise] = {
    Section.COHORTS: _("Coopératives"),
    Section.PEOPLE: _("Coopérant·es"),
    Section.ECONOMY: _("Activité économique"),
    Section.LIFE: _("Vie coopérative"),
    Section.OUTCOMES: _("Après la coopérative"),
}


class Unit(StrEnum):
    NUMBER = ""
    EUROS = "€"
    HOURS = "h"
    PERCENT = "%"


@dataclass(frozen=True)
class Indicator:
    key: str
    label: Promise
    description: Promise
    section: Section
    numerator: Expression
    denominator: Expression | None = None  # a ratio when given
    unit: Unit = Unit.NUMBER
    # Counts people (or derives from such counts): masked for groups of fewer than MASK_BELOW
    # members, and a count of 1 to MASK_BELOW - 1 people is never shown.
    people: bool = False

    @property
    def formula(self) -> str:
        """The formula in words, over the facts' columns (docs, API, exports)."""
        if self.denominator is None:
            return self.numerator.text
        scale = " * 100" if self.unit == Unit.PERCENT else ""
        return f"{self.numerator.text} / {self.denominator.text}{scale}"


@dataclass(frozen=True)
class Expression:
    """An aggregate over the facts, and how it reads."""

    text: str
    build: Callable[[], Combinable]

    def __call__(self) -> Combinable:
        return self.build()


def total(*fields: str) -> Expression:
    """The sum of these facts' columns over the cohorts."""

    def expression() -> Combinable:
        summed: Combinable = F(fields[0])
        for name in fields[1:]:
            summed = summed + F(name)
        return Coalesce(Sum(summed, output_field=_NUMBER), Value(Decimal(0)), output_field=_NUMBER)

    return Expression(f"somme({' + '.join(fields)})", expression)


def count(condition: Q | None = None, text: str = "") -> Expression:
    """The number of cohorts (those meeting `condition`, described by `text`)."""
    where = f" où {text}" if text else ""
    return Expression(f"nombre de coopératives{where}", lambda: Count("pk", filter=condition))


CLIENT_KINDS = (
    "clients_individual",
    "clients_company",
    "clients_association",
    "clients_public_body",
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "cohorts",
        _("Coopératives"),
        _("Nombre de coopératives éphémères."),
        Section.COHORTS,
        count(),
    ),
    Indicator(
        "cohorts_network_share",
        _("Part portée par Coopérer Pour Entreprendre"),
        _("Part des coopératives portées par une CAE du réseau Coopérer Pour Entreprendre."),
        Section.COHORTS,
        count(Q(network="cpe"), "réseau = cpe"),
        count(),
        Unit.PERCENT,
    ),
    Indicator(
        "cohorts_qpv_share",
        _("Part en quartier prioritaire"),
        _("Part des coopératives implantées dans un quartier prioritaire de la ville (QPV)."),
        Section.COHORTS,
        count(Q(territory_kind="qpv"), "territoire = qpv"),
        count(),
        Unit.PERCENT,
    ),
    Indicator(
        "people_informed",
        _("Personnes informées"),
        _("Personnes touchées par l'information (premier niveau du recrutement)."),
        Section.PEOPLE,
        total("people_informed"),
        people=True,
    ),
    Indicator(
        "applicants",
        _("Candidat·es"),
        _("Personnes intéressées qui ont candidaté."),
        Section.PEOPLE,
        total("applicants"),
        people=True,
    ),
    Indicator(
        "members",
        _("Coopérant·es"),
        _("Personnes inscrites dans une coopérative."),
        Section.PEOPLE,
        total("members"),
        people=True,
    ),
    Indicator(
        "completed",
        _("Allé·es au bout"),
        _("Coopérant·es encore inscrit·es à la fin d'une coopérative terminée."),
        Section.PEOPLE,
        total("completed"),
        people=True,
    ),
    Indicator(
        "women_share",
        _("Part de femmes"),
        _("Femmes parmi les coopérant·es."),
        Section.PEOPLE,
        total("women"),
        total("members"),
        Unit.PERCENT,
        people=True,
    ),
    Indicator(
        "men_share",
        _("Part d'hommes"),
        _("Hommes parmi les coopérant·es."),
        Section.PEOPLE,
        total("men"),
        total("members"),
        Unit.PERCENT,
        people=True,
    ),
    Indicator(
        "gender_other_share",
        _("Part d'autre genre ou non précisé"),
        _("Coopérant·es d'un autre genre ou qui ne l'ont pas précisé."),
        Section.PEOPLE,
        total("gender_other"),
        total("members"),
        Unit.PERCENT,
        people=True,
    ),
    Indicator(
        "qpv_residents_share",
        _("Part habitant un QPV"),
        _("Coopérant·es habitant un quartier prioritaire."),
        Section.PEOPLE,
        total("qpv_residents"),
        total("members"),
        Unit.PERCENT,
        people=True,
    ),
    Indicator(
        "minors",
        _("Mineur·es"),
        _("Coopérant·es de moins de 18 ans au début de la coopérative."),
        Section.PEOPLE,
        total("age_under_18"),
        people=True,
    ),
    Indicator(
        "age_18_25",
        _("18 à 25 ans"),
        _("Coopérant·es de 18 à 25 ans au début de la coopérative."),
        Section.PEOPLE,
        total("age_18_25"),
        people=True,
    ),
    Indicator(
        "age_over_25",
        _("Plus de 25 ans"),
        _("Coopérant·es de plus de 25 ans au début de la coopérative."),
        Section.PEOPLE,
        total("age_over_25"),
        people=True,
    ),
    Indicator(
        "entry_jobseeker",
        _("Demandeur·ses d'emploi à l'entrée"),
        _("Coopérant·es demandeur·ses d'emploi à leur inscription."),
        Section.PEOPLE,
        total("entry_jobseeker"),
        people=True,
    ),
    Indicator(
        "entry_school",
        _("Scolaires ou étudiant·es à l'entrée"),
        _("Coopérant·es scolaires ou étudiant·es à leur inscription."),
        Section.PEOPLE,
        total("entry_school"),
        people=True,
    ),
    Indicator(
        "entry_employed",
        _("En emploi à l'entrée"),
        _("Coopérant·es en emploi à leur inscription."),
        Section.PEOPLE,
        total("entry_employed"),
        people=True,
    ),
    Indicator(
        "entry_other",
        _("Autre situation à l'entrée"),
        _("Coopérant·es dans une autre situation à leur inscription."),
        Section.PEOPLE,
        total("entry_other"),
        people=True,
    ),
    Indicator(
        "jobs_done",
        _("Prestations réalisées"),
        _("Prestations faites pour des clients."),
        Section.ECONOMY,
        total("jobs_done"),
    ),
    Indicator(
        "clients",
        _("Clients"),
        _("Clients servis ou facturés (chacun compté une fois par coopérative)."),
        Section.ECONOMY,
        total(*CLIENT_KINDS),
    ),
    Indicator(
        "clients_individual",
        _("Clients particuliers"),
        _("Clients particuliers."),
        Section.ECONOMY,
        total("clients_individual"),
    ),
    Indicator(
        "clients_company",
        _("Clients entreprises"),
        _("Clients entreprises."),
        Section.ECONOMY,
        total("clients_company"),
    ),
    Indicator(
        "clients_association",
        _("Clients associations"),
        _("Clients associations."),
        Section.ECONOMY,
        total("clients_association"),
    ),
    Indicator(
        "clients_public_body",
        _("Clients organismes publics"),
        _("Collectivités et autres organismes publics clients."),
        Section.ECONOMY,
        total("clients_public_body"),
    ),
    Indicator(
        "revenue",
        _("Chiffre d'affaires HT"),
        _("Factures émises, avoirs déduits, hors taxes."),
        Section.ECONOMY,
        total("revenue_excl_vat"),
        unit=Unit.EUROS,
    ),
    Indicator(
        "revenue_per_cohort",
        _("Chiffre d'affaires HT par coopérative"),
        _("Chiffre d'affaires HT divisé par le nombre de coopératives."),
        Section.ECONOMY,
        total("revenue_excl_vat"),
        count(),
        Unit.EUROS,
    ),
    Indicator(
        "self_financing",
        _("Autofinancement"),
        _(
            "Part des charges de la coopérative (achats, frais de paiement, contribution à la "
            "CAE, rémunérations) couverte par son chiffre d'affaires HT."
        ),
        Section.ECONOMY,
        total("revenue_excl_vat"),
        total("expenses_excl_vat"),
        Unit.PERCENT,
    ),
    Indicator(
        "hours_worked",
        _("Heures travaillées"),
        _("Heures des coopérant·es sur les prestations."),
        Section.ECONOMY,
        total("hours_worked"),
        unit=Unit.HOURS,
    ),
    Indicator(
        "average_pay",
        _("Rémunération moyenne"),
        _("Rémunérations décidées divisées par le nombre de coopérant·es rémunéré·es."),
        Section.ECONOMY,
        total("pay_total"),
        total("members_paid"),
        Unit.EUROS,
        people=True,
    ),
    Indicator(
        "training_hours_per_member",
        _("Heures de formation par coopérant·e"),
        _("Heures d'ateliers suivies, divisées par le nombre de coopérant·es."),
        Section.LIFE,
        total("training_member_hours"),
        total("members"),
        Unit.HOURS,
        people=True,
    ),
    Indicator(
        "meetings",
        _("Réunions"),
        _("Assemblées et réunions de comités des coopératives."),
        Section.LIFE,
        total("meetings"),
    ),
    Indicator(
        "outcome_job",
        _("Vers l'emploi"),
        _("Coopérant·es en emploi après la coopérative."),
        Section.OUTCOMES,
        total("outcome_job"),
        people=True,
    ),
    Indicator(
        "outcome_training",
        _("Vers une formation"),
        _("Coopérant·es en formation après la coopérative."),
        Section.OUTCOMES,
        total("outcome_training"),
        people=True,
    ),
    Indicator(
        "outcome_business",
        _("Vers une création d'activité"),
        _("Coopérant·es qui créent leur activité après la coopérative."),
        Section.OUTCOMES,
        total("outcome_business"),
        people=True,
    ),
    Indicator(
        "outcome_other",
        _("Autre situation ou inconnue"),
        _("Coopérant·es dont la situation après la coopérative est autre ou inconnue."),
        Section.OUTCOMES,
        total("outcome_other"),
        people=True,
    ),
)

BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
