"""Cohorts: the programmes' rules, the lifecycle with its reasons, the animateurs."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Membership, Role, User
from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.cohorts.models import Cohort, CohortStatus, CohortTransition
from tenants.cohorts.rules import age_on
from tenants.cohorts.services import (
    cohort_assign_animateur,
    cohort_create,
    cohort_transition,
    cohort_update,
)
from tests.conftest import grant, sign_in, site_client

D = datetime.date


def _cjs(**fields: object) -> Cohort:
    values: dict[str, object] = {
        "name": "CJS de Vannes",
        "programme": "CJS",
        "starts_on": D(2027, 7, 1),
        "ends_on": D(2027, 8, 27),
    }
    values.update(fields)
    return cohort_create(**values)  # type: ignore[arg-type]


def test_age_is_counted_in_full_years() -> None:
    assert age_on(D(2010, 7, 2), D(2027, 7, 1)) == 16
    assert age_on(D(2010, 7, 1), D(2027, 7, 1)) == 17


@pytest.mark.parametrize(
    ("programme", "starts_on", "ends_on", "field", "message"),
    [
        ("CJS", D(2027, 3, 1), D(2027, 4, 30), "starts_on", "Une CJS se déroule l'été"),
        ("CJS", D(2027, 6, 1), D(2027, 9, 30), "ends_on", "Une CJS dure de 3 à 13 semaines"),
        ("CJM", D(2027, 1, 4), D(2027, 1, 29), "ends_on", "Une CJM dure de 8 à 26 semaines"),
        ("CT", D(2027, 1, 4), D(2027, 12, 31), "ends_on", "Une CT dure de 12 à 27 semaines"),
        ("CT", D(2027, 6, 1), D(2027, 1, 4), "__all__", "ne peut pas finir avant de commencer"),
    ],
)
def test_programme_rules_on_dates(
    in_alpha: Cae,
    programme: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    field: str,
    message: str,
) -> None:
    with pytest.raises(ApplicationError) as refusal:
        cohort_create(name="Essai", programme=programme, starts_on=starts_on, ends_on=ends_on)

    assert message in " ".join(refusal.value.details[field])
    assert not Cohort.objects.exists()


def test_a_qpv_cohort_names_its_qpv(in_alpha: Cae) -> None:
    with pytest.raises(ApplicationError) as refusal:
        cohort_create(
            name="Ker Coop",
            programme="CT",
            starts_on=D(2027, 3, 1),
            ends_on=D(2027, 8, 31),
            territory_kind="qpv",
            territory_name="Kercado",
        )

    assert refusal.value.details["__all__"] == ["Un quartier prioritaire a un code QPV."]
    cohort = cohort_create(
        name="Ker Coop",
        programme="CT",
        starts_on=D(2027, 3, 1),
        ends_on=D(2027, 8, 31),
        territory_kind="qpv",
        territory_name="Kercado",
        qpv_code="QN05601M",
    )
    assert (cohort.status, cohort.qpv_code) == (CohortStatus.DRAFT, "QN05601M")


def test_staff_in_charge_must_belong_to_the_cae(in_alpha: Cae, cae_beta: Cae, person: User) -> None:
    grant(person, cae_beta, Role.CAE_STAFF)
    with pytest.raises(ApplicationError) as refusal:
        _cjs(staff_in_charge=person)
    assert refusal.value.details["staff_in_charge"] == [
        "Cette personne ne fait pas partie de l'équipe de la CAE."
    ]

    grant(person, in_alpha, Role.CAE_STAFF)
    assert _cjs(staff_in_charge=person).staff_in_charge == person


def test_lifecycle_follows_allowed_transitions_and_keeps_reasons(
    in_alpha: Cae, person: User
) -> None:
    cohort = cohort_create(
        name="La Belle Coop", programme="CT", starts_on=D(2027, 1, 4), ends_on=D(2027, 5, 28)
    )

    cohort_transition(cohort=cohort, to_status="recruiting", reason="Affiches posées", by=person)
    with pytest.raises(ApplicationError, match="ne peut pas passer à « Archivée »"):
        cohort_transition(cohort=cohort, to_status="archived", reason="Erreur", by=person)
    with pytest.raises(ApplicationError, match="Indiquez le motif"):
        cohort_transition(cohort=cohort, to_status="draft", reason="  ", by=person)

    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.RECRUITING
    assert list(CohortTransition.objects.values_list("from_status", "to_status", "reason")) == [
        ("draft", "recruiting", "Affiches posées")
    ]


def test_a_cjs_starts_with_two_animateurs(in_alpha: Cae, person: User) -> None:
    cohort = _cjs()
    cohort_transition(cohort=cohort, to_status="recruiting", reason="Ouverture", by=person)
    first = User.objects.create_user("anim1@example.org", "x" * 12)
    second = User.objects.create_user("anim2@example.org", "x" * 12)
    cohort_assign_animateur(cohort=cohort, user=first)
    cohort_assign_animateur(cohort=cohort, user=first)  # idempotent

    with pytest.raises(ApplicationError, match="Une CJS démarre avec 2 animateur·rices"):
        cohort_transition(cohort=cohort, to_status="running", reason="C'est parti", by=person)
    cohort_assign_animateur(cohort=cohort, user=second)
    cohort_transition(cohort=cohort, to_status="running", reason="C'est parti", by=person)

    cohort.refresh_from_db()
    assert cohort.status == CohortStatus.RUNNING
    assert (
        Membership.objects.filter(cae=in_alpha, cohort_id=cohort.pk, role=Role.ANIMATEUR).count()
        == 2
    )


def test_update_validates_like_create(in_alpha: Cae) -> None:
    cohort = _cjs()

    with pytest.raises(ApplicationError):
        cohort_update(cohort=cohort, ends_on=D(2027, 12, 1))

    cohort.refresh_from_db()
    assert cohort.ends_on == D(2027, 8, 27)
    assert cohort_update(cohort=cohort, places=15).places == 15


def test_staff_open_a_cohort_in_the_web_form(cae_alpha: Cae, person: User) -> None:
    grant(person, cae_alpha, Role.CAE_STAFF)
    client = site_client(cae_alpha)
    sign_in(client, person)
    form = {
        "name": "CJS d'été",
        "programme": "CJS",
        "starts_on": "2027-03-01",
        "ends_on": "2027-04-15",
        "places": "12",
        "territory_kind": "other",
    }

    refused = client.post("/cooperatives/nouvelle/", form)
    created = client.post(
        "/cooperatives/nouvelle/", form | {"starts_on": "2027-07-01", "ends_on": "2027-08-27"}
    )

    assert refused.status_code == 400
    assert "Une CJS se déroule l&#x27;été" in refused.content.decode()
    assert "CJS d&#x27;été" in refused.content.decode()  # what was typed is kept
    assert created.status_code == 302
    with tenant_context(cae_alpha):
        cohort = Cohort.objects.get()
    page = client.get(created["Location"])
    assert "<h1>CJS d&#x27;été</h1>" in page.content.decode()

    moved = client.post(
        created["Location"], {"transition-to_status": "running", "transition-reason": "Trop tôt"}
    )
    assert moved.status_code == 400
    assert "Sélectionnez un choix valide" in moved.content.decode()  # only allowed statuses
    assert '<option value="recruiting">Recrutement</option>' in moved.content.decode()
    with tenant_context(cae_alpha):
        assert Cohort.objects.get().status == CohortStatus.DRAFT
    client.post(f"/cooperatives/{cohort.pk}/animateurs/", {"user": person.pk})
    with tenant_context(cae_alpha):
        assert Membership.objects.filter(cohort_id=cohort.pk, user=person).exists()


def test_a_person_whose_role_was_revoked_cannot_be_named_animateur(
    cae_alpha: Cae, person: User
) -> None:
    grant(person, cae_alpha, Role.CAE_STAFF)
    former = User.objects.create_user("ancien@example.org", "x" * 12)
    Membership.objects.filter(pk=grant(former, cae_alpha, Role.CAE_STAFF).pk).update(
        revoked_at=timezone.now()
    )
    with tenant_context(cae_alpha):
        cohort = _cjs()
    client = site_client(cae_alpha)
    sign_in(client, person)

    client.post(f"/cooperatives/{cohort.pk}/animateurs/", {"user": former.pk})

    assert not Membership.objects.filter(user=former, role=Role.ANIMATEUR).exists()
    assert "ancien@example.org" not in client.get(f"/cooperatives/{cohort.pk}/").content.decode()
