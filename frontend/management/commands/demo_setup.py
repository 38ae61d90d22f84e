"""`make demo`'s data: migrate every schema, then the network, two CAEs and their accounts.

Idempotent: running it again migrates what is new and leaves existing data as it is.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Membership, Role, User
from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from network.registry.services import cae_register, network_setup, site_host
from tenants.cohorts.models import Cohort
from tenants.cohorts.services import cohort_create

DEMO_PASSWORD = "coopilote-demo"  # noqa: S105 - demo accounts only, printed at start-up

DEMO_CAES: dict[str, tuple[str, str, list[tuple[str, str, datetime.date, datetime.date]]]] = {
    "sitelle": (
        "CAE Sitelle (Vannes)",
        "56",
        [
            ("CJM de Saint-Avé", "CJM", datetime.date(2015, 4, 1), datetime.date(2015, 6, 30)),
            ("Ker Coop (Kercado)", "CT", datetime.date(2017, 3, 1), datetime.date(2017, 8, 31)),
            ("La Belle Coop", "CT", datetime.date(2018, 10, 1), datetime.date(2019, 3, 31)),
        ],
    ),
    "lorient": (
        "CAE de Lorient",
        "56",
        [("CJS de Lorient", "CJS", datetime.date(2026, 7, 1), datetime.date(2026, 8, 28))],
    ),
}

# email, first name, last name, national coordinator?, (CAE slug, CAE role) or None
DEMO_ACCOUNTS = [
    ("coordination@coopilote.localhost", "Camille", "Martin", True, None),
    ("admin@sitelle.localhost", "Nolwenn", "Le Gall", False, ("sitelle", Role.CAE_ADMIN)),
    ("accompagnement@sitelle.localhost", "Yann", "Le Bihan", False, ("sitelle", Role.CAE_STAFF)),
    ("admin@lorient.localhost", "Gwenaëlle", "Tanguy", False, ("lorient", Role.CAE_ADMIN)),
]


class Command(BaseCommand):
    help = "Prépare le réseau de démonstration (migrations, CAE, comptes) ; idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        network_setup()
        for number, (slug, (name, department, cohorts)) in enumerate(DEMO_CAES.items(), 1):
            cae = Cae.objects.filter(slug=slug).first() or cae_register(
                name=name,
                slug=slug,
                provision_now=True,
                identity=fictional_identity(number, department=department),
            )
            with tenant_context(cae):
                for cohort_name, programme, starts_on, ends_on in cohorts:
                    if not Cohort.objects.filter(name=cohort_name).exists():
                        cohort_create(
                            name=cohort_name,
                            programme=programme,
                            starts_on=starts_on,
                            ends_on=ends_on,
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
                    user=user, cae=Cae.objects.get(slug=cae_slug), role=cae_role
                )
        self.stdout.write(self.style.SUCCESS("Réseau de démonstration prêt."))
        self.stdout.write(f"Comptes (mot de passe « {DEMO_PASSWORD} ») :")
        for email, *_rest in DEMO_ACCOUNTS:
            self.stdout.write(f"  - {email}")
        hosts = [settings.BASE_HOST, *(site_host(slug) for slug in DEMO_CAES)]
        self.stdout.write("Sites : " + ", ".join(hosts))
