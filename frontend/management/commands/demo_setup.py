"""`make demo`'s data: migrate every schema, then the network, two CAEs, their accounts and their
cohorts with their members, committees and outcomes, the services each cohort sold, its clients
and its invoices.

Every domain row is written through the services, so the demo obeys the rules the users meet
(age bands, parental authorisations, places, lifecycle, committees). The people are fictional,
the dates fixed, nothing is random: two runs build the same network.

Idempotent: running it again migrates what is new and leaves existing data as it is. A cohort
is recognised by its name and built in one transaction, so it is either complete or absent; a
cohort that an earlier version of this command left in preparation is completed. A cohort's
commerce (services, clients, invoices) is built in its own transaction, once: it is recognised
by the name of the cohort's first service.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from coopilote.accounts.models import Membership, Role, User
from coopilote.accounts.otp import otp_confirmed_device, otp_is_mandatory, totp_device_set
from coopilote.errors import ApplicationError
from coopilote.money import to_cents
from coopilote.payments import DUMMY
from coopilote.tenancy import current_cae, current_schema, site_host
from network.committees.models import LocalCommittee
from network.committees.services import (
    local_committee_create,
    partner_seat,
)
from network.indicators.services import facts_rebuild
from network.payments.services import dummy_payment_events, webhook_receive
from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from network.registry.services import cae_payment_account_set, cae_register, network_setup
from tenants.billing.models import Invoice, InvoiceStatus, PaymentMethod
from tenants.billing.selectors import invoice_balance
from tenants.billing.services import (
    CreditLine,
    credit_note_issue,
    invoice_draft_from_jobs,
    invoice_issue,
    invoice_submit,
    payment_checkout_start,
    payment_event_apply,
    payment_record,
)
from tenants.cohorts.models import Cohort, CohortStatus, Programme, TerritoryKind
from tenants.cohorts.rules import age_on
from tenants.cohorts.services import (
    cohort_assign_animateur,
    cohort_create,
    cohort_transition,
    cohort_update,
)
from tenants.commerce.models import Client, ClientKind, Job, JobStatus, Service, ServiceUnit
from tenants.commerce.services import (
    client_contact_add,
    client_create,
    job_create,
    job_hours_record,
    job_mark_done,
    job_member_assign,
    job_slot_add,
    quote_answer,
    quote_create,
    quote_line_add,
    quote_send,
    service_create,
)
from tenants.ledger.models import Purchase
from tenants.ledger.services import purchase_approve, purchase_pay, purchase_request
from tenants.pay.models import SharingRule
from tenants.pay.services import pay_run_create, pay_run_decide
from tenants.people.models import (
    CommitteeKind,
    Enrolment,
    EnrolmentStatus,
    Gender,
    Member,
    Outcome,
    StatusAtEntry,
)
from tenants.people.services import (
    ADULT_AGE,
    committee_create,
    committee_seat_assign,
    enrolment_record_outcome,
    enrolment_withdraw,
    guardian_record,
    member_create,
    member_enrol,
)

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

DEMO_CAES: dict[str, DemoCae] = {
    "sitelle": DemoCae(
        name="CAE Sitelle (Vannes)",
        department="56",
        in_charge="accompagnement@sitelle.localhost",
        cohorts=(SAINT_AVE, KER_COOP, BELLE_COOP),
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
DEMO_ACCOUNTS = [
    ("coordination@coopilote.localhost", "Camille", "Martin", True, None),
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
        cohorts=("Ker Coop (Kercado)", "La Belle Coop"),
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


def local_committee_build(*, plan: DemoLocalCommittee, cae: Cae) -> None:
    """The CAE's local committee, its partners seated (and invited) once; idempotent."""
    if LocalCommittee.objects.filter(cae=cae, name=plan.name).exists():
        return
    with tenant_context(cae):
        cohort_ids = list(Cohort.objects.filter(name__in=plan.cohorts).values_list("pk", flat=True))
    committee = local_committee_create(cae=cae, name=plan.name, cohort_ids=cohort_ids)
    for number, partner in enumerate(plan.partners):
        if number == 0 and not User.objects.filter(email=partner.email).exists():
            User.objects.create_user(
                partner.email,
                DEMO_PASSWORD,
                first_name=partner.first_name,
                last_name=partner.last_name,
            )
        partner_seat(
            committee=committee,
            organisation={
                "name": partner.organisation,
                "kind": partner.kind,
                "town": partner.town,
            },
            first_name=partner.first_name,
            last_name=partner.last_name,
            email=partner.email,
            job_title=partner.job_title,
            joined_on=plan.since,
        )


