"""The API against its own OpenAPI schema (schemathesis): every operation of a CAE's site, with
generated inputs, as a CAE admin, a coopérant·e and a partner of one cohort. No server error,
and no operation that declares authentication serves a request without it.

The schema is the one the running app serves at alpha's host; requests go in-process to the
WSGI application, inside the test's transaction (rolled back after each operation).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.serializers.json import DjangoJSONEncoder
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    ensure_resource_availability,
    ignored_auth,
    use_after_free,
)

from coopilote.accounts.models import Role, User
from coopilote.tenancy import site_host
from network.committees.services import (
    local_committee_create,
    organisation_get_or_create,
    partner_person_get_or_create,
    seat_add,
)
from network.registry.models import Cae
from tests.conftest import World, account, grant, sign_in, site_client

pytestmark = pytest.mark.django_db

ROLES = ("cae_admin", "coop_member", "partner")
CHECKS = [not_a_server_error, ignored_auth, use_after_free, ensure_resource_availability]
EXAMPLES_PER_OPERATION = 10
EXAMPLES: dict[str, int] = {}  # examples run, by operation: the numbers the closing note gives


@pytest.fixture(scope="module", autouse=True)
def _report_examples() -> Iterator[None]:
    yield
    if EXAMPLES:
        print(  # shown with -s
            f"\nschemathesis: {len(EXAMPLES)} operations, {sum(EXAMPLES.values())} examples"
            f" x {len(ROLES)} identities"
        )


@dataclass(frozen=True)
class Identity:
    name: str
    session: str
    csrf: str

    def headers(self) -> dict[str, str]:
        # DRF's SessionAuthentication checks CSRF on unsafe methods: the token as cookie and header.
        return {
            "Cookie": f"sessionid={self.session}; csrftoken={self.csrf}",
            "X-CSRFToken": self.csrf,
        }


@pytest.fixture
def _in_process_requests() -> Iterator[None]:
    """Requests served by the WSGI handler inside the test's transaction: Django must not close
    the connection at the end of each request (its test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _identity(name: str, user: User, cae: Cae) -> Identity:
    client = site_client(cae)
    sign_in(client, user)
    return Identity(
        name=name, session=client.cookies["sessionid"].value, csrf=secrets.token_hex(16)
    )


@pytest.fixture
def identities(world: World, _in_process_requests: None) -> list[Identity]:
    """A CAE admin, a coopérant·e of the world's cohort and a partner of that cohort."""
    organisation = organisation_get_or_create(
        name="Mission locale du Pays de Vannes", kind="mission_locale", town="Vannes"
    )
    person = partner_person_get_or_create(
        organisation=organisation, first_name="Paule", last_name="Martin", email="ml@example.org"
    )
    committee = local_committee_create(
        cae=world.cae, name="Comité de Vannes", cohort_ids=[world.cohort.pk]
    )
    partner = seat_add(committee=committee, person=person).person.user
    assert partner is not None
    admin = account("admin-schemathesis@example.org")
    grant(admin, world.cae, Role.CAE_ADMIN)
    member = world.personas["coop_member"]
    assert member is not None
    return [
        _identity("cae_admin", admin, world.cae),
        _identity("coop_member", member, world.cae),
        _identity("partner", partner, world.cae),
    ]


def _generated_schema() -> dict[str, Any]:
    """The OpenAPI document of a CAE's site, as drf-spectacular builds it (no request needed)."""
    generator = SchemaGenerator(urlconf="coopilote.urls_tenants")  # type: ignore[no-untyped-call]
    document: dict[str, Any] = json.loads(
        json.dumps(generator.get_schema(request=None, public=True), cls=DjangoJSONEncoder)  # type: ignore[no-untyped-call]
    )
    return document


# Built at collection (schemathesis makes one test per operation); the test below proves that
# it is the very document the running app serves at a CAE's host.
schema = schemathesis.openapi.from_dict(
    _generated_schema(),
    # Generated examples only: the coverage phase's boundary cases multiply the run time by ~3.
    config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}}),
)
schema.app = get_wsgi_application()


def test_the_walked_schema_is_the_one_the_app_serves(world: World) -> None:
    served = site_client(world.cae).get("/api/schema/?format=json")

    assert served.status_code == 200
    assert served.json() == _generated_schema()
    assert len(schema.raw_schema["paths"]) > 80


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,  # the same examples on every run
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_holds_to_its_schema_for_every_role(
    case: Case[Any], identities: list[Identity], world: World
) -> None:
    EXAMPLES[case.operation.label] = EXAMPLES.get(case.operation.label, 0) + 1
    for identity in identities:
        case.call_and_validate(
            base_url=f"http://{site_host(world.cae.slug)}",
            headers=identity.headers(),
            checks=CHECKS,
        )
