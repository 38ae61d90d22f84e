"""The demo network's plan: who and what `make demo` builds, as data (fictional people, real
shapes, from the programmes described in the seeds). The builders (frontend.demo.builders and
frontend.demo.life) turn it into rows through the services."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from coopilote.accounts.models import Role
from tenants.cohorts.models import CohortStatus, Programme, TerritoryKind
from tenants.commerce.models import ClientKind, ServiceUnit
from tenants.people.models import (
    CommitteeKind,
    Gender,
    Outcome,
    StatusAtEntry,
)
from tenants.trainings.models import TrainingTopic

DEMO_PASSWORD = "coopilote-demo"  # noqa: S105 - demo accounts only, printed at start-up
# The authenticator key of the demo accounts whose role requires 2FA (coordination, CAE staff):
# printed at start-up, to type into an authenticator app. Demo accounts only.
DEMO_TOTP_SECRET = "COOPILOTEDEMOTOTPCOOPILOTEDEMO23"  # noqa: S105

D = datetime.date
F, M = Gender.FEMALE, Gender.MALE
DEMO_TODAY = D(2026, 11, 23)  # nothing is sold or issued after the demo's "today"

COMMITTEES = (
    (CommitteeKind.MARKETING, "Marketing"),
    (CommitteeKind.FINANCE, "Finances"),
    (CommitteeKind.HR, "RH"),
)
OPENING_REASON = "Comité local réuni et financements acquis : ouverture du recrutement."
START_REASON = "Groupe constitué et animation en place : la coopérative démarre."


@dataclass(frozen=True)
class DemoPerson:
    """A fictional coopérant·e.

    `contact` is the first name of the person to call, of the same family; for a minor, that
    person is the guardian who signed the parental authorisation (`relationship`: mère, père…).
    """

    first_name: str
    last_name: str
    birth_date: datetime.date
    gender: str
    postcode: str
    contact: str
    qpv_resident: bool = False
    relationship: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def contact_name(self) -> str:
        return f"{self.contact} {self.last_name}"


@dataclass(frozen=True)
class DemoCohort:
    """A cohort as the demo shows it, and the story that brought it there.

    People are keyed by their full name in `withdrawals`, `outcomes` and `statuses_at_entry`.
    """

    name: str
    programme: str
    starts_on: datetime.date
    ends_on: datetime.date
    status: str  # where the demo leaves it: closed, or running for the live one
    animateurs: tuple[str, ...]  # account emails
    members: tuple[DemoPerson, ...]
    rotation_on: datetime.date  # the members move on to the next committee that day
    closing_reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)  # other fields of the cohort
    status_at_entry: str = StatusAtEntry.JOBSEEKER  # the members' usual one
    statuses_at_entry: Mapping[str, str] = field(default_factory=dict)  # the exceptions
    withdrawals: Mapping[str, tuple[datetime.date, str]] = field(default_factory=dict)
    outcomes: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # outcome, detail

    @property
    def outcomes_recorded_on(self) -> datetime.date:
        return self.ends_on + datetime.timedelta(days=28)


@dataclass(frozen=True)
class DemoCae:
    name: str
    department: str
    in_charge: str  # the team member who runs the cohorts (staff in charge, status changes)
    cohorts: tuple[DemoCohort, ...]


SAINT_AVE = DemoCohort(
    # "D'octobre à décembre 2015, 10 jeunes demandeurs d'emplois de 18 à 25 ans […]
    # accompagnés d'un animateur": 11 jobs for 7 clients.
    name="CJM de Saint-Avé",
    programme=Programme.CJM,
    starts_on=D(2015, 10, 5),
    ends_on=D(2015, 12, 18),
    status=CohortStatus.CLOSED,
    animateurs=("animation1@sitelle.localhost",),
    details={"places": 12, "town": "Saint-Avé", "code": "cjm-saint-ave-2015"},
    rotation_on=D(2015, 11, 9),
    closing_reason="Fin de la coopérative : 11 prestations réalisées pour 7 clients.",
    members=(
        DemoPerson("Kévin", "Le Corre", D(1994, 2, 14), M, "56890", "Sylvie"),
        DemoPerson("Laura", "Guégan", D(1996, 6, 3), F, "56000", "Pascal"),
        DemoPerson("Dylan", "Le Texier", D(1997, 1, 22), M, "56890", "Martine"),
        DemoPerson("Anaïs", "Le Bras", D(1993, 9, 10), F, "56250", "Yannick"),
        DemoPerson("Jordan", "Morvan", D(1995, 12, 1), M, "56890", "Isabelle"),
        DemoPerson("Marine", "Lorcy", D(1992, 4, 18), F, "56000", "Bruno"),
        DemoPerson("Florian", "Le Ny", D(1990, 11, 27), M, "56000", "Catherine"),
        DemoPerson("Océane", "Rio", D(1997, 8, 30), F, "56890", "Véronique"),
        DemoPerson("Thomas", "Jaffré", D(1994, 7, 7), M, "56890", "Gilles"),
        DemoPerson("Élodie", "Cadoret", D(1991, 3, 15), F, "56000", "Annick"),
    ),
    withdrawals={"Dylan Le Texier": (D(2015, 10, 30), "Embauché en intérim à temps plein.")},
    outcomes={
        "Kévin Le Corre": (Outcome.JOB, "CDD d'agent d'entretien"),
        "Laura Guégan": (Outcome.TRAINING, "BTS assistant de gestion"),
        "Dylan Le Texier": (Outcome.JOB, "Intérim en logistique"),
        "Anaïs Le Bras": (Outcome.BUSINESS, "Micro-entreprise de secrétariat à domicile"),
        "Jordan Morvan": (Outcome.JOB, "CDI de peintre en bâtiment"),
        "Marine Lorcy": (Outcome.TRAINING, "Formation qualifiante en informatique"),
        "Florian Le Ny": (Outcome.OTHER, "Service civique"),
        "Océane Rio": (Outcome.TRAINING, "Bac professionnel en alternance"),
        "Thomas Jaffré": (Outcome.JOB, "CDD de technicien informatique"),
    },
)

KER_COOP = DemoCohort(
    # "Durant 3 mois […] 9 coopérants, dont 8 femmes d'une quarantaine d'années, ont testé
    # l'entrepreneuriat collectif à Kercado": 16 jobs.
    name="Ker Coop (Kercado)",
    programme=Programme.CT,
    starts_on=D(2017, 4, 3),
    ends_on=D(2017, 6, 30),
    status=CohortStatus.CLOSED,
    animateurs=("animation2@sitelle.localhost",),
    details={
        "places": 12,
        "town": "Vannes",
        "territory_kind": TerritoryKind.QPV,
        "territory_name": "Kercado",
        "qpv_code": "QN05601M",
        "code": "ct-kercado-2017",
    },
    rotation_on=D(2017, 5, 15),
    closing_reason="Fin de la coopérative : 16 prestations réalisées.",
    members=(
        DemoPerson("Nadia", "Benhamou", D(1976, 5, 12), F, "56000", "Karim", True),
        DemoPerson("Sandrine", "Le Hir", D(1977, 9, 3), F, "56000", "Loïc", True),
        DemoPerson("Fatima", "Zeroual", D(1975, 2, 21), F, "56000", "Nora", True),
        DemoPerson("Isabelle", "Pichon", D(1978, 11, 30), F, "56000", "Marc", True),
        DemoPerson("Aïcha", "Diallo", D(1979, 6, 17), F, "56000", "Moussa", True),
        DemoPerson("Christelle", "Guillemot", D(1974, 8, 8), F, "56000", "Éric", True),
        DemoPerson("Samia", "Bouzid", D(1977, 1, 25), F, "56000", "Farid", True),
        DemoPerson("Véronique", "Le Mouël", D(1976, 12, 4), F, "56000", "Alain", True),
        DemoPerson("Mamadou", "Sow", D(1985, 3, 9), M, "56000", "Awa", True),
    ),
    statuses_at_entry={
        "Fatima Zeroual": StatusAtEntry.OTHER,
        "Christelle Guillemot": StatusAtEntry.EMPLOYED,
    },
    withdrawals={"Samia Bouzid": (D(2017, 5, 5), "Déménagement hors de Vannes.")},
    outcomes={
        "Nadia Benhamou": (Outcome.BUSINESS, "Micro-entreprise de retouches et couture"),
        "Sandrine Le Hir": (Outcome.JOB, "CDI d'aide à domicile"),
        "Fatima Zeroual": (Outcome.TRAINING, "Formation d'assistante de vie aux familles"),
        "Isabelle Pichon": (Outcome.JOB, "CDD en restauration collective"),
        "Aïcha Diallo": (Outcome.OTHER, "Bénévolat dans une association du quartier"),
        "Christelle Guillemot": (Outcome.JOB, "Passage à temps plein chez son employeur"),
        "Véronique Le Mouël": (Outcome.TRAINING, "Formation en comptabilité"),
        "Mamadou Sow": (Outcome.JOB, "CDD d'agent d'espaces verts"),
    },
)

BELLE_COOP = DemoCohort(
    # "Durant 3 mois […] 13 coopérants, dont 9 femmes, […] au sein de l'espace de coworking du
    # DEDALE Café": 11 jobs for 8 clients, 13 workshops. The neighbourhood is not named, so no
    # QPV code is made up: the territory is the town.
    name="La Belle Coop",
    programme=Programme.CT,
    starts_on=D(2018, 11, 12),
    ends_on=D(2019, 2, 15),
    status=CohortStatus.CLOSED,
    animateurs=("animation2@sitelle.localhost",),
    details={
        "places": 15,
        "town": "Vannes",
        "territory_name": "Vannes",
        "code": "ct-belle-coop-2018",
    },
    rotation_on=D(2019, 1, 7),
    closing_reason=(
        "Fin de la coopérative : 11 prestations pour 8 clients, 13 ateliers ou formations."
    ),
    members=(
        DemoPerson("Gwenola", "Le Pape", D(1968, 4, 2), F, "56000", "Hervé", True),
        DemoPerson("Sabrina", "Mahé", D(1985, 10, 19), F, "56000", "Jessica", True),
        DemoPerson("Hélène", "Robic", D(1962, 7, 23), F, "56860", "Jean-Yves"),
        DemoPerson("Amina", "Kaddour", D(1990, 1, 5), F, "56000", "Salima", True),
        DemoPerson("Stéphanie", "Le Guen", D(1979, 5, 28), F, "56450", "David"),
        DemoPerson("Claire", "Évano", D(1973, 9, 14), F, "56000", "Paul", True),
        DemoPerson("Yasmina", "Haddad", D(1988, 3, 8), F, "56000", "Rachid", True),
        DemoPerson("Delphine", "Nicolas", D(1976, 11, 11), F, "56860", "Thierry"),
        DemoPerson("Pauline", "Caradec", D(1995, 6, 30), F, "56000", "Sophie"),
        DemoPerson("Julien", "Le Roux", D(1983, 2, 17), M, "56000", "Émilie", True),
        DemoPerson("Mohamed", "Belkacem", D(1970, 8, 25), M, "56000", "Fatiha", True),
        DemoPerson("Romain", "Daniel", D(1996, 12, 9), M, "56000", "Nathalie"),
        DemoPerson("Patrick", "Le Meur", D(1961, 5, 3), M, "56450", "Brigitte"),
    ),
    statuses_at_entry={
        "Stéphanie Le Guen": StatusAtEntry.EMPLOYED,
        "Yasmina Haddad": StatusAtEntry.OTHER,
    },
    withdrawals={
        "Claire Évano": (D(2018, 12, 14), "Reprise d'un emploi à temps plein."),
        "Julien Le Roux": (D(2018, 12, 21), "Entrée en formation qualifiante."),
    },
    outcomes={
        "Gwenola Le Pape": (Outcome.BUSINESS, "Activité de traiteur en couveuse"),
        "Sabrina Mahé": (Outcome.JOB, "CDI de vendeuse"),
        "Hélène Robic": (Outcome.OTHER, "Bénévolat dans une épicerie solidaire"),
        "Amina Kaddour": (Outcome.TRAINING, "CAP fleuriste"),
        "Stéphanie Le Guen": (Outcome.JOB, "CDD d'assistante administrative"),
        "Claire Évano": (Outcome.JOB, "CDI d'employée de libre-service"),
        "Yasmina Haddad": (Outcome.TRAINING, "Remise à niveau en français et bureautique"),
        "Delphine Nicolas": (Outcome.BUSINESS, "Micro-entreprise de maraîchage"),
        "Pauline Caradec": (Outcome.JOB, "CDD de cuisinière"),
        "Julien Le Roux": (Outcome.TRAINING, "Formation de cariste"),
        "Mohamed Belkacem": (Outcome.JOB, "CDD d'agent de propreté"),
        "Romain Daniel": (Outcome.OTHER, "Service civique"),
    },
)

CJS_LORIENT = DemoCohort(
    # One summer, two animateurs, 16 to 18 year-olds: most are minors with a guardian's
    # signed authorisation.
    name="CJS de Lorient",
    programme=Programme.CJS,
    starts_on=D(2026, 7, 1),
    ends_on=D(2026, 8, 28),
    status=CohortStatus.CLOSED,
    animateurs=("animation1@lorient.localhost", "animation2@lorient.localhost"),
    details={"places": 12, "town": "Lorient", "code": "cjs-lorient-2026"},
    status_at_entry=StatusAtEntry.SCHOOL,
    rotation_on=D(2026, 7, 27),
    closing_reason="Fin de l'été : bilan présenté au comité local.",
    members=(
        DemoPerson("Inès", "Le Moing", D(2009, 9, 14), F, "56100", "Karine", False, "mère"),
        DemoPerson("Noah", "Guillerm", D(2009, 3, 2), M, "56600", "Franck", False, "père"),
        DemoPerson("Jade", "Le Floc'h", D(2010, 2, 20), F, "56270", "Nathalie", False, "mère"),
        DemoPerson("Mathis", "Kervella", D(2008, 11, 5), M, "56100", "Stéphane", True, "père"),
        DemoPerson("Lilou", "Quéré", D(2009, 5, 27), F, "56530", "Anne", False, "mère"),
        DemoPerson("Ethan", "Le Duff", D(2010, 4, 11), M, "56100", "Sonia", True, "mère"),
        DemoPerson("Manon", "Guyader", D(2008, 8, 19), F, "56260", "Olivier", False, "père"),
        DemoPerson("Rayan", "Mansouri", D(2009, 12, 30), M, "56600", "Leïla", True, "mère"),
        DemoPerson("Zoé", "Le Berre", D(2009, 1, 16), F, "56100", "Christine", False, "mère"),
        DemoPerson("Louis", "Jézéquel", D(2008, 10, 8), M, "56270", "Marie", False, "tutrice"),
        DemoPerson("Clara", "Nédélec", D(2008, 3, 4), F, "56100", "Laurent"),
        DemoPerson("Hugo", "Pennec", D(2007, 12, 12), M, "56600", "Valérie"),
    ),
    withdrawals={"Zoé Le Berre": (D(2026, 7, 17), "Départ de la famille hors du Morbihan.")},
    outcomes={
        "Inès Le Moing": (Outcome.TRAINING, "Retour au lycée en première"),
        "Noah Guillerm": (Outcome.TRAINING, "Retour au lycée en terminale"),
        "Jade Le Floc'h": (Outcome.TRAINING, "Retour au lycée en première"),
        "Mathis Kervella": (Outcome.JOB, "Job étudiant le week-end en supermarché"),
        "Lilou Quéré": (Outcome.TRAINING, "Retour au lycée en terminale"),
        "Ethan Le Duff": (Outcome.TRAINING, "Entrée en CAP cuisine"),
        "Manon Guyader": (Outcome.TRAINING, "Terminale en lycée professionnel"),
        "Rayan Mansouri": (Outcome.OTHER, "Engagement bénévole dans un club sportif"),
        "Louis Jézéquel": (Outcome.TRAINING, "Retour au lycée en terminale"),
        "Clara Nédélec": (Outcome.TRAINING, "BTS en alternance"),
        "Hugo Pennec": (Outcome.JOB, "CDD de vendeur"),
    },
)

CJM_LORIENT = DemoCohort(
    # The live cohort of the demo: running today, no outcome yet.
    name="CJM de Lorient 2026-2027",
    programme=Programme.CJM,
    starts_on=D(2026, 10, 5),
    ends_on=D(2027, 1, 29),
    status=CohortStatus.RUNNING,
    animateurs=("animation1@lorient.localhost",),
    details={"places": 12, "town": "Lorient", "code": "cjm-lorient-2026"},
    rotation_on=D(2026, 11, 16),
    members=(
        DemoPerson("Maëva", "Le Coz", D(2004, 5, 9), F, "56100", "Sandrine"),
        DemoPerson("Kylian", "Raoul", D(2006, 1, 23), M, "56600", "Céline", True),
        DemoPerson("Chloé", "Madec", D(2002, 11, 2), F, "56100", "Gaëlle"),
        DemoPerson("Enzo", "Calvez", D(2007, 6, 15), M, "56270", "Philippe"),
        DemoPerson("Sarah", "Ouali", D(2003, 8, 28), F, "56100", "Samira", True),
        DemoPerson("Théo", "Le Port", D(2001, 12, 19), M, "56530", "Corinne"),
        DemoPerson("Emma", "Corvec", D(2005, 3, 3), F, "56260", "Jérôme"),
        DemoPerson("Bilal", "Haddouche", D(2004, 9, 30), M, "56600", "Malika", True),
    ),
    statuses_at_entry={"Emma Corvec": StatusAtEntry.OTHER},
)

CJS_VANNES = DemoCohort(
    # Sitelle's summer cooperative: 16 to 18 year-olds, two animateurs, most of them minors
    # with a guardian's signed authorisation (one is 18 and signs for himself).
    name="CJS de Vannes",
    programme=Programme.CJS,
    starts_on=D(2026, 7, 6),
    ends_on=D(2026, 8, 28),
    status=CohortStatus.CLOSED,
    animateurs=("animation1@sitelle.localhost", "animation2@sitelle.localhost"),
    details={"places": 12, "town": "Vannes", "code": "cjs-vannes-2026"},
    status_at_entry=StatusAtEntry.SCHOOL,
    rotation_on=D(2026, 7, 27),
    closing_reason="Fin de l'été : 10 prestations, bilan présenté au comité local.",
    members=(
        DemoPerson("Lena", "Le Goff", D(2009, 4, 21), F, "56000", "Morgane", True, "mère"),
        DemoPerson("Timéo", "Allanic", D(2009, 10, 2), M, "56000", "Yannick", False, "père"),
        DemoPerson("Maïwenn", "Le Dréan", D(2010, 1, 28), F, "56890", "Soazig", False, "mère"),
        DemoPerson("Nolan", "Ezanno", D(2008, 12, 15), M, "56000", "Cédric", True, "père"),
        DemoPerson("Romane", "Tual", D(2009, 7, 1), F, "56860", "Laëtitia", False, "mère"),
        DemoPerson("Adam", "Benkhelifa", D(2009, 2, 9), M, "56000", "Nadia", True, "mère"),
        DemoPerson("Louna", "Le Bourdiec", D(2008, 9, 24), F, "56000", "Erwan", False, "père"),
        DemoPerson("Gabin", "Nicol", D(2010, 3, 17), M, "56250", "Armelle", False, "mère"),
        DemoPerson("Anaé", "Jaffré", D(2009, 11, 11), F, "56000", "Gurvan", True, "père"),
        DemoPerson("Yanis", "Le Borgne", D(2008, 8, 3), M, "56000", "Fabienne", False, "mère"),
        DemoPerson("Éva", "Guillo", D(2008, 5, 30), F, "56000", "Hervé"),
        DemoPerson("Titouan", "Le Texier", D(2008, 1, 19), M, "56890", "Maryvonne"),
    ),
    withdrawals={"Gabin Nicol": (D(2026, 7, 24), "Stage de football en août, loin de Vannes.")},
    outcomes={
        "Lena Le Goff": (Outcome.TRAINING, "Retour au lycée en première"),
        "Timéo Allanic": (Outcome.TRAINING, "Retour au lycée en première"),
        "Maïwenn Le Dréan": (Outcome.TRAINING, "Retour au lycée en seconde"),
        "Nolan Ezanno": (Outcome.TRAINING, "Terminale en lycée professionnel"),
        "Romane Tual": (Outcome.TRAINING, "Retour au lycée en terminale"),
        "Adam Benkhelifa": (Outcome.JOB, "Job étudiant le samedi en boulangerie"),
        "Louna Le Bourdiec": (Outcome.TRAINING, "Retour au lycée en terminale"),
        "Gabin Nicol": (Outcome.OTHER, "Club de football en sport-études"),
        "Anaé Jaffré": (Outcome.TRAINING, "Retour au lycée en première"),
        "Yanis Le Borgne": (Outcome.TRAINING, "Bac professionnel en alternance"),
        "Éva Guillo": (Outcome.TRAINING, "Retour au lycée en terminale"),
        "Titouan Le Texier": (Outcome.JOB, "CDD d'équipier en restauration"),
    },
)

DEMO_CAES: dict[str, DemoCae] = {
    "sitelle": DemoCae(
        name="CAE Sitelle (Vannes)",
        department="56",
        in_charge="accompagnement@sitelle.localhost",
        cohorts=(SAINT_AVE, KER_COOP, BELLE_COOP, CJS_VANNES),
    ),
    "lorient": DemoCae(
        name="CAE de Lorient",
        department="56",
        in_charge="admin@lorient.localhost",
        cohorts=(CJS_LORIENT, CJM_LORIENT),
    ),
}

HOUR, FLAT, ITEM = ServiceUnit.HOUR, ServiceUnit.FLAT, ServiceUnit.ITEM
COMPANY, ASSOCIATION = ClientKind.COMPANY, ClientKind.ASSOCIATION
INDIVIDUAL = ClientKind.INDIVIDUAL


@dataclass(frozen=True)
class DemoService:
    name: str
    unit: str
    price: str  # excluding VAT
    vat_rate: str = "20.0"  # the demo CAEs are under the standard VAT regime


@dataclass(frozen=True)
class DemoClient:
    """A fictional client; a company or an association has a fictional SIRET (and a company a
    VAT number too) and `contact`, the person to talk to there."""

    kind: str
    name: str
    address: str
    postcode: str
    city: str
    contact: str = ""
    contact_role: str = ""


@dataclass(frozen=True)
class DemoCommerce:
    """What a cohort sold: its services, its clients and its invoices.

    The invoices are spread evenly over the cohort's dates (up to the demo's "today"), each for
    the clients and services in turn: `issued` of them issued, then `submitted` handed to the
    CAE and `drafts` still in preparation.
    """

    services: tuple[DemoService, ...]
    clients: tuple[DemoClient, ...]
    issued: int
    submitted: int = 0
    drafts: int = 0


DEMO_COMMERCE: dict[str, DemoCommerce] = {
    SAINT_AVE.name: DemoCommerce(
        services=(
            DemoService("Mise sous pli", FLAT, "120.00"),
            DemoService("Distribution de flyers", HOUR, "15.00"),
            DemoService("Inventaire", HOUR, "16.00"),
        ),
        clients=(
            DemoClient(
                COMPANY,
                "Boulangerie Le Fournil d'Avé",
                "12 place de l'Église",
                "56890",
                "Saint-Avé",
                "Gaëtan Le Fur",
                "gérant",
            ),
            DemoClient(
                COMPANY,
                "Imprimerie du Golfe",
                "8 rue du Commerce",
                "56000",
                "Vannes",
                "Solenn Guillas",
                "responsable commerciale",
            ),
            DemoClient(
                COMPANY,
                "Garage Ropert",
                "ZA de Tréhuinec",
                "56890",
                "Saint-Avé",
                "Patrice Ropert",
                "gérant",
            ),
            DemoClient(
                COMPANY,
                "Cabinet comptable Le Goff & associés",
                "15 rue Thiers",
                "56000",
                "Vannes",
                "Armelle Le Goff",
                "associée",
            ),
            DemoClient(
                COMPANY,
                "Jardinerie de Kerniol",
                "Route de Locminé",
                "56890",
                "Saint-Avé",
                "Ronan Kerbiriou",
                "directeur",
            ),
            DemoClient(
                ASSOCIATION,
                "Comité des fêtes de Saint-Avé",
                "Place de la Mairie",
                "56890",
                "Saint-Avé",
                "Josiane Le Priol",
                "présidente",
            ),
            DemoClient(
                COMPANY,
                "Épicerie de Lesvellec",
                "3 rue de Lesvellec",
                "56890",
                "Saint-Avé",
                "Mickaël Le Roch",
                "gérant",
            ),
        ),
        issued=11,
    ),
    KER_COOP.name: DemoCommerce(
        services=(
            DemoService("Repassage", HOUR, "14.00"),
            DemoService("Couture / retouches", ITEM, "8.00"),
            DemoService("Repas partagé", FLAT, "90.00", vat_rate="10.0"),
        ),
        clients=(
            DemoClient(
                ASSOCIATION,
                "Maison de quartier de Kercado",
                "Rue Jean Le Brix",
                "56000",
                "Vannes",
                "Sylvie Le Tohic",
                "coordinatrice",
            ),
            DemoClient(INDIVIDUAL, "Monique Le Gal", "4 rue de Kercado", "56000", "Vannes"),
            DemoClient(
                ASSOCIATION,
                "Amicale des locataires de Kercado",
                "10 place Kercado",
                "56000",
                "Vannes",
                "Henri Moisan",
                "président",
            ),
            DemoClient(INDIVIDUAL, "Jean-Pierre Tual", "22 rue Abbé Le Barh", "56000", "Vannes"),
            DemoClient(
                ASSOCIATION,
                "Jardins partagés de Kercado",
                "Allée des Jardins",
                "56000",
                "Vannes",
                "Odette Le Brech",
                "trésorière",
            ),
            DemoClient(INDIVIDUAL, "Françoise Lamour", "7 rue de la Madeleine", "56000", "Vannes"),
        ),
        issued=16,
    ),
    BELLE_COOP.name: DemoCommerce(
        services=(
            DemoService("Buffet traiteur", FLAT, "180.00", vat_rate="10.0"),
            DemoService("Animation d'atelier", HOUR, "30.00"),
            DemoService("Composition florale", ITEM, "15.00"),
        ),
        clients=(
            DemoClient(
                ASSOCIATION,
                "Vannes Solidaire",
                "5 rue du Mené",
                "56000",
                "Vannes",
                "Brigitte Le Dantec",
                "présidente",
            ),
            DemoClient(
                COMPANY,
                "Fleuriste Au Jardin d'Émeraude",
                "18 rue Saint-Vincent",
                "56000",
                "Vannes",
                "Lénaïg Guyot",
                "gérante",
            ),
            DemoClient(
                COMPANY,
                "Agence Horizon Communication",
                "2 boulevard de la Paix",
                "56000",
                "Vannes",
                "Kévin Le Lay",
                "directeur",
            ),
            DemoClient(INDIVIDUAL, "Gaëlle Le Sciellour", "9 rue de Ménimur", "56000", "Vannes"),
            DemoClient(
                ASSOCIATION,
                "Centre social de Ménimur",
                "Place de Ménimur",
                "56000",
                "Vannes",
                "Malik Benali",
                "directeur",
            ),
            DemoClient(INDIVIDUAL, "Bernard Kerhervé", "14 route de Montsarrac", "56860", "Séné"),
            DemoClient(
                ASSOCIATION,
                "Crèche Les P'tits Mousses",
                "31 avenue Victor Hugo",
                "56000",
                "Vannes",
                "Aurélie Jouan",
                "directrice",
            ),
            DemoClient(
                COMPANY,
                "Boutique Ti Kreiz",
                "6 place des Lices",
                "56000",
                "Vannes",
                "Yannick Le Bec",
                "gérant",
            ),
        ),
        issued=11,
    ),
    CJS_VANNES.name: DemoCommerce(
        services=(
            DemoService("Jardinage et désherbage", HOUR, "14.00"),
            DemoService("Lavage de vitres", HOUR, "15.00"),
            DemoService("Garde d'animaux", ITEM, "12.00"),
        ),
        clients=(
            DemoClient(INDIVIDUAL, "Marie-Thérèse Le Nours", "6 rue du Penher", "56000", "Vannes"),
            DemoClient(
                COMPANY,
                "Camping du Golfe",
                "Route de Conleau",
                "56000",
                "Vannes",
                "Stéphane Le Ray",
                "gérant",
            ),
            DemoClient(
                INDIVIDUAL, "Joseph Le Clainche", "12 allée de Kerbiquette", "56000", "Vannes"
            ),
            DemoClient(
                ASSOCIATION,
                "Centre de loisirs de Ménimur",
                "Place de Ménimur",
                "56000",
                "Vannes",
                "Katell Le Gall",
                "directrice",
            ),
            DemoClient(INDIVIDUAL, "Yvonne Le Mestre", "3 rue de la Fontaine", "56860", "Séné"),
            DemoClient(INDIVIDUAL, "Daniel Le Pévédic", "21 rue de Rennes", "56000", "Vannes"),
        ),
        issued=10,
    ),
    CJS_LORIENT.name: DemoCommerce(
        services=(
            DemoService("Lavage de voitures", ITEM, "10.00"),
            DemoService("Tonte de pelouse", HOUR, "14.00"),
            DemoService("Aide au déménagement", HOUR, "15.00"),
        ),
        clients=(
            DemoClient(INDIVIDUAL, "Yvette Le Dréau", "11 rue de Merville", "56100", "Lorient"),
            DemoClient(
                COMPANY,
                "Auto-école Kerentrech",
                "40 rue de Kerentrech",
                "56100",
                "Lorient",
                "Pascal Le Gouic",
                "gérant",
            ),
            DemoClient(INDIVIDUAL, "Gérard Le Bouëdec", "3 rue Jean Jaurès", "56600", "Lanester"),
            DemoClient(INDIVIDUAL, "Anne-Marie Guého", "25 rue de Lomener", "56270", "Ploemeur"),
            DemoClient(INDIVIDUAL, "Jacques Le Gurun", "8 rue de Keryado", "56100", "Lorient"),
            DemoClient(
                INDIVIDUAL, "Odile Perron", "2 boulevard de Toulhars", "56260", "Larmor-Plage"
            ),
        ),
        issued=8,
    ),
    CJM_LORIENT.name: DemoCommerce(
        services=(
            DemoService("Nettoyage de vitres", HOUR, "16.00"),
            DemoService("Gestion des réseaux sociaux", FLAT, "150.00"),
        ),
        clients=(
            DemoClient(
                COMPANY,
                "Crêperie du Port",
                "5 quai des Indes",
                "56100",
                "Lorient",
                "Annaïg Le Strat",
                "gérante",
            ),
            DemoClient(
                ASSOCIATION,
                "Lorient Voile Loisirs",
                "Base nautique de Kernével",
                "56100",
                "Lorient",
                "Erwann Pérès",
                "président",
            ),
            DemoClient(INDIVIDUAL, "Solène Cadic", "17 rue de Belgique", "56100", "Lorient"),
        ),
        issued=3,
        submitted=1,
        drafts=1,
    ),
}

# email, first name, last name, national coordinator?, (CAE slug, CAE role) or None; the
# animateurs' roles are given per cohort (DemoCohort.animateurs).
COORDINATOR_EMAIL = "coordination@coopilote.localhost"
DEMO_ACCOUNTS = [
    (COORDINATOR_EMAIL, "Camille", "Martin", True, None),
    ("admin@sitelle.localhost", "Nolwenn", "Le Gall", False, ("sitelle", Role.CAE_ADMIN)),
    ("accompagnement@sitelle.localhost", "Yann", "Le Bihan", False, ("sitelle", Role.CAE_STAFF)),
    ("animation1@sitelle.localhost", "Erwan", "Guillou", False, None),
    ("animation2@sitelle.localhost", "Maëlle", "Jégo", False, None),
    ("admin@lorient.localhost", "Gwenaëlle", "Tanguy", False, ("lorient", Role.CAE_ADMIN)),
    ("animation1@lorient.localhost", "Tristan", "Le Dantec", False, None),
    ("animation2@lorient.localhost", "Morgane", "Riou", False, None),
]


@dataclass(frozen=True)
class DemoPartner:
    organisation: str
    kind: str
    town: str
    first_name: str
    last_name: str
    email: str
    job_title: str


@dataclass(frozen=True)
class DemoLocalCommittee:
    cae: str
    name: str
    cohorts: tuple[str, ...]  # cohort names
    since: datetime.date
    partners: tuple[DemoPartner, ...]


# Each CAE's local committee: the partners the seeds name (Mission locale, the city, the youth
# hostel, associations, companies). The first partner of each signs in with the demo password.
DEMO_LOCAL_COMMITTEES = (
    DemoLocalCommittee(
        cae="sitelle",
        name="Comité local de Vannes",
        cohorts=("Ker Coop (Kercado)", "La Belle Coop", "CJS de Vannes"),
        since=D(2017, 1, 9),
        partners=(
            DemoPartner(
                "Mission locale du Pays de Vannes",
                "mission_locale",
                "Vannes",
                "Soizic",
                "Le Floch",
                "partenaire@sitelle.localhost",
                "Conseillère insertion",
            ),
            DemoPartner(
                "Ville de Vannes",
                "municipality",
                "Vannes",
                "Hervé",
                "Daniel",
                "politique.ville@vannes.localhost",
                "Chargé de mission politique de la ville",
            ),
            DemoPartner(
                "Maison de quartier de Kercado",
                "association",
                "Vannes",
                "Fatima",
                "Benali",
                "kercado@associations.localhost",
                "Coordinatrice",
            ),
            DemoPartner(
                "Foyer de jeunes travailleurs du Mené",
                "housing",
                "Vannes",
                "Gaël",
                "Le Quéré",
                "fjt-mene@associations.localhost",
                "Animateur socio-éducatif",
            ),
            DemoPartner(
                "DEDALE Café",
                "company",
                "Vannes",
                "Servane",
                "Le Mouël",
                "contact@dedale-cafe.localhost",
                "Gérante de l'espace de coworking",
            ),
        ),
    ),
    DemoLocalCommittee(
        # The seeds' committee of the 2015 CJM: E2S Pays de Vannes coordinating, the Mission
        # locale, the MRJC, the Mené youth workers' hostel, Familles Rurales, the town, the
        # junior chamber and local companies. The Mission locale's adviser sits on both of
        # Sitelle's committees (one account, one person record).
        cae="sitelle",
        name="Comité local de Saint-Avé",
        cohorts=("CJM de Saint-Avé",),
        since=D(2015, 6, 15),
        partners=(
            DemoPartner(
                "Mission locale du Pays de Vannes",
                "mission_locale",
                "Vannes",
                "Soizic",
                "Le Floch",
                "partenaire@sitelle.localhost",
                "Conseillère insertion",
            ),
            DemoPartner(
                "E2S Pays de Vannes",
                "association",
                "Vannes",
                "Tugdual",
                "Le Hénaff",
                "e2s@associations.localhost",
                "Coordinateur du pôle ESS",
            ),
            DemoPartner(
                "Ville de Saint-Avé",
                "municipality",
                "Saint-Avé",
                "Gwenaëlle",
                "Kerhervé",
                "jeunesse@saint-ave.localhost",
                "Adjointe à la jeunesse",
            ),
            DemoPartner(
                "MRJC Morbihan",
                "association",
                "Vannes",
                "Quentin",
                "Rolland",
                "mrjc@associations.localhost",
                "Animateur",
            ),
            DemoPartner(
                "Familles Rurales du Morbihan",
                "association",
                "Vannes",
                "Annie",
                "Le Corre",
                "familles-rurales@associations.localhost",
                "Présidente",
            ),
            DemoPartner(
                "Jeune chambre économique du Morbihan",
                "association",
                "Vannes",
                "Mathieu",
                "Le Boulaire",
                "jce@associations.localhost",
                "Président",
            ),
            DemoPartner(
                "Garage Ropert",
                "company",
                "Saint-Avé",
                "Patrice",
                "Ropert",
                "garage.ropert@entreprises.localhost",
                "Gérant",
            ),
        ),
    ),
    DemoLocalCommittee(
        cae="lorient",
        name="Comité local de Lorient",
        cohorts=("CJS de Lorient",),
        since=D(2026, 3, 2),
        partners=(
            DemoPartner(
                "Mission locale du Pays de Lorient",
                "mission_locale",
                "Lorient",
                "Loïc",
                "Caradec",
                "partenaire@lorient.localhost",
                "Conseiller jeunesse",
            ),
            DemoPartner(
                "Ville de Lorient",
                "municipality",
                "Lorient",
                "Anne",
                "Jaouen",
                "jeunesse@lorient.localhost",
                "Service jeunesse",
            ),
            DemoPartner(
                "Auberge de jeunesse de Lorient",
                "youth_hostel",
                "Lorient",
                "Marc",
                "Le Roux",
                "auberge@lorient.localhost",
                "Directeur",
            ),
            DemoPartner(
                "Chantier naval du Ter",
                "company",
                "Lorient",
                "Claire",
                "Tanguy",
                "contact@chantier-ter.localhost",
                "Gérante",
            ),
        ),
    ),
)


# What a cohort bought (description, supplier, category, amount incl. VAT, VAT, method, days
# after the start) — CAE staff approve and pay each; and how it shared its result.
DEMO_PURCHASES = (
    (
        "Fournitures (affiches, feutres, ruban)",
        "Papeterie du Port",
        "materials",
        "48.90",
        "8.15",
        "card",
        12,
    ),
    ("Tickets de bus pour les chantiers", "Kicéo", "travel", "32.00", "2.91", "cash", 20),
)


# --- Cooperative life: workshops, votes, skills, public pages, season reports ----------------

COOPERATION, MARKETING = TrainingTopic.COOPERATION, TrainingTopic.MARKETING
MANAGEMENT, CUSTOMERS = TrainingTopic.MANAGEMENT, TrainingTopic.CUSTOMER_RELATIONS
SAFETY, OTHER_TOPIC = TrainingTopic.WORK_SAFETY, TrainingTopic.OTHER


@dataclass(frozen=True)
class DemoWorkshop:
    topic: str
    title: str
    trainer_name: str
    trainer_organisation: str
    hours: int  # from 14:00


# The ateliers a cohort follows, in this order: a cohort gets the first `DEMO_WORKSHOPS[name]`
# of them, one a week from its second day (La Belle Coop: "13 ateliers ou formations").
WORKSHOP_CATALOGUE = (
    DemoWorkshop(COOPERATION, "Qu'est-ce qu'une coopérative ?", "Anne Le Strat", "CAE", 3),
    DemoWorkshop(SAFETY, "Gestes et postures, sécurité sur les chantiers", "Pierre Morvan", "", 2),
    DemoWorkshop(MARKETING, "Construire notre offre de services", "Anne Le Strat", "CAE", 3),
    DemoWorkshop(MANAGEMENT, "Calculer un coût de revient et un prix", "Loïc Guého", "CAE", 3),
    DemoWorkshop(
        CUSTOMERS, "Accueillir un client et prendre une commande", "Sophie Kerouédan", "", 2
    ),
    DemoWorkshop(COOPERATION, "Décider ensemble : réunions et votes", "Anne Le Strat", "CAE", 2),
    DemoWorkshop(MANAGEMENT, "Devis, factures et suivi des paiements", "Loïc Guého", "CAE", 3),
    DemoWorkshop(
        MARKETING, "Prospecter : affiches, réseaux sociaux, porte-à-porte", "Julie Ollivier", "", 3
    ),
    DemoWorkshop(CUSTOMERS, "Négocier et gérer une réclamation", "Sophie Kerouédan", "", 2),
    DemoWorkshop(
        MANAGEMENT, "Lire le compte de résultat de la coopérative", "Loïc Guého", "CAE", 2
    ),
    DemoWorkshop(
        OTHER_TOPIC, "Valoriser son expérience dans un CV", "Nathalie Le Cam", "Mission locale", 2
    ),
    DemoWorkshop(OTHER_TOPIC, "Prendre la parole en public", "Julie Ollivier", "", 2),
    DemoWorkshop(
        COOPERATION, "Répartir le résultat : les règles possibles", "Anne Le Strat", "CAE", 2
    ),
)
DEMO_WORKSHOPS: dict[str, int] = {
    SAINT_AVE.name: 8,
    KER_COOP.name: 10,
    BELLE_COOP.name: 13,
    CJS_VANNES.name: 6,
    CJS_LORIENT.name: 6,
    CJM_LORIENT.name: 9,  # the last ones are still to come: no attendance yet
}
# Where a cohort meets, when the seeds say so (otherwise its own premises in its town).
DEMO_PLACES: dict[str, str] = {
    BELLE_COOP.name: "Espace de coworking du DEDALE Café, Vannes",
    KER_COOP.name: "Maison de quartier de Kercado, Vannes",
}

# The vote on the pay-sharing rule of a closed cohort, a week before its end: the choices are
# the sharing rules Coopilote computes (tenants.pay.models.SharingRule); pro rata of hours wins.
SHARING_VOTE_QUESTION = "Comment répartir le résultat de la coopérative entre nous ?"
SHARING_VOTE_DETAILS = (
    "Le résultat est réparti après la fin de la coopérative ; 20 % restent dans la caisse "
    "commune pour la fête de fin de saison et le prochain groupe."
)
SHARING_RETAINED_RATE = 20
# The running cohort's vote, open today: its internal rules.
RULES_VOTE_QUESTION = "Adopter le règlement intérieur proposé par le comité RH ?"


@dataclass(frozen=True)
class DemoPage:
    """A cohort's public page, and what one of its clients said about it."""

    slug: str
    headline: str
    description: str
    area_served: str
    photo_caption: str
    colour: tuple[int, int, int]  # of the stand-in photo
    testimonial: str = ""