def authorisation_pdf(title: bytes = b"Autorisation parentale") -> bytes:
    """A minimal but valid one-page PDF, standing in for a signed parental authorisation (or,
    with another `title`, for a receipt)."""
    text = b"BT /F1 14 Tf 72 770 Td (" + title + b" - document de demonstration) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%b\nendstream" % (len(text), text),
    ]
    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref_offset = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_offset,
    )
    return bytes(document)


def _member_get_or_create(
    person: DemoPerson, *, status_at_entry: str, contact_phone: str
) -> Member:
    member = Member.objects.filter(
        first_name=person.first_name, last_name=person.last_name, birth_date=person.birth_date
    ).first()
    return member or member_create(
        first_name=person.first_name,
        last_name=person.last_name,
        birth_date=person.birth_date,
        gender=person.gender,
        postcode=person.postcode,
        qpv_resident=person.qpv_resident,
        status_at_entry=status_at_entry,
        emergency_contact_name=person.contact_name,
        emergency_contact_phone=contact_phone,
    )


def _cohort_enrol(plan: DemoCohort, cohort: Cohort, *, phone_prefix: str) -> list[Enrolment]:
    """Record and enrol the plan's members, in its order, over the three weeks before the start.

    A minor's guardian signs the parental authorisation a few days before the enrolment.
    """
    enrolments = []
    for number, person in enumerate(plan.members, start=1):
        contact_phone = f"{phone_prefix} {number:02d}"
        member = _member_get_or_create(
            person,
            status_at_entry=plan.statuses_at_entry.get(person.full_name, plan.status_at_entry),
            contact_phone=contact_phone,
        )
        enrolled_on = plan.starts_on - datetime.timedelta(days=22 - number)
        is_minor = age_on(person.birth_date, plan.starts_on) < ADULT_AGE
        if is_minor and not member.guardians.exclude(authorisation_file="").exists():
            guardian_record(
                member=member,
                full_name=person.contact_name,
                relationship=person.relationship,
                phone=contact_phone,
                email="",
                authorisation_file=ContentFile(
                    authorisation_pdf(), name="autorisation-parentale.pdf"
                ),
                authorisation_signed_on=enrolled_on - datetime.timedelta(days=3),
            )
        enrolments.append(member_enrol(member=member, cohort=cohort, enrolled_on=enrolled_on))
    return enrolments


def _cohort_run_committees(plan: DemoCohort, cohort: Cohort, enrolments: list[Enrolment]) -> None:
    """Seat everyone from the start, record the withdrawals, then rotate once."""
    committees = [
        committee_create(cohort=cohort, kind=kind, name=name) for kind, name in COMMITTEES
    ]
    for position, enrolment in enumerate(enrolments):
        committee_seat_assign(
            committee=committees[position % len(committees)],
            enrolment=enrolment,
            starts_on=plan.starts_on,
        )
    for position, (person, enrolment) in enumerate(zip(plan.members, enrolments, strict=True)):
        if person.full_name in plan.withdrawals:
            withdrawn_on, reason = plan.withdrawals[person.full_name]
            enrolments[position] = enrolment_withdraw(
                enrolment=enrolment, withdrawn_on=withdrawn_on, reason=reason
            )
    for position, enrolment in enumerate(enrolments):
        if enrolment.status == EnrolmentStatus.ENROLLED:
            committee_seat_assign(
                committee=committees[(position + 1) % len(committees)],
                enrolment=enrolment,
                starts_on=plan.rotation_on,
            )


