"""A row created in one CAE is invisible from another, through the ORM and through the API."""

import datetime
import json

from django_tenants.utils import tenant_context

from coopilote.accounts.models import Role, User
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.cohorts.services import cohort_create
from tests.conftest import grant, sign_in, site_client


def test_orm_rows_stay_in_their_cae(cae_alpha: Cae, cae_beta: Cae) -> None:
    with tenant_context(cae_alpha):
        cohort = cohort_create(
            name="La Belle Coop",
            programme="CT",
            starts_on=datetime.date(2018, 10, 1),
            ends_on=datetime.date(2019, 3, 31),
        )
    with tenant_context(cae_beta):
        cohort_create(
            name="CJS de Lorient",
            programme="CJS",
            starts_on=datetime.date(2026, 7, 1),
            ends_on=datetime.date(2026, 8, 31),
        )

    with tenant_context(cae_alpha):
        assert list(Cohort.objects.values_list("name", flat=True)) == ["La Belle Coop"]
    with tenant_context(cae_beta):
        assert list(Cohort.objects.values_list("name", flat=True)) == ["CJS de Lorient"]
        # The same primary key exists in both schemas, each its own row.
        assert not Cohort.objects.filter(name="La Belle Coop", pk=cohort.pk).exists()


def test_api_rows_stay_in_their_cae(cae_alpha: Cae, cae_beta: Cae, person: User) -> None:
    # The same person is staff of both CAEs: what separates the rows is the CAE's schema.
    grant(person, cae_alpha, Role.CAE_STAFF)
    grant(person, cae_beta, Role.CAE_STAFF)
    alpha, beta = site_client(cae_alpha), site_client(cae_beta)
    for client in (alpha, beta):
        sign_in(client, person)

    created = alpha.post(
        "/api/v1/cohorts/",
        data=json.dumps(
            {
                "name": "Ker Coop",
                "programme": "CT",
                "starts_on": "2017-03-01",
                "ends_on": "2017-08-31",
            }
        ),
        content_type="application/json",
    )

    assert created.status_code == 201, created.content
    assert [c["name"] for c in alpha.get("/api/v1/cohorts/").json()] == ["Ker Coop"]
    assert beta.get("/api/v1/cohorts/").json() == []


def test_api_refuses_a_cohort_ending_before_it_starts(cae_alpha: Cae, person: User) -> None:
    grant(person, cae_alpha, Role.CAE_STAFF)
    client = site_client(cae_alpha)
    sign_in(client, person)

    response = client.post(
        "/api/v1/cohorts/",
        data={
            "name": "À l'envers",
            "programme": "CJM",
            "starts_on": "2026-09-01",
            "ends_on": "2026-06-01",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Cette coopérative ne peut pas être créée.",
        "errors": {"__all__": ["Une coopérative ne peut pas finir avant de commencer."]},
    }
    with tenant_context(cae_alpha):
        assert not Cohort.objects.exists()


def test_api_needs_a_signed_in_person(cae_alpha: Cae) -> None:
    response = site_client(cae_alpha).get("/api/v1/cohorts/")

    assert response.status_code == 403