DEMO_PAGES: dict[str, DemoPage] = {
    SAINT_AVE.name: DemoPage(
        "cjm-saint-ave",
        "Dix jeunes Avéens au service des entreprises de la commune",
        "Nous sommes une coopérative de jeunes majeurs portée par la CAE Sitelle : mise sous "
        "pli, distribution, inventaires.",
        "Saint-Avé et Vannes",
        "Mise sous pli pour l'Imprimerie du Golfe",
        (36, 92, 140),
        "Travail soigné et rendu à l'heure : nos 2 000 courriers sont partis le jour prévu.",
    ),
    KER_COOP.name: DemoPage(
        "ker-coop",
        "La coopérative des habitantes de Kercado",
        "Repassage, retouches et repas partagés, au cœur du quartier de Kercado.",
        "Vannes (Kercado)",
        "Le repas partagé de la Maison de quartier",
        (170, 72, 40),
        "Un repas partagé préparé avec soin, qui a réuni tout le quartier.",
    ),
    BELLE_COOP.name: DemoPage(
        "belle-coop",
        "Traiteur, fleurs et ateliers au DEDALE Café",
        "Treize coopérant·es se sont réuni·es dans l'espace de coworking du DEDALE Café pour "
        "proposer buffets, compositions florales et animations d'ateliers.",
        "Vannes et Séné",
        "Un buffet pour Vannes Solidaire",
        (120, 60, 120),
        "Le buffet de notre assemblée générale a fait l'unanimité.",
    ),
    CJS_VANNES.name: DemoPage(
        "cjs-vannes",
        "L'été des jeunes coopérant·es de Vannes",
        "Coopérative jeunesse de services de l'été : jardinage, vitres et garde d'animaux.",
        "Vannes, Séné et Saint-Avé",
        "Désherbage d'un jardin à Vannes",
        (46, 120, 60),
        "Un jardin impeccable et des jeunes très polis.",
    ),
    CJS_LORIENT.name: DemoPage(
        "cjs-lorient",
        "Une coopérative jeunesse de services à Lorient",
        "Lavage de voitures, tonte et coups de main pour déménager, tout l'été.",
        "Lorient, Lanester, Ploemeur et Larmor-Plage",
        "Lavage de voitures à Kerentrech",
        (20, 110, 150),
        "Ma voiture n'avait jamais été aussi propre.",
    ),
    CJM_LORIENT.name: DemoPage(
        "cjm-lorient",
        "Des jeunes de Lorient lancent leur coopérative",
        "Nettoyage de vitres et animation de réseaux sociaux pour les commerces et associations "
        "du pays de Lorient : demandez-nous un devis.",
        "Pays de Lorient",
        "Les vitres de la Crêperie du Port",
        (90, 90, 40),
    ),
}
# Of a cohort's members, those whose position is not a multiple of this agreed to show their
# first name on its page.
FIRST_NAME_REFUSAL_EVERY = 4