@transaction.atomic
def cohort_build(*, plan: DemoCohort, in_charge: User, phone_prefix: str) -> Cohort:
    """Bring the plan's cohort to life in the current CAE, unless it is already under way."""
    fields = {**plan.details, "staff_in_charge": in_charge}
    cohort = Cohort.objects.filter(name=plan.name).first()
    if cohort is not None and cohort.status != CohortStatus.DRAFT:
        return cohort  # built by an earlier run (or taken over by someone): left as it is
    if cohort is None:
        cohort = cohort_create(
            name=plan.name,
            programme=plan.programme,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
            **fields,
        )
    else:  # left in preparation by an earlier version of this command
        cohort = cohort_update(
            cohort=cohort, starts_on=plan.starts_on, ends_on=plan.ends_on, **fields
        )
    cohort = cohort_transition(
        cohort=cohort, to_status=CohortStatus.RECRUITING, reason=OPENING_REASON, by=in_charge
    )
    enrolments = _cohort_enrol(plan, cohort, phone_prefix=phone_prefix)
    for email in plan.animateurs:
        cohort_assign_animateur(cohort=cohort, user=User.objects.get(email=email))
    cohort = cohort_transition(
        cohort=cohort, to_status=CohortStatus.RUNNING, reason=START_REASON, by=in_charge
    )
    _cohort_run_committees(plan, cohort, enrolments)
    if plan.status == CohortStatus.CLOSED:
        cohort = cohort_transition(
            cohort=cohort, to_status=CohortStatus.CLOSED, reason=plan.closing_reason, by=in_charge
        )
        for person, enrolment in zip(plan.members, enrolments, strict=True):
            if person.full_name in plan.outcomes:
                outcome, detail = plan.outcomes[person.full_name]
                enrolment_record_outcome(
                    enrolment=enrolment,
                    outcome=outcome,
                    detail=detail,
                    recorded_on=plan.outcomes_recorded_on,
                )
    return cohort


def _quantity(unit: str, number: int) -> Decimal:
    """A plausible, deterministic quantity for the `number`th line of that unit."""
    if unit == ServiceUnit.FLAT:
        return Decimal(1)
    if unit == ServiceUnit.ITEM:
        return Decimal(4 + (number * 5) % 7)
    return Decimal(2 + (number * 3) % 6)


def _client_record(client: DemoClient, *, cohort: Cohort, identity_number: int) -> Client:
    identifiers: dict[str, str] = {}
    if client.kind != ClientKind.INDIVIDUAL:
        identity = fictional_identity(identity_number)
        identifiers["siret"] = identity["siret"]
        if client.kind == ClientKind.COMPANY:
            identifiers["vat_number"] = identity["vat_number"]
    record = client_create(
        kind=client.kind,
        name=client.name,
        address=client.address,
        postcode=client.postcode,
        city=client.city,
        cohort=cohort,
        **identifiers,
    )
    if client.contact:
        client_contact_add(
            client=record,
            full_name=client.contact,
            role=client.contact_role,
            email=f"contact{identity_number}@client.example.org",
        )
    return record


def _job_done(
    *,
    cohort: Cohort,
    client: Client,
    service: Service,
    quantity: Decimal,
    day: datetime.date,
    team: list[Member],
) -> Job:
    """A job of the cohort, in one morning slot, done by `team` (3 hours each)."""
    job = job_create(
        cohort=cohort, client=client, service=service, quantity=quantity, place=client.city
    )
    job_slot_add(job=job, date=day, starts_at=datetime.time(9), ends_at=datetime.time(12))
    for member in team:
        assignment = job_member_assign(job=job, member=member)
        job_hours_record(assignment=assignment, hours=Decimal(3))
    return job_mark_done(job=job)


def _settle(invoice: Invoice, *, number: int, issued: int, issuer: User) -> None:
    """Most invoices are paid 2 to 4 weeks after issue; the last ones wait, one of them half
    paid; the 4th gets a goodwill credit note."""
    assert invoice.issued_on is not None
    received_on = invoice.issued_on + datetime.timedelta(days=14 + 7 * (number % 3))
    if number == 3:
        credit_note_issue(
            invoice=invoice,
            by=issuer,
            reason="Geste commercial : retard sur le créneau prévu",
            issued_on=invoice.issued_on + datetime.timedelta(days=5),
            lines=[
                CreditLine(
                    description="Remise commerciale",
                    quantity=Decimal(1),
                    unit=ServiceUnit.FLAT,
                    unit_price_excl_vat=to_cents(invoice.total_excl_vat / 10),
                    vat_rate=invoice.lines.all()[0].vat_rate,
                )
            ],
        )
    if number >= issued - 2 or received_on > DEMO_TODAY:
        if number == issued - 2:
            outstanding = invoice_balance(invoice=invoice).outstanding
            payment_record(
                invoice=invoice,
                amount=to_cents(outstanding / 2),
                received_on=min(received_on, DEMO_TODAY),
                method=PaymentMethod.CHEQUE,
                by=issuer,
            )
        return
    payment_record(
        invoice=invoice,
        amount=invoice_balance(invoice=invoice).outstanding,
        received_on=received_on,
        method=PaymentMethod.TRANSFER if number % 2 else PaymentMethod.CHEQUE,
        reference=f"VIR-{invoice.number}" if number % 2 else "",
        by=issuer,
    )


