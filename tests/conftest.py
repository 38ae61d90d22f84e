"""Test set-up: one real PostgreSQL test database with the network and two CAEs, alpha and beta.

The CAEs are created once per database (`--reuse-db` keeps them) and committed, so that a real
Celery worker and a real browser can see them; each test then runs in a transaction that is
rolled back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from django_tenants.utils import schema_context, tenant_context

from coopilote.accounts.models import Membership, Role, User
from coopilote.accounts.otp import otp_session_mark_verified
from coopilote.tenancy import site_host
from network.registry.fictional import fictional_identity
from network.registry.models import Cae
from network.registry.services import cae_register, network_setup
from tests.tenants.commerce.factories import ServiceFactory
from tests.tenants.people.factories import CohortFactory

CAE_SLUGS = ("alpha", "beta")
PASSWORD = "un-mot-de-passe-de-test"


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    # pytest-django sets up only the databases that collected tests ask for through `db`; the
    # worker and browser tests reach the database from other processes, so always set it up.
    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases={"default"},  # type: ignore[arg-type]  # Django takes any container
            keepdb=keepdb,
        )
        network_setup()
        for number, slug in enumerate(CAE_SLUGS, start=1):
            if not Cae.objects.filter(slug=slug).exists():
                cae_register(
                    name=f"CAE {slug.capitalize()}",
                    slug=slug,
                    identity=fictional_identity(number),
                    provision_now=True,
                )
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=request.config.option.verbose)


@pytest.fixture
def cae_alpha(db: None) -> Cae:
    cae: Cae = Cae.objects.get(slug="alpha")
    return cae


@pytest.fixture
def cae_beta(db: None) -> Cae:
    cae: Cae = Cae.objects.get(slug="beta")
    return cae


@pytest.fixture
def in_alpha(cae_alpha: Cae) -> Iterator[Cae]:
    with tenant_context(cae_alpha):
        yield cae_alpha


@pytest.fixture
def person(db: None) -> User:
    with schema_context("public"):
        return User.objects.create_user("camille@example.org", PASSWORD, first_name="Camille")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Browser tests last: Playwright's sync API runs an event loop in the main thread while its
    # browser is open, and Django refuses synchronous ORM calls from there.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def grant(user: User, cae: Cae, role: str, cohort_id: int | None = None) -> Membership:
    """Give `user` a role in `cae` (in one of its cohorts for cohort roles)."""
    with schema_context("public"):
        return Membership.objects.create(user=user, cae=cae, role=role, cohort_id=cohort_id)


def sign_in(client: Client, user: User) -> Client:
    """Sign `user` in as the real sign-in does: password step (force_login) then second factor.

    The session is marked 2FA-verified by the same function the verification page calls, so
    the 2FA middleware lets staff and coordinators through without being weakened for tests.
    """
    client.force_login(user)
    session = client.session
    otp_session_mark_verified(session, user=user)
    session.save()
    return client


def site_client(cae: Cae | None = None) -> Client:
    """A browser-like client on a site's host (the national site when `cae` is None)."""
    host = site_host(cae.slug) if cae else "localhost"
    return Client(HTTP_HOST=host)


def database_url_for_processes() -> str:
    """The test database as a URL, for the processes the tests start (worker, web server)."""
    params = connection.get_connection_params()
    user, database = quote(params["user"]), params["dbname"]
    host = params.get("host") or ""
    if host.startswith("/"):
        return f"postgresql://{user}@/{database}?host={quote(host)}"
    password = quote(params.get("password") or "")
    port = f":{params['port']}" if params.get("port") else ""
    return f"postgresql://{user}:{password}@{host}{port}/{database}"


def start_on_test_database(module_command: str, log: Path) -> subprocess.Popen[bytes]:
    """Start `python -m <module_command>` from the project root on the test database."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coopilote.settings.test",
        "DATABASE_URL": database_url_for_processes(),
        "COOPILOTE_TEST_MAIL_FILES": "1",  # read by tests/e2e/checks.py mail_to()
    }
    with log.open("w") as output:
        return subprocess.Popen(
            [sys.executable, "-m", *module_command.split()],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture(scope="session")
def celery_worker(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A real worker process on the configured broker, reading the test database."""
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for folder in ("data_folder_in", "control_folder"):
            shutil.rmtree(str(options[folder]), ignore_errors=True)
            Path(str(options[folder])).mkdir(parents=True)
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    process = start_on_test_database(
        "celery -A coopilote worker --pool=solo --without-gossip --without-mingle "
        f"--without-heartbeat -n test-{os.getpid()}@%h --loglevel=INFO",
        log,
    )
    yield log
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Files written by a test (archived PDFs, uploads) go to its own folder, not .data/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES}  # a fresh storage sees the new root


@pytest.fixture(autouse=True)
def _back_to_public() -> Iterator[None]:
    yield
    connection.set_schema_to_public()  # type: ignore[attr-defined]


def account(email: str, *, is_coordinator: bool = False) -> User:
    with schema_context("public"):
        return User.objects.create_user(email, PASSWORD, is_coordinator=is_coordinator)


class World:
    """CAE alpha with two cohorts, a service in the first, and a person for every role."""

    def __init__(self, cae: Cae, other_cae: Cae) -> None:
        self.cae = cae
        with tenant_context(cae):
            self.cohort = CohortFactory.create(name="CJS de Vannes")
            self.other_cohort = CohortFactory.create(name="CJS d'Auray")
            self.service = ServiceFactory.create(cohort=self.cohort, name="Tonte de pelouse")
        self.personas: dict[str, User | None] = {"anonymous": None}
        for name, site, role, cohort in [
            ("cae_admin", cae, Role.CAE_ADMIN, None),
            ("staff", cae, Role.CAE_STAFF, None),
            ("animateur", cae, Role.ANIMATEUR, self.cohort),
            ("coop_member", cae, Role.MEMBER, self.cohort),
            ("other_animateur", cae, Role.ANIMATEUR, self.other_cohort),
            ("other_member", cae, Role.MEMBER, self.other_cohort),
            ("other_cae_staff", other_cae, Role.CAE_STAFF, None),
        ]:
            user = account(f"{name}@example.org")
            grant(user, site, role, cohort.pk if cohort else None)
            self.personas[name] = user
        self.personas["coordinator"] = account("coordination@example.org", is_coordinator=True)
        self.personas["stranger"] = account("stranger@example.org")

    def client(self, persona: str, cae: Cae | None = None) -> Client:
        client = site_client(cae or self.cae)
        user = self.personas[persona]
        if user is not None:
            sign_in(client, user)
        return client


@pytest.fixture
def world(cae_alpha: Cae, cae_beta: Cae) -> World:
    return World(cae_alpha, cae_beta)
