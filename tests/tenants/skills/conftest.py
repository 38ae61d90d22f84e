from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Role, User
from network.registry.models import Cae
from tenants.cohorts.models import Cohort, CohortStatus
from tenants.people.models import Enrolment
from tests.conftest import World, account, grant
from tests.tenants.skills.helpers import enrol


@pytest.fixture
def alpha(cae_alpha: Cae) -> Iterator[Cae]:
    with tenant_context(cae_alpha):
        yield cae_alpha


@pytest.fixture
def animateur(db: None) -> User:
    return account("animatrice@example.org")


@dataclass
class Coop:
    """The world's cohort, running, with Lina (the `coop_member` persona's member row) and
    Yanis (persona `yanis`), and a partner of its local committee (persona `partner`)."""

    world: World
    cohort: Cohort
    lina: Enrolment
    yanis: Enrolment


@pytest.fixture
def coop(world: World) -> Coop:
    yanis_user = account("yanis@example.org")
    partner = account("partenaire@example.org")
    grant(yanis_user, world.cae, Role.MEMBER, world.cohort.pk)
    grant(partner, world.cae, Role.PARTNER, world.cohort.pk)
    world.personas["yanis"] = yanis_user
    world.personas["partner"] = partner
    with tenant_context(world.cae):
        Cohort.objects.filter(pk=world.cohort.pk).update(status=CohortStatus.RUNNING)
        cohort = Cohort.objects.get(pk=world.cohort.pk)
        lina = enrol(cohort, "Lina", user=world.personas["coop_member"])
        yanis = enrol(cohort, "Yanis", user=yanis_user)
    return Coop(world=world, cohort=cohort, lina=lina, yanis=yanis)
