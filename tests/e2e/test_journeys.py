"""Every role's journey of issue 10, in a real browser, through the pages only (clicks and
forms); the starting state of a journey that begins from existing data is set up through the
services. Every page reached is checked for accessibility and phone width (tests/e2e/checks.py).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.urls import get_resolver
from django.utils import timezone
from django_tenants.utils import tenant_context
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from coopilote.accounts.models import Membership, Role, User
from coopilote.accounts.otp import totp_device_set
from coopilote.facts import facts_compute, facts_store
from coopilote.tasking.models import TaskRun
from network.committees.models import LocalCommittee, PartnerOrganisation, PartnerPerson
from network.committees.services import local_committee_create, partner_seat
from network.indicators.models import CohortFact
from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from network.registry.services import cae_payment_account_set, cae_register
from tenants.billing.selectors import invoice_link_token
from tenants.cohorts.models import Cohort, CohortStatus, Programme
from tenants.people.models import Enrolment, Member
from tests.e2e.checks import Journey, link_in, page_key, totp_code
from tests.e2e.conftest import outside_event_loop
from tests.routes import TENANT_URLCONF, path_for, routes
from tests.tenants.ledger.helpers import issued_invoice
from tests.tenants.pay.helpers import job_done, revenue
from tests.tenants.people.factories import CohortFactory, MemberFactory, born_aged

pytestmark = pytest.mark.browser
PUBLIC_URLCONF = "coopilote.urls_public"

PASSWORD = "un-mot-de-passe-solide"
COORDINATOR = "coordination.parcours@example.org"
COORDINATOR_KEY = "COORDINATIONPARCOURSKEY234567AB"


def committed(
    django_db_blocker: Any, create: Callable[[], Any], remove: Callable[[], None]
) -> Iterator[Any]:
    """Commit `create()` for the web server (after cleaning a previous run), remove after."""
    with django_db_blocker.unblock():
        outside_event_loop(remove)
        yield outside_event_loop(create)
        outside_event_loop(remove)


def person(email: str, *, totp: str = "", is_coordinator: bool = False, **names: str) -> User:
    user = User.objects.create_user(email, PASSWORD, is_coordinator=is_coordinator, **names)
    if totp:
        totp_device_set(user=user, secret=totp)
    return user


@pytest.fixture
def journey(page: Page, request: pytest.FixtureRequest) -> Journey:
    return Journey(page, request.node.name.removeprefix("test_").split("_")[0])


# --- 1. The coordinator onboards a new CAE and invites its admin, who activates the account ---

NEW_CAE, NEW_SLUG = "CAE Ria d'Étel", "ria-parcours"
NEW_ADMIN = "gwenaelle.ria@example.org"


def _remove_new_cae() -> None:
    for cae in Cae.objects.filter(slug=NEW_SLUG):
        TaskRun.objects.filter(key__startswith=f"registry.invite:{cae.pk}:").delete()
        Membership.objects.filter(cae=cae).delete()
        cae.delete(force_drop=True)
    User.objects.filter(email__in=[NEW_ADMIN, COORDINATOR]).delete()


@pytest.fixture
def coordinator(django_db_blocker: Any) -> Iterator[User]:
    yield from committed(
        django_db_blocker,
        lambda: person(COORDINATOR, totp=COORDINATOR_KEY, is_coordinator=True),
        _remove_new_cae,
    )


def test_journey1_the_coordinator_onboards_a_cae_whose_admin_activates_their_account(
    journey: Journey, web_server: str, celery_worker: Any, coordinator: User
) -> None:
    page = journey.page
    national = f"http://localhost:{web_server}"
    journey.sign_in(national, COORDINATOR, PASSWORD, totp=COORDINATOR_KEY)

    page.get_by_role("link", name="CAE du réseau").click()
    expect(page.locator("h1")).to_have_text("CAE du réseau")
    journey.check()
    page.get_by_role("link", name="Enregistrer une CAE").click()
    journey.check()
    identity = fictional_identity(63)
    page.get_by_label("Nom de la CAE").fill(NEW_CAE)
    page.get_by_label("Identifiant (adresse du site)").fill(NEW_SLUG)
    page.get_by_label("Forme juridique").select_option(label="SCOP SA")
    page.get_by_label("SIREN").fill(identity["siren"])
    page.get_by_label("SIRET du siège").fill(identity["siret"])
    page.get_by_label("Régime de TVA").select_option(label="Assujettie à la TVA")
    page.get_by_label("N° de TVA intracommunautaire").fill(identity["vat_number"])
    page.get_by_label(re.compile(r"^Adresse\W*$")).fill("3 quai des Thoniers")
    page.get_by_label("Code postal").fill("56410")
    page.get_by_label("Commune").fill("Étel")
    page.get_by_label("Département").select_option(value="56")
    page.get_by_label(re.compile(r"^Réseau\W*$")).select_option(label="Coopérer Pour Entreprendre")
    page.get_by_label("E-mail du premier administrateur").fill(NEW_ADMIN)
    page.get_by_label(re.compile(r"^Prénom\W*$")).fill("Gwenaëlle")
    page.get_by_label(re.compile(r"^Nom\W*$")).fill("Le Floch")
    journey.shot("cae-form")
    page.get_by_role("button", name="Enregistrer et inviter l'administrateur").click()

    expect(page.locator("h1")).to_have_text(NEW_CAE)
    expect(page.get_by_role("status").first).to_contain_text("La CAE est enregistrée")
    journey.check()
    # The worker clones the schema; the page follows its progress by itself.
    expect(page.locator("#statut")).to_contain_text("Active", timeout=30_000)
    journey.shot("cae-ready")
    journey.sign_out()

    invitation = journey.mail_to(NEW_ADMIN, subject_contains=NEW_CAE)
    host, path = link_in(invitation, r"^/activation/")
    assert host == f"{NEW_SLUG}.localhost"
    site = f"http://{host}:{web_server}"
    journey.goto(f"{site}{path}")
    page.get_by_label(re.compile(r"^Mot de passe\W*$")).fill("une-phrase-de-passe-de-gwen")
    page.get_by_label("Mot de passe (confirmation)").fill("une-phrase-de-passe-de-gwen")
    journey.shot("activation")
    page.get_by_role("button", name=re.compile("Activer")).click()

    # An admin must turn the second factor on before anything else.
    expect(page.locator("h1")).to_have_text("Sécurité du compte")
    journey.check()
    page.get_by_role("button", name="Activer la double authentification").click()
    key = page.locator(".totp-key").inner_text().replace(" ", "")
    journey.check()
    page.get_by_label("Code affiché par l'application").fill(totp_code(key))
    page.get_by_role("button", name="Activer la double authentification").click()
    expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    journey.check()
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()

    expect(page.locator("h1")).to_have_text(NEW_CAE)
    expect(page.locator(".who")).to_have_text(NEW_ADMIN)
    journey.check()
    journey.shot("admin-home")
    journey.finish()


# --- 2. CAE staff open a CJS and enrol members: a minor with parental authorisation, one
# refused without ---

STAFF, STAFF_KEY = "staff.parcours@example.org", "STAFFPARCOURSKEYSTAFFPARCOURS234"
CJS_NAME = "CJS d'été de Kercado"
YOUNG_LAST_NAME = "Le Gall-Tanguy"
SIGNED_AUTHORISATION = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _remove_cjs() -> None:
    with tenant_context(Cae.objects.get(slug="alpha")):
        cohorts = Cohort.objects.filter(name=CJS_NAME)
        CohortFact.objects.filter(cohort_id__in=list(cohorts.values_list("pk", flat=True))).delete()
        members = Member.objects.filter(last_name=YOUNG_LAST_NAME)
        Enrolment.objects.filter(member__in=members).delete()
        members.delete()  # with their guardians
        cohorts.delete()
    User.objects.filter(email=STAFF).delete()


def _staff() -> User:
    user = person(STAFF, totp=STAFF_KEY, first_name="Morgane")
    Membership.objects.create(user=user, cae=Cae.objects.get(slug="alpha"), role=Role.CAE_STAFF)
    return user


@pytest.fixture
def cae_staff(django_db_blocker: Any) -> Iterator[User]:
    yield from committed(django_db_blocker, _staff, _remove_cjs)


def test_journey2_cae_staff_open_a_cjs_and_enrol_minors_only_with_parental_authorisation(
    journey: Journey, web_server: str, cae_staff: User
) -> None:
    page = journey.page
    site = f"http://alpha.localhost:{web_server}"
    journey.sign_in(site, STAFF, PASSWORD, totp=STAFF_KEY)
    summer = datetime.date(timezone.localdate().year + 1, 7, 1)

    page.get_by_role("link", name="Ouvrir une coopérative").click()
    journey.check()
    page.get_by_label(re.compile(r"^Nom\W*$")).fill(CJS_NAME)
    page.get_by_label("Programme").select_option(value="CJS")
    page.get_by_label("Début").fill(summer.isoformat())
    page.get_by_label("Fin").fill((summer + datetime.timedelta(days=60)).isoformat())
    page.get_by_label("Nombre de places").fill("15")
    page.get_by_label(re.compile(r"^Territoire\W*$")).select_option(value="qpv")
    page.get_by_label("Nom du territoire").fill("Kercado")
    page.get_by_label("Code QPV").fill("QN05601M")
    page.get_by_label("Commune").fill("Vannes")
    journey.shot("cjs-form")
    page.get_by_role("button", name="Créer la coopérative").click()
    expect(page.locator("h1")).to_have_text(CJS_NAME)
    journey.check()
    page.get_by_label("Nouveau statut").select_option(label="Recrutement")
    page.get_by_label("Motif").fill("Les inscriptions de l'été sont ouvertes.")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator(".facts")).to_contain_text("Recrutement")
    journey.check()

    def new_member(first_name: str, birth_date: datetime.date) -> None:
        page.goto(f"{site}/")
        page.get_by_role("link", name="Coopérant·es").click()
        journey.check()
        page.get_by_role("link", name="Nouvelle fiche").click()
        journey.check()
        page.get_by_label("Prénom").fill(first_name)
        page.get_by_label(re.compile(r"^Nom\W*$")).fill(YOUNG_LAST_NAME)
        page.get_by_label("Date de naissance").fill(birth_date.isoformat())
        page.get_by_label("Genre").select_option(label="Femme")
        page.get_by_label("Code postal").fill("56000")
        page.get_by_label("Situation à l'entrée").select_option(label="Scolaire / étudiant·e")
        page.get_by_label(re.compile(r"^Personne à prévenir\W*$")).fill("Anne Le Gall")
        page.get_by_label("Téléphone de la personne à prévenir").fill("0297000000")
        page.get_by_role("button", name="Créer la fiche").click()
        expect(page.locator("h1")).to_have_text(f"{first_name} {YOUNG_LAST_NAME}")
        journey.check()

    def enrol() -> None:
        form = page.locator("form").filter(has=page.get_by_role("button", name="Inscrire"))
        cohort = form.get_by_label("Coopérative")
        cohort.select_option(cohort.locator("option", has_text=CJS_NAME).get_attribute("value"))
        form.get_by_label("Date d'inscription").fill(timezone.localdate().isoformat())
        form.get_by_role("button", name="Inscrire").click()

    refusal = "ne peut être inscrit·e qu'avec l'autorisation parentale signée"
    # Lou, 16, comes with her mother's signed authorisation.
    new_member("Lou", summer.replace(year=summer.year - 16))
    guardian = page.locator("form").filter(has_text="Autorisation parentale signée")
    guardian.get_by_label("Nom complet").fill("Anne Le Gall")
    guardian.get_by_label("Lien avec le ou la jeune").fill("mère")
    guardian.get_by_label("Téléphone").fill("0297000000")
    guardian.get_by_label("Autorisation parentale signée").set_input_files(
        {"name": "autorisation.pdf", "mimeType": "application/pdf", "buffer": SIGNED_AUTHORISATION}
    )
    guardian.get_by_label("Signée le").fill(timezone.localdate().isoformat())
    journey.shot("guardian-form")
    guardian.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_have_text("C'est enregistré.")
    expect(page.locator("main")).to_contain_text("autorisation parentale signée le")
    enrol()
    expect(page.get_by_role("status")).to_have_text("C'est enregistré.")
    expect(page.locator("main")).to_contain_text(f"{CJS_NAME} — Inscrit·e")
    journey.shot("minor-enrolled")

    # Maël, 17, has no authorisation on record: the enrolment is refused, and says why.
    new_member("Maël", summer.replace(year=summer.year - 17))
    enrol()
    expect(page.get_by_role("alert")).to_contain_text(refusal)
    expect(page.locator("main")).to_contain_text("Pas encore inscrit·e.")
    journey.check()
    journey.shot("minor-refused")

    page.goto(f"{site}/")
    page.get_by_role("link", name=CJS_NAME).click()
    enrolled = page.locator("ul").filter(has_text=YOUNG_LAST_NAME)
    expect(enrolled).to_have_text(f"Lou {YOUNG_LAST_NAME}")
    journey.check()
    journey.finish()


# --- A CAE of its own for journeys 3 to 7: its schema is dropped afterwards, with everything
# the journeys issued (issued invoices and ledger entries can never be deleted one by one) ---

JOURNEY_CAE, JOURNEY_SLUG = "CAE du Golfe", "parcours"
COHORT = "CJM de Saint-Avé"
OTHER_COHORT = "CJS de Lorient"
ACCOUNTANT, ACCOUNTANT_KEY = "compta.parcours@example.org", "COMPTAPARCOURSKEYCOMPTAPARCOURS2"
ANIMATEUR = "animation.parcours@example.org"
LOU, MAEL = "lou.parcours@example.org", "mael.parcours@example.org"
CLIENT, CLIENT_EMAIL = "Mairie de Saint-Avé", "mairie.parcours@example.org"
PARTNER = "mission-locale.parcours@example.org"
NATIONAL_COORDINATOR = "pilotage.parcours@example.org"
NATIONAL_KEY = "PILOTAGEPARCOURSKEYPILOTAGE23456"
ADMIN, ADMIN_KEY = "direction.parcours@example.org", "DIRECTIONPARCOURSKEYDIRECTION234"
SURNAME = "Kerbiriou"  # the members of the CJM
JOURNEY_EMAILS = [ACCOUNTANT, ANIMATEUR, LOU, MAEL, PARTNER, NATIONAL_COORDINATOR, ADMIN]


@dataclass(frozen=True)
class Parcours:
    cae_id: int
    cohort_id: int
    other_cohort_id: int
    member_ids: dict[str, int]


def _drop_journey_cae() -> None:
    for cae in Cae.objects.filter(slug=JOURNEY_SLUG):
        TaskRun.objects.filter(key__contains=f":{cae.pk}:").delete()
        CohortFact.objects.filter(cae=cae).delete()
        Membership.objects.filter(cae=cae).delete()
        LocalCommittee.objects.filter(cae=cae).delete()
        cae.delete(force_drop=True)
    PartnerPerson.objects.filter(email=PARTNER).delete()
    PartnerOrganisation.objects.filter(name=PARTNER_ORGANISATION).delete()
    User.objects.filter(email__in=JOURNEY_EMAILS).delete()


def _journey_cae() -> Parcours:
    """The CAE, connected to the offline payment provider, with a running CJM of two members
    who have accounts, its animatrice, an accountant, and a second cohort."""
    cae = cae_register(
        name=JOURNEY_CAE, slug=JOURNEY_SLUG, identity=fictional_identity(64), provision_now=True
    )
    cae_payment_account_set(cae=cae, account="acct_dummy_parcours")
    started = timezone.localdate() - datetime.timedelta(days=150)
    with tenant_context(cae):
        cohort = CohortFactory.create(
            name=COHORT,
            programme=Programme.CJM,
            status=CohortStatus.RUNNING,
            starts_on=started,
            ends_on=started + datetime.timedelta(days=300),
            town="Saint-Avé",
        )
        other = CohortFactory.create(name=OTHER_COHORT, town="Lorient")
        member_ids = {}
        for email_address, first_name in ((LOU, "Lou"), (MAEL, "Maël")):
            user = person(email_address, first_name=first_name)
            member = MemberFactory.create(
                first_name=first_name,
                last_name=SURNAME,
                birth_date=born_aged(20, on=started),
                user=user,
            )
            Enrolment.objects.create(member=member, cohort=cohort, enrolled_on=started)
            Membership.objects.create(user=user, cae=cae, role=Role.MEMBER, cohort_id=cohort.pk)
            member_ids[first_name] = member.pk
    animatrice = person(ANIMATEUR, first_name="Soizic")
    Membership.objects.create(user=animatrice, cae=cae, role=Role.ANIMATEUR, cohort_id=cohort.pk)
    accountant = person(ACCOUNTANT, totp=ACCOUNTANT_KEY, first_name="Yann")
    Membership.objects.create(user=accountant, cae=cae, role=Role.CAE_STAFF)
    admin = person(ADMIN, totp=ADMIN_KEY, first_name="Annaïg")
    Membership.objects.create(user=admin, cae=cae, role=Role.CAE_ADMIN)
    person(NATIONAL_COORDINATOR, totp=NATIONAL_KEY, is_coordinator=True)
    return Parcours(cae.pk, cohort.pk, other.pk, member_ids)


@pytest.fixture(scope="module")
def parcours(django_db_setup: None, django_db_blocker: Any) -> Iterator[Parcours]:
    yield from committed(django_db_blocker, _journey_cae, _drop_journey_cae)


# --- 3. Members sell: service, client, quote accepted by its link, job planned and done, invoice
# submitted, validated, issued and emailed ---


def test_journey3_members_sell_and_the_cae_issues_and_emails_the_invoice(
    journey: Journey, web_server: str, celery_worker: Any, parcours: Parcours
) -> None:
    page = journey.page
    site = f"http://{JOURNEY_SLUG}.localhost:{web_server}"
    journey.sign_in(site, LOU, PASSWORD)
    page.get_by_role("link", name=COHORT).click()
    journey.check()

    page.get_by_role("link", name="Voir les prestations de la coopérative").click()
    journey.check()
    page.get_by_label("Nom de la prestation").fill("Désherbage manuel")
    page.get_by_label("Unité").select_option(label="heure")
    page.get_by_label("Prix unitaire HT (€)").fill("18,00")
    page.get_by_role("button", name="Ajouter la prestation").click()
    expect(page.get_by_role("status")).to_contain_text("Désherbage manuel")
    journey.check()

    page.get_by_role("navigation").get_by_role("link", name="Clients").click()
    journey.check()
    page.get_by_role("link", name="Nouveau client").click()
    journey.check()
    page.get_by_label("Type de client").select_option(label="Entreprise")
    page.get_by_label(re.compile(r"^Nom\W*$")).fill(CLIENT)
    page.get_by_label("SIRET").fill(fictional_identity(78)["siret"])
    page.get_by_label(re.compile(r"^Adresse\W*$")).first.fill("Place de l'Hôtel de Ville")
    page.get_by_label("Code postal").fill("56890")
    page.get_by_label("Commune").fill("Saint-Avé")
    page.get_by_label(re.compile(r"^(Adresse )?e-mail", re.IGNORECASE)).first.fill(CLIENT_EMAIL)
    page.get_by_label("Trouvé par la coopérative").select_option(label=COHORT)
    page.get_by_role("button", name="Enregistrer le client").click()
    expect(page.locator("h1")).to_have_text(CLIENT)
    journey.check()

    journey.goto(f"{site}/cooperatives/{parcours.cohort_id}/devis/")
    page.get_by_label("Client").select_option(label=CLIENT)
    page.get_by_label("Objet").fill("Désherbage du jardin de la mairie")
    page.get_by_label("Valable jusqu'au").fill(
        (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    )
    page.get_by_role("button", name="Créer le brouillon").click()
    expect(page.locator("h1")).to_contain_text("Brouillon de devis")
    journey.check()
    service_line = page.locator("form").filter(
        has=page.get_by_role("button", name="Ajouter la prestation")
    )
    prestation = service_line.get_by_label("Prestation")
    prestation.select_option(
        prestation.locator("option", has_text="Désherbage manuel").get_attribute("value")
    )
    service_line.get_by_label("Quantité").fill("6")
    service_line.get_by_role("button", name="Ajouter la prestation").click()
    expect(page.locator(".totals")).to_contain_text("129,60")  # 6 h x 18 € HT + 20 % VAT
    journey.shot("quote-draft")
    page.get_by_role("button", name="Envoyer le devis").click()
    expect(page.locator("h1")).to_contain_text("Devis D")
    journey.check()
    journey.shot("quote-sent")
    journey.sign_out()

    # The client opens the link of the email, without an account, and accepts.
    host, path = link_in(journey.mail_to(CLIENT_EMAIL, subject_contains="evis"), r"^/devis/")
    assert host == f"{JOURNEY_SLUG}.localhost"
    journey.goto(f"{site}{path}")
    journey.shot("quote-client")
    page.get_by_role("button", name="J'accepte le devis").click()
    expect(page.locator("h1")).to_have_text("Merci pour votre réponse")
    journey.check()

    # Maël plans the job, works it with Lou, and prepares the invoice.
    journey.sign_in(site, MAEL, PASSWORD)
    journey.goto(f"{site}/cooperatives/{parcours.cohort_id}/devis/")
    page.get_by_role("row").filter(has_text=CLIENT).get_by_role("link").click()
    expect(page.locator("main")).to_contain_text("Accepté")
    journey.check()
    page.get_by_role("list").filter(has_text="Désherbage").get_by_role("link").first.click()
    journey.check()
    slot = page.locator("form").filter(has=page.get_by_role("button", name="Ajouter le créneau"))
    slot.get_by_label("Date").fill(timezone.localdate().isoformat())
    slot.get_by_label("Début").fill("09:00")
    slot.get_by_label("Fin").fill("12:00")
    slot.get_by_role("button", name="Ajouter le créneau").click()
    journey.check()
    for first_name in ("Lou", "Maël"):
        assign = page.locator("form").filter(has=page.get_by_role("button", name="Affecter"))
        member = assign.get_by_label("Coopérant·e")
        member.select_option(member.locator("option", has_text=first_name).get_attribute("value"))
        assign.get_by_role("button", name="Affecter").click()
    for hours_form in (
        page.locator("form")
        .filter(has=page.get_by_role("button", name="Enregistrer les heures"))
        .all()
    ):
        hours_form.get_by_label("Heures travaillées").fill("3")
        hours_form.get_by_role("button", name="Enregistrer les heures").click()
    journey.shot("job-planned")
    page.get_by_role("button", name="Marquer réalisée").click()
    expect(page.locator("h1")).to_contain_text("Réalisée")
    journey.check()

    journey.goto(f"{site}/cooperatives/{parcours.cohort_id}/factures/")
    page.get_by_label(re.compile("Désherbage")).check()
    page.get_by_role("button", name="Préparer la facture").click()
    expect(page.locator("h1")).to_contain_text("Brouillon de facture")
    journey.check()
    page.get_by_role("button", name="Soumettre à la CAE").click()
    expect(page.locator(".facts")).to_contain_text("Soumise le")
    journey.check()
    journey.shot("invoice-submitted")
    invoice_address = page.url
    journey.sign_out()

    # The CAE's accountant validates, issues and emails it.
    journey.sign_in(site, ACCOUNTANT, PASSWORD, totp=ACCOUNTANT_KEY)
    journey.goto(invoice_address)
    page.get_by_label("Date d'émission").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Émettre la facture").click()
    expect(page.locator("h1")).to_contain_text("Facture F")
    journey.check()
    page.get_by_role("button", name="Envoyer par e-mail").click()
    expect(page.locator("main")).to_contain_text(f"Envoi à {CLIENT_EMAIL}")
    journey.shot("invoice-issued")
    mail = journey.mail_to(CLIENT_EMAIL, subject_contains="acture")
    host, path = link_in(mail, r"^/factures/consulter/")
    journey.goto(f"{site}{path}")
    expect(page.locator(".facts")).to_contain_text("129,60")
    journey.finish()


# --- 4. The client pays online (offline provider); invoice, ledger and dashboards follow ---


def _issued_invoice(parcours: Parcours) -> tuple[str, str]:
    """An invoice of the cohort issued by the accountant; (its number, its client link path)."""
    with tenant_context(Cae.objects.get(pk=parcours.cae_id)):
        accountant = User.objects.get(email=ACCOUNTANT)
        invoice = issued_invoice(
            accountant,
            cohort=Cohort.objects.get(pk=parcours.cohort_id),
            issued_on=timezone.localdate(),
            lines=(("4", "25.00", "20.0"),),  # 120,00 € TTC
        )
        return invoice.number, f"/factures/consulter/{invoice_link_token(invoice=invoice)}/"


def test_journey4_the_client_pays_online_and_the_books_follow(
    journey: Journey,
    web_server: str,
    celery_worker: Any,
    parcours: Parcours,
    django_db_blocker: Any,
) -> None:
    with django_db_blocker.unblock():
        number, link = outside_event_loop(lambda: _issued_invoice(parcours))
    page = journey.page
    site = f"http://{JOURNEY_SLUG}.localhost:{web_server}"

    journey.goto(f"{site}{link}")
    expect(page.locator(".facts")).to_contain_text("120,00")
    journey.shot("invoice-client")
    page.get_by_role("button", name="Payer par carte").click()
    expect(page.locator("h1")).to_have_text("Paiement par carte — simulation")
    journey.check()
    journey.shot("checkout")
    page.get_by_role("button", name="Payer avec la carte de test").click()
    expect(page.locator("h1")).to_contain_text(number)
    journey.check()
    # The webhook's event is applied by the worker: the client's page shows it once done.
    for _attempt in range(40):
        if "Payée" in page.locator(".facts").inner_text():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator(".facts")).to_contain_text("Payée")
    journey.shot("invoice-paid")

    journey.sign_in(site, ACCOUNTANT, PASSWORD, totp=ACCOUNTANT_KEY)
    page.get_by_role("navigation").get_by_role("link", name="Factures").click()
    journey.check()
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("Payée")
    row.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("120,00 €")
    expect(page.locator("main")).not_to_contain_text("Aucun paiement reçu.")
    journey.check()
    page.get_by_role("navigation").get_by_role("link", name="Comptabilité").click()
    journey.check()
    journey.shot("ledger")
    journey.goto(f"{site}/cooperatives/{parcours.cohort_id}/resultat/")
    journey.finish()


# --- 5. Members vote on the pay-sharing rule; the decision is logged; pay is computed, decided
# and exported ---


def _work_and_revenue(parcours: Parcours) -> datetime.date:
    """Last week: a job done (Lou 6 h, Maël 3 h) and 300 € HT invoiced; that week's Monday."""
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday() + 7)
    with tenant_context(Cae.objects.get(pk=parcours.cae_id)):
        cohort = Cohort.objects.get(pk=parcours.cohort_id)
        lou, mael = (Member.objects.get(pk=parcours.member_ids[name]) for name in ("Lou", "Maël"))
        job_done(cohort, monday, {lou: "6", mael: "3"})
        revenue(User.objects.get(email=ACCOUNTANT), cohort, "300.00", monday)
    return monday


