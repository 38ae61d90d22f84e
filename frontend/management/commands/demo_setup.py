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

from coopilote.accounts.models import User
from network.registry.models import Cae
from network.registry.services import cae_create, network_setup, site_host
from tenants.cohorts.models import Cohort
from tenants.cohorts.services import cohort_create

DEMO_PASSWORD = "coopilote-demo"  # noqa: S105 - demo accounts only, printed at start-up

DEMO_CAES: dict[str, tuple[str, list[tuple[str, str, datetime.date, datetime.date]]]] = {
    "sitelle": (
        "CAE Sitelle (Vannes)",
        [
            ("CJM de Saint-Avé", "CJM", datetime.date(2015, 4, 1), datetime.date(2015, 6, 30)),
            ("Ker Coop (Kercado)", "CT", datetime.date(2017, 3, 1), datetime.date(2017, 8, 31)),
            ("La Belle Coop", "CT", datetime.date(2018, 10, 1), datetime.date(2019, 3, 31)),
        ],
    ),
    "lorient": (
        "CAE de Lorient",
        [("CJS de Lorient", "CJS", datetime.date(2026, 7, 1), datetime.date(2026, 8, 28))],
    ),
}

DEMO_ACCOUNTS = [
    ("coordination@coopilote.localhost", "Coordination", "nationale", True),
    ("admin@sitelle.localhost", "Nolwenn", "Le Gall", False),
]


class Command(BaseCommand):
    help = "Prépare le réseau de démonstration (migrations, CAE, comptes) ; idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate_schemas", interactive=False, verbosity=0)
        network_setup()
        for slug, (name, cohorts) in DEMO_CAES.items():
            cae = Cae.objects.filter(slug=slug).first() or cae_create(name=name, slug=slug)
            with tenant_context(cae):
                for cohort_name, programme, starts_on, ends_on in cohorts:
                    if not Cohort.objects.filter(name=cohort_name).exists():
                        cohort_create(
                            name=cohort_name,
                            programme=programme,
                            starts_on=starts_on,
                            ends_on=ends_on,
                        )
        for email, first_name, last_name, is_superuser in DEMO_ACCOUNTS:
            if not User.objects.filter(email=email).exists():
                User.objects.create_user(
                    email,
                    DEMO_PASSWORD,
                    first_name=first_name,
                    last_name=last_name,
                    is_superuser=is_superuser,
                    is_staff=is_superuser,
                )
        self.stdout.write(self.style.SUCCESS("Réseau de démonstration prêt."))
        self.stdout.write(f"Comptes (mot de passe « {DEMO_PASSWORD} ») :")
        for email, *_rest in DEMO_ACCOUNTS:
            self.stdout.write(f"  - {email}")
        hosts = [settings.BASE_HOST, *(site_host(slug) for slug in DEMO_CAES)]
        self.stdout.write("Sites : " + ", ".join(hosts))
