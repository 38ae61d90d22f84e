"""`make demo`'s data: migrate every schema, then the network, two CAEs, their accounts and their
cohorts with their members, committees and outcomes.

Every domain row is written through the services, so the demo obeys the rules the users meet
(age bands, parental authorisations, places, lifecycle, committees). The people are fictional,
the dates fixed, nothing is random: two runs build the same network.

Idempotent: running it again migrates what is new and leaves existing data as it is. A cohort
is recognised by its name and built in one transaction, so it is either complete or absent; a
cohort that an earlier version of this command left in preparation is completed.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Membership, Role, User
from coopilote.errors import ApplicationError
from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from network.registry.services import cae_register, network_setup, site_host
from tenants.cohorts.models import Cohort, CohortStatus, Programme, TerritoryKind
from tenants.cohorts.rules import age_on
from tenants.cohorts.services import (
    cohort_assign_animateur,
    cohort_create,
    cohort_transition,
    cohort_update,
)
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

D = datetime.date
F, M = Gender.FEMALE, Gender.MALE

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


def authorisation_pdf() -> bytes:
    """A minimal but valid one-page PDF, standing in for a signed parental authorisation."""
    text = b"BT /F1 14 Tf 72 770 Td (Autorisation parentale - document de demonstration) Tj ET"
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


def cohorts_summary() -> str:
    """The current CAE's cohorts, oldest first, with their status and number of members."""
    cohorts = Cohort.objects.annotate(
        members=Count("enrolments"),
        withdrawn=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WITHDRAWN)),
    ).order_by("starts_on", "name")
    parts = []
    for cohort in cohorts:
        status = str(CohortStatus(cohort.status).label).lower()
        withdrawn = ""
        if cohort.withdrawn:
            plural = "s" if cohort.withdrawn > 1 else ""
            withdrawn = f", dont {cohort.withdrawn} sorti·e{plural}"
        parts.append(
            f"{cohort.name} ({cohort.programme}, {status}, "
            f"{cohort.members} coopérant·es{withdrawn})"
        )
    return " ; ".join(parts) or "aucune coopérative"


class Command(BaseCommand):
    help = (
        "Prépare le réseau de démonstration (migrations, CAE, comptes, coopératives et "
        "coopérant·es) ; idempotent."
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
        for cae_number, (slug, demo_cae) in enumerate(DEMO_CAES.items(), start=1):
            in_charge = User.objects.get(email=demo_cae.in_charge)
            with tenant_context(caes[slug]):
                for cohort_number, plan in enumerate(demo_cae.cohorts, start=1):
                    # Phone numbers in the range ARCEP keeps for fiction (06 39 98 xx xx).
                    phone_prefix = f"06 39 98 {cae_number}{cohort_number}"
                    try:
                        cohort_build(plan=plan, in_charge=in_charge, phone_prefix=phone_prefix)
                    except ApplicationError as error:
                        raise CommandError(
                            f"{plan.name} : {error.message} {error.details}"
                        ) from error
        self.stdout.write(self.style.SUCCESS("Réseau de démonstration prêt."))
        self.stdout.write(f"Comptes (mot de passe « {DEMO_PASSWORD} ») :")
        for email, *_rest in DEMO_ACCOUNTS:
            self.stdout.write(f"  - {email}")
        self.stdout.write("Coopératives :")
        for slug, demo_cae in DEMO_CAES.items():
            with tenant_context(caes[slug]):
                self.stdout.write(f"  - {demo_cae.name} : {cohorts_summary()}")
        hosts = [settings.BASE_HOST, *(site_host(slug) for slug in DEMO_CAES)]
        self.stdout.write("Sites : " + ", ".join(hosts))