def test_journey5_members_vote_the_sharing_rule_then_pay_is_computed_and_exported(
    journey: Journey, web_server: str, parcours: Parcours, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        monday = outside_event_loop(lambda: _work_and_revenue(parcours))
    page = journey.page
    site = f"http://{JOURNEY_SLUG}.localhost:{web_server}"
    decisions = f"{site}/cooperatives/{parcours.cohort_id}/decisions/"
    question = "Répartir notre résultat au prorata des heures travaillées ?"

    journey.sign_in(site, ANIMATEUR, PASSWORD)
    journey.goto(decisions)
    page.get_by_label("Question").fill(question)
    page.get_by_label("Type de vote").select_option(label="Pour / contre / abstention")
    page.get_by_label("Quorum (% des coopérant·es inscrit·es)").fill("50")
    page.get_by_label("Clôture du vote").fill(
        (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Préparer").click()
    page.locator("form").filter(has_text=question).get_by_role(
        "button", name="Ouvrir le vote"
    ).click()
    expect(page.locator("section").filter(has_text=question)).to_contain_text(
        re.compile(r"0 personnes? (a|ont) voté")  # the plural rule: see the report
    )
    journey.check()
    journey.shot("vote-open")
    journey.sign_out()

    for voter in (LOU, MAEL):
        journey.sign_in(site, voter, PASSWORD)
        journey.goto(decisions)
        vote = page.locator("section").filter(has_text=question)
        vote.get_by_label("Pour", exact=True).check()
        if voter == LOU:
            journey.shot("vote-ballot")
        vote.get_by_role("button", name="Voter").click()
        expect(page.locator("section").filter(has_text=question)).to_contain_text("Vous avez voté.")
        journey.sign_out()

    journey.sign_in(site, ANIMATEUR, PASSWORD)
    journey.goto(decisions)
    page.locator("section").filter(has_text=question).get_by_role(
        "button", name="Clore le vote maintenant"
    ).click()
    logged = page.locator("section[id^=decision-]").filter(has_text=question)
    expect(logged).to_contain_text("2 votant·es sur 2")
    expect(logged).to_contain_text("Pour : 2")
    journey.check()
    journey.shot("decision-logged")

    page.get_by_role("link", name=f"← {COHORT}").click()
    journey.check()
    page.get_by_role("link", name=re.compile("^Rémunération des coopérant·es")).click()
    journey.check()
    page.get_by_label("Du :", exact=True).fill(monday.isoformat())
    page.get_by_label("Au :", exact=True).fill((monday + datetime.timedelta(days=6)).isoformat())
    page.get_by_label("Règle de répartition").select_option(value="pro_rata_hours")
    page.get_by_role("button", name="Calculer").click()
    expect(page.locator("h1")).to_contain_text("Répartition du")
    journey.check()
    table = page.get_by_role("table")
    expect(table.get_by_role("row").filter(has_text="Lou")).to_contain_text("6")
    expect(table.get_by_role("row").filter(has_text="Maël")).to_contain_text("3")
    decision = page.get_by_label("Décision de la coopérative")
    decision.select_option(decision.locator("option", has_text=question).get_attribute("value"))
    page.get_by_role("button", name="Enregistrer la décision de la coopérative").click()
    expect(page.locator(".facts")).to_contain_text(question)
    journey.shot("pay-decided")
    pay_address = page.url
    journey.sign_out()

    journey.sign_in(site, ACCOUNTANT, PASSWORD, totp=ACCOUNTANT_KEY)
    journey.goto(pay_address)
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le fichier de paie (CSV)").click()
    payroll = Path(download.value.path()).read_text(encoding="utf-8-sig")
    header, *lines = csv.reader(io.StringIO(payroll), delimiter=";")
    amounts = {line[header.index("Prénom")]: line[header.index("Montant (€)")] for line in lines}
    # 300 € of result shared 6 h to 3 h, nothing kept; each line cites the vote.
    assert amounts == {"Lou": "180,00", "Maël": "90,00", "": "0,00"}, payroll
    assert all(question in line[-1] for line in lines), payroll
    journey.finish()


# --- 6. A partner of a local committee signs in and follows only its cohorts, read-only ---

PARTNER_ORGANISATION = "Mission locale du Pays de Vannes (parcours)"
# A form sent by hand from the partner's signed-in page (their cookies, a valid CSRF token).
POST_FROM_THE_PAGE = """async ([address, fields]) => {
  const answer = await fetch(address, {
    method: "POST", body: new URLSearchParams(fields), redirect: "manual",
  });
  return answer.status;
}"""


def _seated_partner(parcours: Parcours) -> None:
    """A committee of the CAE supporting the CJM only, with a Mission locale adviser on it."""
    cae = Cae.objects.get(pk=parcours.cae_id)
    committee = local_committee_create(
        cae=cae, name="Comité local de Saint-Avé", cohort_ids=[parcours.cohort_id]
    )
    partner_seat(
        committee=committee,
        organisation={"name": PARTNER_ORGANISATION, "kind": "mission_locale", "town": "Vannes"},
        first_name="Erwan",
        last_name="Tanguy",
        email=PARTNER,
    )
    user = User.objects.get(email=PARTNER)
    user.set_password(PASSWORD)  # the invitation's activation is journey 1's
    user.save()


def test_journey6_a_committee_partner_follows_only_their_cohorts_read_only(
    journey: Journey, web_server: str, parcours: Parcours, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        outside_event_loop(lambda: _seated_partner(parcours))
    page = journey.page
    site = f"http://{JOURNEY_SLUG}.localhost:{web_server}"
    journey.sign_in(site, PARTNER, PASSWORD)
    main = page.locator("main")

    expect(main.get_by_role("link", name=COHORT)).to_be_visible()
    expect(main).not_to_contain_text("Lorient")
    journey.shot("partner-home")
    page.get_by_role("navigation").get_by_role("link", name="Comités locaux").click()
    journey.check()
    page.get_by_role("link", name="Comité local de Saint-Avé").click()
    journey.check()
    committee_address = page.url
    expect(main.locator("form")).to_have_count(0)  # no edit control
    page.get_by_role("link", name=COHORT).click()
    expect(page.locator("h1")).to_have_text("Activité de la coopérative")
    expect(main.locator("form")).to_have_count(0)
    journey.check()
    journey.shot("partner-activity")
    page.get_by_role("link", name=f"← {COHORT}").click()
    expect(page.locator("h1")).to_have_text(COHORT)
    expect(main.locator("form")).to_have_count(0)
    expect(main).not_to_contain_text(SURNAME)  # members' surnames are not theirs to read
    journey.check()
    cohort_address = page.url

    # The other cohort does not exist for them; a direct POST is refused.
    journey.goto(f"{site}/cooperatives/{parcours.other_cohort_id}/")
    expect(page.locator("h1")).not_to_have_text(OTHER_COHORT)
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value") or ""
    for address, form in (
        (committee_address, {"step": "dissolve"}),
        (cohort_address, {"transition-to_status": "closed", "transition-reason": "Fin"}),
        (f"{site}/comites-locaux/", {"name": "Comité pirate"}),
    ):
        fields = {"csrfmiddlewaretoken": token, **form}
        status = page.evaluate(POST_FROM_THE_PAGE, [address, fields])
        assert status == 403, (address, status)
    journey.finish()


# --- 7. The coordinator sees the new figures on the national dashboard and exports them ---


def _new_figures(parcours: Parcours) -> None:
    """The Lorient CJS sells for 1 000 € HT; the CAE's figures reach the national store."""
    cae = Cae.objects.get(pk=parcours.cae_id)
    with tenant_context(cae):
        revenue(
            User.objects.get(email=ACCOUNTANT),
            Cohort.objects.get(pk=parcours.other_cohort_id),
            "1000.00",
            timezone.localdate(),
        )
        facts_store(cae.schema_name, facts_compute(None), complete=True)


def test_journey7_the_coordinator_sees_the_new_figures_and_exports_them(
    journey: Journey, web_server: str, parcours: Parcours, django_db_blocker: Any
) -> None:
    with django_db_blocker.unblock():
        outside_event_loop(lambda: _new_figures(parcours))
    page = journey.page
    national = f"http://localhost:{web_server}"
    journey.sign_in(national, NATIONAL_COORDINATOR, PASSWORD, totp=NATIONAL_KEY)

    page.get_by_role("navigation").get_by_role("link", name="Indicateurs").click()
    expect(page.locator("h1")).to_have_text("Indicateurs")
    journey.check()
    page.get_by_label("CAE", exact=True).select_option(label=JOURNEY_CAE)
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("main")).to_contain_text(JOURNEY_CAE)
    journey.check()
    journey.shot("dashboard")
    lorient = OTHER_COHORT
    by_cohort = page.locator("section").filter(
        has=page.get_by_role("heading", name="Par coopérative")
    )
    expect(by_cohort.get_by_role("row").filter(has_text=lorient)).to_contain_text("1 000,00 €")

    with page.expect_download() as csv_download:
        by_cohort.get_by_role("link", name="CSV").click()
    exported = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    (row,) = [row for row in csv.reader(io.StringIO(exported), delimiter=";") if lorient in row]
    assert any(cell.replace(" ", "").replace("\u202f", "") in EXPORTED_REVENUE for cell in row), row
    with page.expect_download() as xlsx_download:
        by_cohort.get_by_role("link", name="XLSX").click()
    workbook = io.BytesIO(Path(xlsx_download.value.path()).read_bytes())
    sheet = openpyxl.load_workbook(workbook, read_only=True).active
    assert sheet is not None
    (values,) = [row for row in sheet.iter_rows(values_only=True) if lorient in row]
    assert Decimal("1000") in values, values
    journey.finish()


EXPORTED_REVENUE = {"1000,00", "1000.00", "1000", "1000,0", "1000.0"}


# --- Every page of both sites, from the resolver: accessibility and phone width ---

# Files, redirections and POST-only addresses: not pages to look at.
NOT_PAGES = re.compile(r"pdf|export|justificatif|deconnexion|i18n|simulation|webhook|^api/")


def site_pages(urlconf: str, cohort_id: int) -> list[str]:
    """Every address of the site's pages, ids filled (the cohort's for cohorts, 1 otherwise: in
    the journeys' CAE most objects numbered 1 exist once the journeys ran)."""
    pages = []
    for route, pattern in routes(get_resolver(urlconf)):
        module = getattr(pattern.callback, "__module__", "")
        path = path_for(route, cohort_id)
        if module.startswith("frontend.") and path is not None and not NOT_PAGES.search(route):
            pages.append(path)
    return sorted(set(pages))


def walk(journey: Journey, site: str, paths: list[str]) -> int:
    """Open each page and check it; returns how many were checked."""
    checked = 0
    for path in paths:
        try:
            answer = journey.page.goto(f"{site}{path}")
        except PlaywrightError:  # an empty answer (405 to a GET): nothing rendered
            journey.checked.add(page_key(f"{site}{path}"))
            # A navigation it started (a redirection) ends here, not in the next page's goto.
            journey.page.wait_for_load_state()
            continue
        html = answer is not None and "text/html" in (answer.headers.get("content-type") or "")
        if answer is None or answer.status == 405 or not html:
            journey.checked.add(page_key(journey.page.url))  # nothing rendered to check
            continue
        journey.check()
        checked += 1
    journey.page.wait_for_load_state("networkidle")  # nothing still navigating when it returns
    return checked


def test_every_page_of_both_sites_is_accessible_and_fits_a_phone(
    journey: Journey, web_server: str, parcours: Parcours
) -> None:
    site = f"http://{JOURNEY_SLUG}.localhost:{web_server}"
    journey.sign_in(site, ADMIN, PASSWORD, totp=ADMIN_KEY)
    cae_pages = walk(journey, site, site_pages(TENANT_URLCONF, parcours.cohort_id))
    national = f"http://localhost:{web_server}"
    journey.sign_in(national, NATIONAL_COORDINATOR, PASSWORD, totp=NATIONAL_KEY)
    national_pages = walk(journey, national, site_pages(PUBLIC_URLCONF, parcours.cohort_id))
    assert cae_pages > 40, cae_pages
    assert national_pages > 10, national_pages
    journey.finish()
