"""`make demo`'s data: migrate every schema, then the network, two CAEs, their accounts and their
cohorts with their members, committees and outcomes, the services each cohort sold, its clients,
jobs and invoices, its purchases, ateliers, skills assessments, votes, pay runs and public page,
the local committees and their partners, the national figures and the season reports.

The plan (who and what, as data) is in frontend/demo/plan.py; the builders are in
frontend/demo/builders.py (cohorts, commerce, books, committees) and frontend/demo/life.py
(cooperative life and reports). Every domain row is written through the services, so the demo
obeys the rules the users meet (age bands, parental authorisations, places, lifecycle,
committees, votes, immutability) and fires the same ledger postings, outbox messages and facts.
The people are fictional, the dates fixed, nothing is random: two runs build the same network.

Idempotent: running it again migrates what is new and leaves existing data as it is. A cohort
is recognised by its name and built in one transaction, so it is either complete or absent; a
cohort that an earlier version of this command left in preparation is completed. Each later
part of a cohort (commerce, purchases, ateliers, assessments, assemblies, pay run, page) and
each season report is built once, in its own transaction, when it is not there yet.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Membership, User
from coopilote.accounts.otp import otp_confirmed_device, otp_is_mandatory, totp_device_set
from coopilote.errors import ApplicationError
from coopilote.payments import DUMMY
from coopilote.tenancy import site_host
from frontend.demo.builders import (
    books_build,
    cohort_build,
    cohorts_summary,
    commerce_build,
    local_committee_build,
)
from frontend.demo.life import (
    governance_build,
    page_build,
    pay_build,
    reports_build,
    skills_build,
    workshops_build,
)
from frontend.demo.plan import (
    COORDINATOR_EMAIL,
    DEMO_ACCOUNTS,
    DEMO_CAES,
    DEMO_COMMERCE,
    DEMO_LOCAL_COMMITTEES,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
)
from network.indicators.services import facts_rebuild
from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from network.registry.services import cae_payment_account_set, cae_register, network_setup
from tenants.cohorts.models import Cohort

# Imported from here by the browser tests.
__all__ = ["DEMO_PASSWORD", "DEMO_TOTP_SECRET", "Command"]


class Command(BaseCommand):
    help = (
        "Prépare le réseau de démonstration (migrations, CAE, comptes, coopératives, "
        "coopérant·es, prestations, clients, factures, ateliers, votes, répartitions, bilans "
        "de compétences, pages publiques, comités locaux et bilans de saison) ; idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        network_setup()
        caes = {}
        cohort_ids: dict[str, dict[str, int]] = {}  # CAE slug → cohort name → id
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
                    animateur = User.objects.get(email=plan.animateurs[0])
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
                        workshops_build(plan=plan, cohort=cohort)
                        skills_build(plan=plan, cohort=cohort, reviewer=animateur)
                        governance_build(plan=plan, cohort=cohort, by=animateur)
                        pay_build(plan=plan, cohort=cohort, exported_by=in_charge)
                        page_build(plan=plan, cohort=cohort, by=animateur)
                    except ApplicationError as error:
                        raise CommandError(
                            f"{plan.name} : {error.message} {error.details}"
                        ) from error
                cohort_ids[slug] = dict(Cohort.objects.values_list("name", "pk"))
        for committee_plan in DEMO_LOCAL_COMMITTEES:
            local_committee_build(plan=committee_plan, cae=caes[committee_plan.cae])
        facts_rebuild()  # the national figures at once, without waiting for the worker
        coordinator = User.objects.get(email=COORDINATOR_EMAIL)
        for slug, demo_cae in DEMO_CAES.items():
            try:
                reports_build(
                    cae=caes[slug],
                    cohorts=cohort_ids[slug],
                    submitted_by=User.objects.get(email=demo_cae.in_charge),
                    coordinator=coordinator,
                )
            except ApplicationError as error:
                raise CommandError(f"{demo_cae.name} : {error.message} {error.details}") from error
        self.stdout.write(self.style.SUCCESS("Réseau de démonstration prêt."))
        self.stdout.write(f"Comptes (mot de passe « {DEMO_PASSWORD} ») :")
        for email, *_rest in DEMO_ACCOUNTS:
            self.stdout.write(f"  - {email}")
        partner_committees: dict[str, list[str]] = {}
        for committee_plan in DEMO_LOCAL_COMMITTEES:
            email = committee_plan.partners[0].email
            partner_committees.setdefault(email, []).append(committee_plan.name)
        for email, committee_names in partner_committees.items():
            self.stdout.write(f"  - {email} (partenaire, {', '.join(committee_names)})")
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