def _pay_online(invoice: Invoice) -> None:
    """The client pays half of the invoice by card, through the dummy provider: checkout, signed
    events to the platform webhook, then their effect in the CAE (which the worker would apply;
    applying them here keeps the demo the same on every start)."""
    amount = to_cents(invoice_balance(invoice=invoice).outstanding / 2)
    attempt = payment_checkout_start(invoice=invoice, amount=amount)
    events = dummy_payment_events(
        account=str(getattr(current_cae(), "payment_account", "")),
        session_id=attempt.session_id,
        amount_cents=int(amount * 100),
        metadata={"schema": current_schema(), "attempt": str(attempt.public_id)},
    )
    for payload, signature in events:
        with schema_context("public"):
            webhook_receive(provider_name=DUMMY, payload=payload, signature=signature)
        payment_event_apply(event=json.loads(payload))


def _quotes_build(
    *, cohort: Cohort, clients: list[Client], services: list[Service], by: User
) -> None:
    """A running cohort's quotes: one accepted (its jobs are planned), one waiting for the
    client's answer, one declined, one draft."""
    today = timezone.localdate()
    plans = [
        ("accepted", "Nettoyage des vitres de la salle et de la véranda", Decimal(6)),
        ("sent", "Animation de vos réseaux sociaux pendant la saison", Decimal(1)),
        ("declined", "Nettoyage des vitres du club-house", Decimal(4)),
        ("draft", "Nettoyage de printemps", Decimal(8)),
    ]
    for number, (outcome, subject, quantity) in enumerate(plans):
        client = clients[number % len(clients)]
        quote = quote_create(
            cohort=cohort,
            client=client,
            subject=subject,
            valid_until=today + datetime.timedelta(days=30),
        )
        quote_line_add(quote=quote, service=services[number % len(services)], quantity=quantity)
        if outcome == "draft":
            continue
        contact = client.contacts.first()
        recipient = contact.email if contact and contact.email else "client@demo.example.org"
        token = quote_send(quote=quote, by=by, recipient_email=recipient).token
        if outcome == "sent":
            continue
        quote_answer(token=token, accept=outcome == "accepted", comment="")
    members = [e.member for e in Enrolment.objects.enrolled().filter(cohort=cohort)][:4]
    for number, job in enumerate(Job.objects.filter(cohort=cohort, status=JobStatus.PLANNED)):
        day = today + datetime.timedelta(days=7 + 7 * number)
        for week in range(2):
            job_slot_add(
                job=job,
                date=day + datetime.timedelta(days=7 * week),
                starts_at=datetime.time(14),
                ends_at=datetime.time(17),
            )
        for member in members[:2]:
            job_member_assign(job=job, member=member)