@dataclass(frozen=True)
class DemoReport:
    """Where a closed cohort's season report stands: submitted, then approved or returned (with
    the coordination's comment); a closed cohort absent from DEMO_REPORTS has filed nothing."""

    outcome: str  # "approved", "returned" or "submitted" (awaiting review)
    narrative: str
    comment: str = ""


DEMO_REPORTS: dict[str, DemoReport] = {
    SAINT_AVE.name: DemoReport(
        "approved",
        "Dix jeunes demandeurs d'emploi ont créé leur coopérative d'octobre à décembre 2015 : "
        "11 prestations pour 7 clients, surtout des entreprises avéennes. Le comité local a "
        "suivi le projet de bout en bout.",
        "Merci pour ce bilan complet.",
    ),
    KER_COOP.name: DemoReport(
        "approved",
        "Neuf coopérant·es, dont huit femmes d'une quarantaine d'années, ont testé "
        "l'entrepreneuriat collectif à Kercado pendant trois mois : 16 prestations.",
    ),
    BELLE_COOP.name: DemoReport(
        "returned",
        "Treize coopérant·es au DEDALE Café : 11 prestations pour 8 clients et 13 ateliers.",
        "Pouvez-vous décrire les suites de parcours des deux personnes sorties en décembre et "
        "le rôle du comité local ?",
    ),
    CJS_VANNES.name: DemoReport(
        "submitted",
        "Douze jeunes de 16 à 18 ans ont fait vivre leur coopérative cet été : 10 prestations, "
        "deux animateurs, un comité local présent à l'ouverture et au bilan.",
    ),
    # CJS de Lorient: no report yet, so the national page shows the CAE de Lorient late.
}
