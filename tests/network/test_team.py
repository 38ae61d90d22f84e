"""A CAE's admin invites admins and staff; staff invite the animateur·rices of cohorts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Membership, Role, User
from network.registry.models import Cae
from network.registry.tasks import membership_invite_task
from tenants.cohorts.models import Cohort
from tests.conftest import grant, sign_in, site_client


@pytest.fixture
def cohort(cae_alpha: Cae) -> Cohort:
    with tenant_context(cae_alpha):
        return Cohort.objects.create(
            name="CJS d'été",
            programme="CJS",
            starts_on=datetime.date(2027, 7, 1),
            ends_on=datetime.date(2027, 8, 27),
        )


def _as(role: str, cae: Cae, person: User) -> Any:
    grant(person, cae, role)
    client = site_client(cae)
    sign_in(client, person)
    return client


def test_admin_invites_staff_and_the_email_leaves_after_the_commit(
    cae_alpha: Cae, person: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = _as(Role.CAE_ADMIN, cae_alpha, person)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/api/v1/team/",
            {"email": "Yann@Example.org", "role": "cae_staff", "first_name": "Yann"},
            content_type="application/json",
        )

    assert response.status_code == 201, response.content
    assert response.json()["activated"] is False
    membership = Membership.objects.get(user__email="yann@example.org", cae=cae_alpha)
    assert membership.role == Role.CAE_STAFF
    assert len(callbacks) == 1
    assert mail.outbox == []
    membership_invite_task.apply(kwargs={"membership_id": membership.pk}, throw=True)
    membership_invite_task.apply(kwargs={"membership_id": membership.pk}, throw=True)
    (email,) = mail.outbox
    assert "http://alpha.localhost/activation/" in str(email.body)


def test_staff_invite_animateurs_of_a_cohort_but_not_staff(
    cae_alpha: Cae, person: User, cohort: Cohort
) -> None:
    client = _as(Role.CAE_STAFF, cae_alpha, person)

    as_staff = client.post(
        "/api/v1/team/",
        {"email": "x@example.org", "role": "cae_staff"},
        content_type="application/json",
    )
    without_cohort = client.post(
        "/api/v1/team/",
        {"email": "a@example.org", "role": "animateur"},
        content_type="application/json",
    )
    unknown_cohort = client.post(
        "/api/v1/team/",
        {"email": "a@example.org", "role": "animateur", "cohort": cohort.pk + 1000},
        content_type="application/json",
    )
    invited = client.post(
        "/api/v1/team/",
        {"email": "a@example.org", "role": "animateur", "cohort": cohort.pk},
        content_type="application/json",
    )
    again = client.post(
        "/api/v1/team/",
        {"email": "a@example.org", "role": "animateur", "cohort": cohort.pk},
        content_type="application/json",
    )

    assert as_staff.status_code == 403
    assert without_cohort.status_code == 400
    assert "pour une coopérative précise" in without_cohort.json()["detail"]
    assert unknown_cohort.status_code == 400
    assert invited.status_code == 201
    assert again.status_code == 400
    assert again.json()["detail"] == "Cette personne a déjà ce rôle."
    assert list(
        Membership.objects.filter(user__email__in=["x@example.org", "a@example.org"]).values_list(
            "role", "cohort_id"
        )
    ) == [("animateur", cohort.pk)]


def test_an_existing_account_gets_the_role_not_a_second_account(
    cae_alpha: Cae, cae_beta: Cae, person: User
) -> None:
    colleague = User.objects.create_user("gwen@example.org", "x" * 12)
    grant(colleague, cae_beta, Role.CAE_STAFF)
    client = _as(Role.CAE_ADMIN, cae_alpha, person)

    response = client.post("/equipe/", {"email": "GWEN@example.org", "role": "cae_staff"})

    assert response.status_code == 302
    assert User.objects.filter(email="gwen@example.org").count() == 1
    assert set(Membership.objects.filter(user=colleague).values_list("cae__slug", flat=True)) == {
        "alpha",
        "beta",
    }
    page = client.get("/equipe/").content.decode()
    assert "gwen@example.org" in page


def test_the_team_page_refuses_bad_input_and_keeps_it(cae_alpha: Cae, person: User) -> None:
    client = _as(Role.CAE_ADMIN, cae_alpha, person)

    response = client.post(
        "/equipe/", {"email": "pas-un-email", "role": "cae_staff", "first_name": "Nolwenn"}
    )

    assert response.status_code == 400
    assert 'value="Nolwenn"' in response.content.decode()
    assert not User.objects.filter(first_name="Nolwenn").exists()