@transaction.atomic
def commerce_build(
    *, plan: DemoCohort, commerce: DemoCommerce, cohort: Cohort, issuer: User, first_number: int
) -> None:
    """Offer the cohort's services, record its clients, do jobs for them and invoice the jobs,
    unless already done.

    Each invoice bills the jobs of one day (one or two services), done by two or three of the
    cohort's members. The clients' fictional SIRET and VAT numbers come from `first_number` on,
    a range the CAEs do not use. Invoices are issued in the order of their issue date, so that
    their numbers follow the calendar; most are then paid. A running cohort also has quotes.
    """
    if Service.objects.filter(cohort=cohort, name=commerce.services[0].name).exists():
        return
    services = [
        service_create(
            cohort=cohort,
            name=service.name,
            unit=service.unit,
            unit_price_excl_vat=Decimal(service.price),
            vat_rate=Decimal(service.vat_rate),
        )
        for service in commerce.services
    ]
    clients = [
        _client_record(client, cohort=cohort, identity_number=first_number + position)
        for position, client in enumerate(commerce.clients)
    ]
    animateurs = [User.objects.get(email=email) for email in plan.animateurs]
    members = [e.member for e in Enrolment.objects.enrolled().filter(cohort=cohort).order_by("pk")]
    total = commerce.issued + commerce.submitted + commerce.drafts
    first_day = plan.starts_on + datetime.timedelta(days=7)
    span = (min(plan.ends_on, DEMO_TODAY) - first_day).days
    to_issue = []
    for number in range(total):
        sale_date = first_day + datetime.timedelta(days=span * number // max(total - 1, 1))
        client = clients[number % len(clients)]
        positions = [number % len(services)]
        if number % 3 == 2:
            positions.append((number + 1) % len(services))
        team = [members[(number + k) % len(members)] for k in range(2 + number % 2)]
        jobs = [
            _job_done(
                cohort=cohort,
                client=client,
                service=services[position],
                quantity=_quantity(services[position].unit, number),
                day=sale_date,
                team=team,
            )
            for position in positions
        ]
        invoice = invoice_draft_from_jobs(cohort=cohort, job_ids=[job.pk for job in jobs])
        if number >= commerce.issued + commerce.submitted:
            continue  # still a draft
        invoice = invoice_submit(invoice=invoice, by=animateurs[number % len(animateurs)])
        if number < commerce.issued:
            issued_on = min(sale_date + datetime.timedelta(days=3 + number % 3), DEMO_TODAY)
            to_issue.append((issued_on, number, invoice))
    for issued_on, number, invoice in sorted(to_issue, key=lambda item: item[:2]):
        issued = invoice_issue(invoice=invoice, by=issuer, issued_on=issued_on)
        _settle(issued, number=number, issued=commerce.issued, issuer=issuer)
    if plan.status == CohortStatus.RUNNING:
        _quotes_build(cohort=cohort, clients=clients, services=services, by=animateurs[0])
        if settings.PAYMENT_PROVIDER == DUMMY:
            _pay_online(Invoice.objects.filter(cohort=cohort, status="issued").latest("number"))
        _job_done(  # done, waiting to be invoiced
            cohort=cohort,
            client=clients[-1],
            service=services[0],
            quantity=Decimal(2),
            day=DEMO_TODAY - datetime.timedelta(days=2),
            team=members[:2],
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


def books_build(*, plan: DemoCohort, cohort: Cohort, in_charge: User) -> None:
    """The cohort's purchases (receipts, approved, paid, booked) and, once it is over, the
    decided sharing of its result among its members (pro rata of hours, 20 % kept). Each step is
    its own transaction, as in the pages; skipped when the cohort already has purchases."""
    if Purchase.objects.filter(cohort=cohort).exists():
        return
    animateur = User.objects.get(email=plan.animateurs[0])
    for number, (description, supplier, category, amount, vat, method, day) in enumerate(
        DEMO_PURCHASES
    ):
        purchase = purchase_request(
            cohort=cohort,
            by=animateur,
            description=description,
            supplier=supplier,
            category=category,
            amount_incl_vat=Decimal(amount),
            vat_amount=Decimal(vat),
            receipt=ContentFile(authorisation_pdf(b"Ticket de caisse"), name="ticket.pdf"),
        )
        if plan.status == CohortStatus.RUNNING and number == len(DEMO_PURCHASES) - 1:
            continue  # waiting for the CAE's decision
        purchase_approve(purchase=purchase, by=in_charge)
        purchase_pay(
            purchase=purchase,
            by=in_charge,
            paid_on=min(plan.starts_on + datetime.timedelta(days=day), DEMO_TODAY),
            method=method,
        )
    if plan.status == CohortStatus.CLOSED:
        run = pay_run_create(
            cohort=cohort,
            period_start=plan.starts_on,
            period_end=plan.ends_on,
            sharing_rule=SharingRule.PRO_RATA_HOURS,
            retained_rate=Decimal(20),
            by=animateur,
        )
        pay_run_decide(pay_run=run, by=animateur)


def cohorts_summary() -> str:
    """The current CAE's cohorts, oldest first, with their status, number of members, services,
    clients found and invoices issued."""
    cohorts = Cohort.objects.annotate(
        members=Count("enrolments", distinct=True),
        withdrawn=Count(
            "enrolments",
            filter=Q(enrolments__status=EnrolmentStatus.WITHDRAWN),
            distinct=True,
        ),
        service_count=Count("services", distinct=True),
        client_count=Count("clients_found", distinct=True),
        issued_count=Count(
            "invoices", filter=Q(invoices__status=InvoiceStatus.ISSUED), distinct=True
        ),
    ).order_by("starts_on", "name")
    parts = []
    for cohort in cohorts:
        status = str(CohortStatus(cohort.status).label).lower()
        withdrawn = ""
        if cohort.withdrawn:
            plural = "s" if cohort.withdrawn > 1 else ""
            withdrawn = f", dont {cohort.withdrawn} sorti·e{plural}"
        issued = "facture émise" if cohort.issued_count < 2 else "factures émises"
        parts.append(
            f"{cohort.name} ({cohort.programme}, {status}, "
            f"{cohort.members} coopérant·es{withdrawn}, {cohort.service_count} prestations, "
            f"{cohort.client_count} clients, {cohort.issued_count} {issued})"
        )
    return " ; ".join(parts) or "aucune coopérative"


class Command(BaseCommand):
    help = (
        "Prépare le réseau de démonstration (migrations, CAE, comptes, coopératives, "
        "coopérant·es, prestations, clients et factures) ; idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        network_setup()
        caes = {}
        for number, (slug, demo_cae) in enumerate(DEMO_CAES.items(), start=1):
            caes[slug] = Cae.objects.filter(slug=slug).first() or cae_register(
                name=demo_cae.name,
                slug=slug,
                provision_now=True,
                identity=fictional_identity(number, department=demo_cae.department),
            )
            if not caes[slug].payment_account and settings.PAYMENT_PROVIDER == DUMMY:
                caes[slug] = cae_payment_account_set(cae=caes[slug], account=f"acct_dummy_{slug}")
        for email, first_name, last_name, is_coordinator, role in DEMO_ACCOUNTS:
            user = User.objects.filter(email=email).first() or User.objects.create_user(
                email,
                DEMO_PASSWORD,
                first_name=first_name,
                last_name=last_name,
                is_coordinator=is_coordinator,
            )
            if role is not None:
                cae_slug, cae_role = role
                Membership.objects.active().get_or_create(
                    user=user, cae=caes[cae_slug], role=cae_role
                )
            if otp_is_mandatory(user) and otp_confirmed_device(user) is None:
                totp_device_set(user=user, secret=DEMO_TOTP_SECRET)
        for cae_number, (slug, demo_cae) in enumerate(DEMO_CAES.items(), start=1):
            in_charge = User.objects.get(email=demo_cae.in_charge)
            with tenant_context(caes[slug]):
                for cohort_number, plan in enumerate(demo_cae.cohorts, start=1):
                    # Phone numbers in the range ARCEP keeps for fiction (06 39 98 xx xx).
                    phone_prefix = f"06 39 98 {cae_number}{cohort_number}"
                    try:
                        cohort = cohort_build(
                            plan=plan, in_charge=in_charge, phone_prefix=phone_prefix
                        )
                        commerce_build(
                            plan=plan,
                            commerce=DEMO_COMMERCE[plan.name],
                            cohort=cohort,
                            issuer=in_charge,
                            first_number=100 * (cae_number + 1) + 10 * cohort_number,
                        )
                        books_build(plan=plan, cohort=cohort, in_charge=in_charge)
                    except ApplicationError as error:
                        raise CommandError(
                            f"{plan.name} : {error.message} {error.details}"
                        ) from error
        for committee_plan in DEMO_LOCAL_COMMITTEES:
            local_committee_build(plan=committee_plan, cae=caes[committee_plan.cae])
        facts_rebuild()  # the national figures at once, without waiting for the worker
        self.stdout.write(self.style.SUCCESS("Réseau de démonstration prêt."))
        self.stdout.write(f"Comptes (mot de passe « {DEMO_PASSWORD} ») :")
        for email, *_rest in DEMO_ACCOUNTS:
            self.stdout.write(f"  - {email}")
        for committee_plan in DEMO_LOCAL_COMMITTEES:
            self.stdout.write(
                f"  - {committee_plan.partners[0].email} (partenaire, {committee_plan.name})"
            )
        self.stdout.write(
            "Double authentification (coordination et équipes des CAE) : clé TOTP "
            f"« {DEMO_TOTP_SECRET} » à saisir dans une application d'authentification, ou "
            f'code du moment : .venv/bin/python -c "import pyotp; '
            f"print(pyotp.TOTP('{DEMO_TOTP_SECRET}').now())\""
        )
        self.stdout.write("Coopératives :")
        for slug, demo_cae in DEMO_CAES.items():
            with tenant_context(caes[slug]):
                self.stdout.write(f"  - {demo_cae.name} : {cohorts_summary()}")
        hosts = [settings.BASE_HOST, *(site_host(slug) for slug in DEMO_CAES)]
        self.stdout.write("Sites : " + ", ".join(hosts))
