"""Backups: the whole database and one CAE are dumped, restored into a scratch database, and
every restored table has the checksum of what was dumped."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from coopilote.accounts.models import Membership
from network.committees.services import committee_meeting_record, local_committee_create
from network.registry.backups import (
    Target,
    cae_public_rows,
    database_checksums,
    database_drop,
    schema_checksums,
)
from network.registry.models import Cae
from tests.conftest import World

D = datetime.date
# The world's people without a role at its CAE.
OUTSIDERS = {"other_cae_staff", "coordinator", "stranger"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def scratch() -> Iterator[Target]:
    target = Target.configured(f"coopilote_scratch_{uuid.uuid4().hex[:8]}")
    yield target
    database_drop(target=target)


def test_the_whole_database_is_backed_up_and_restored_with_equal_checksums(
    tmp_path: Path, scratch: Target
) -> None:
    file = tmp_path / "coopilote.dump"

    call_command("backup_database", str(file))
    call_command("restore_database", str(file), "--database", scratch.dbname, "--create")

    dumped = json.loads((tmp_path / "coopilote.dump.sums.json").read_text())
    assert database_checksums(scratch) == dumped
    assert {"public.registry_cae", "cae_alpha.cohorts_cohort", "cae_beta.cohorts_cohort"} <= set(
        dumped
    )


def test_a_restore_into_the_live_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        call_command(
            "restore_database", str(tmp_path / "x.dump"), "--database", Target.configured().dbname
        )


def test_one_cae_is_exported_and_restored_alone_with_equal_checksums(
    tmp_path: Path, scratch: Target, cae_alpha: Cae, cae_beta: Cae
) -> None:
    file = tmp_path / "alpha.tar"

    call_command("export_cae", "alpha", str(file))
    call_command("restore_cae", str(file), "--database", scratch.dbname, "--create")

    live = Target.configured()
    assert schema_checksums(scratch, "cae_alpha") == schema_checksums(live, "cae_alpha")
    assert schema_checksums(scratch, "cae_beta") == {}  # nothing of beta came along
    rows = cae_public_rows(cae_alpha)
    assert {"registry_cae", "registry_domain"} <= set(rows)
    assert rows["registry_cae"].ids == [cae_alpha.pk]
    with scratch.connect() as connection:
        slugs = connection.execute("SELECT slug FROM public.registry_cae").fetchall()
        domains = connection.execute("SELECT domain FROM public.registry_domain").fetchall()
    assert slugs == [("alpha",)]
    assert domains
    assert all("alpha" in domain for (domain,) in domains)


def test_the_public_rows_of_a_cae_are_its_own_and_those_hanging_from_them(world: World) -> None:
    committee = local_committee_create(
        cae=world.cae, name="Comité de Vannes", cohort_ids=[world.cohort.pk]
    )
    meeting = committee_meeting_record(committee=committee, held_on=D(2026, 6, 1), agenda="Point")

    rows = cae_public_rows(world.cae)

    memberships = Membership.objects.filter(cae=world.cae)
    assert rows["accounts_membership"].ids == sorted(memberships.values_list("pk", flat=True))
    assert rows["committees_localcommittee"].ids == [committee.pk]
    assert rows["committees_committeemeeting"].ids == [meeting.pk]
    people = {user.pk for name, user in world.personas.items() if user and name not in OUTSIDERS}
    assert set(rows["accounts_user"].ids) == people
    beta_staff = world.personas["other_cae_staff"]
    assert beta_staff is not None
    assert beta_staff.pk not in rows["accounts_user"].ids
