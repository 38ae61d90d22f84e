"""Test set-up: one real PostgreSQL test database with the network and two CAEs, alpha and beta.

The CAEs are created once per database (`--reuse-db` keeps them) and committed, so that a real
Celery worker and a real browser can see them; each test then runs in a transaction that is
rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from coopilote.accounts.models import User
from network.registry.models import Cae
from network.registry.services import cae_create, network_setup, site_host

CAE_SLUGS = ("alpha", "beta")
PASSWORD = "un-mot-de-passe-de-test"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        network_setup()
        for slug in CAE_SLUGS:
            if not Cae.objects.filter(slug=slug).exists():
                cae_create(name=f"CAE {slug.capitalize()}", slug=slug)


@pytest.fixture
def cae_alpha(db: None) -> Cae:
    return Cae.objects.get(slug="alpha")


@pytest.fixture
def cae_beta(db: None) -> Cae:
    return Cae.objects.get(slug="beta")


@pytest.fixture
def in_alpha(cae_alpha: Cae) -> Iterator[Cae]:
    with tenant_context(cae_alpha):
        yield cae_alpha


@pytest.fixture
def person(db: None) -> User:
    with schema_context("public"):
        return User.objects.create_user("camille@example.org", PASSWORD, first_name="Camille")


def site_client(cae: Cae | None = None) -> Client:
    """A browser-like client on a site's host (the national site when `cae` is None)."""
    host = site_host(cae.slug) if cae else "localhost"
    return Client(HTTP_HOST=host)


@pytest.fixture(autouse=True)
def _back_to_public() -> Iterator[None]:
    yield
    connection.set_schema_to_public()
