"""The pay API by role: the cohort's animateur·rice prepares and decides, a coopérant·e sees
their own line, CAE staff export the payroll file; other cohorts answer 404."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client as HttpClient
from django_tenants.utils import tenant_context

from coopilote.accounts.models import User
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.pay.models import PayRun, PayRunStatus
from tests.conftest import World
from tests.tenants.pay.helpers import D, job_done, member_in, revenue

PROPOSAL = {
    "period_start": "2026-07-01",
    "period_end": "2026-07-31",
    "sharing_rule": "pro_rata_hours",
    "retained_rate": "10",
    "amount_to_share": "300.00",
}


def _send(client: HttpClient, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(data or {}), content_type="application/json")


@pytest.fixture
def worked(world: World) -> World:
    """The world's cohort in July: Lina (the coop_member's account) 10 h, Yanis 5 h; 500 € HT."""
    with tenant_context(world.cae):
        Cohort.objects.filter(pk=world.cohort.pk).update(
            starts_on=D(2026, 6, 1), ends_on=D(2026, 8, 31), code="cjs-vannes"
        )
        cohort = Cohort.objects.get(pk=world.cohort.pk)
        lina = member_in(cohort, "Lina", "Le Goff", user=world.personas["coop_member"])
        yanis = member_in(cohort, "Yanis", "Martin")
        job_done(cohort, D(2026, 7, 3), {lina: "10", yanis: "5"})
        staff = world.personas["staff"]
        assert isinstance(staff, User)
        revenue(staff, cohort, "500.00", D(2026, 7, 20))
    return world


def _proposed(world: World) -> int:
    response = _send(
        world.client("animateur"), f"/api/v1/cohorts/{world.cohort.pk}/pay-runs/", PROPOSAL
    )
    assert response.status_code == 201, response.content
    run_id: int = response.json()["id"]
    return run_id


def test_the_animateur_proposes_and_decides_and_staff_export(worked: World) -> None:
    run_id = _proposed(worked)

    decided = _send(worked.client("animateur"), f"/api/v1/pay-runs/{run_id}/decide/")
    refused = _send(worked.client("animateur"), f"/api/v1/pay-runs/{run_id}/export/")
    exported = _send(worked.client("staff"), f"/api/v1/pay-runs/{run_id}/export/")

    body = decided.json()
    assert decided.status_code == 200
    assert (body["status"], body["retained_amount"], body["members_amount"]) == (
        "decided",
        "30.00",
        "270.00",
    )
    assert [(line["last_name"], line["hours"], line["amount"]) for line in body["lines"]] == [
        ("Le Goff", "10.00", "180.00"),
        ("Martin", "5.00", "90.00"),
    ]
    assert refused.status_code == 403
    assert exported.status_code == 200
    assert exported["Content-Disposition"] == 'attachment; filename="paie-cjs-vannes-202607.csv"'
    assert exported.content.startswith(b"\xef\xbb\xbf")
    with tenant_context(worked.cae):
        assert PayRun.objects.get(pk=run_id).status == PayRunStatus.EXPORTED


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("animateur", 201),
        ("staff", 201),
        ("cae_admin", 201),
        ("coop_member", 403),
        ("other_animateur", 404),
        ("other_member", 404),
        ("other_cae_staff", 403),
        ("coordinator", 403),
        ("anonymous", 403),
    ],
)
def test_who_may_propose(worked: World, persona: str, status: int) -> None:
    response = _send(
        worked.client(persona), f"/api/v1/cohorts/{worked.cohort.pk}/pay-runs/", PROPOSAL
    )

    assert response.status_code == status
    with tenant_context(worked.cae):
        assert PayRun.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("persona", "status", "names"),
    [
        ("animateur", 200, ["Le Goff", "Martin"]),
        ("staff", 200, ["Le Goff", "Martin"]),
        ("coop_member", 200, ["Le Goff"]),  # their own line only
        ("other_animateur", 404, None),
        ("other_member", 404, None),
        ("coordinator", 403, None),
    ],
)
def test_who_sees_which_lines(
    worked: World, persona: str, status: int, names: list[str] | None
) -> None:
    run_id = _proposed(worked)

    response = worked.client(persona).get(f"/api/v1/pay-runs/{run_id}/")

    assert response.status_code == status
    if names is not None:
        assert [line["last_name"] for line in response.json()["lines"]] == names
        assert response.json()["all_lines"] is (len(names) == 2)
        assert "birth_date" not in response.content.decode()


def test_a_member_cannot_decide_nor_export(worked: World) -> None:
    run_id = _proposed(worked)

    decided = _send(worked.client("coop_member"), f"/api/v1/pay-runs/{run_id}/decide/")
    exported = _send(worked.client("coop_member"), f"/api/v1/pay-runs/{run_id}/export/")

    assert (decided.status_code, exported.status_code) == (403, 403)
    with tenant_context(worked.cae):
        assert PayRun.objects.get(pk=run_id).status == PayRunStatus.DRAFT


def test_only_staff_share_more_than_the_result_with_a_reason(worked: World) -> None:
    url = f"/api/v1/cohorts/{worked.cohort.pk}/pay-runs/"
    above = {**PROPOSAL, "amount_to_share": "5000.00"}

    by_animateur = _send(worked.client("animateur"), url, above)
    by_staff_without_reason = _send(worked.client("staff"), url, above)
    by_staff = _send(
        worked.client("staff"), url, {**above, "above_result_reason": "Complément de la CAE"}
    )

    assert by_animateur.status_code == 400
    assert "amount_to_share" in by_animateur.json()["errors"]
    assert by_staff_without_reason.status_code == 400
    assert "above_result_reason" in by_staff_without_reason.json()["errors"]
    assert by_staff.status_code == 201
    assert by_staff.json()["amount_to_share"] == "5000.00"


def test_a_draft_is_edited_and_a_decided_run_is_not(worked: World) -> None:
    run_id = _proposed(worked)
    client = worked.client("animateur")
    url = f"/api/v1/pay-runs/{run_id}/"

    edited = client.patch(
        url, data=json.dumps({"sharing_rule": "equal"}), content_type="application/json"
    )
    _send(client, f"{url}decide/")
    refused = client.patch(
        url, data=json.dumps({"retained_rate": "0"}), content_type="application/json"
    )
    deleted = client.delete(url)

    assert edited.status_code == 200
    assert [line["amount"] for line in edited.json()["lines"]] == ["135.00", "135.00"]
    assert refused.status_code == 400
    assert "ne change plus" in refused.json()["detail"]
    assert deleted.status_code == 400
    with tenant_context(worked.cae):
        run = PayRun.objects.get(pk=run_id)
        assert (run.status, run.retained_rate) == (PayRunStatus.DECIDED, Decimal("10.00"))


def test_a_proposal_without_amount_shares_the_result(worked: World) -> None:
    response = _send(
        worked.client("animateur"),
        f"/api/v1/cohorts/{worked.cohort.pk}/pay-runs/",
        {key: value for key, value in PROPOSAL.items() if key != "amount_to_share"},
    )

    body = response.json()
    assert response.status_code == 201
    assert body["amount_to_share"] == body["result"]
    assert Decimal(body["result"]) > 0


def test_the_list_of_a_cohort(worked: World, cae_beta: Cae) -> None:
    run_id = _proposed(worked)

    mine = worked.client("coop_member").get(f"/api/v1/cohorts/{worked.cohort.pk}/pay-runs/")
    other = worked.client("other_member").get(f"/api/v1/cohorts/{worked.cohort.pk}/pay-runs/")
    elsewhere = worked.client("other_cae_staff", cae_beta).get(f"/api/v1/pay-runs/{run_id}/")

    assert mine.status_code == 200
    assert [run["id"] for run in mine.json()] == [run_id]
    assert other.status_code == 404
    assert elsewhere.status_code == 404


def test_the_pages_propose_decide_and_export(worked: World) -> None:
    animateur = worked.client("animateur")
    proposal = {**PROPOSAL, "retained_rate": "10", "amount_to_share": "300,00"}

    created = animateur.post(f"/cooperatives/{worked.cohort.pk}/remuneration/", proposal)
    with tenant_context(worked.cae):
        run_id = PayRun.objects.get().pk
    page = animateur.get(f"/repartitions/{run_id}/").content.decode()
    member_page = worked.client("coop_member").get(f"/repartitions/{run_id}/").content.decode()
    refused = worked.client("coop_member").post(f"/repartitions/{run_id}/", {"step": "decide"})
    decided = animateur.post(f"/repartitions/{run_id}/", {"step": "decide"})
    exported = worked.client("staff").post(f"/repartitions/{run_id}/", {"step": "export"})

    assert created.status_code == 302
    assert "Martin" in page
    assert "180,00" in page
    assert "Le Goff" in member_page
    assert "Martin" not in member_page
    assert refused.status_code == 403
    assert decided.status_code == 302
    assert exported.status_code == 200
    assert exported["Content-Disposition"] == 'attachment; filename="paie-cjs-vannes-202607.csv"'
    cohort_page = worked.client("coop_member").get(f"/cooperatives/{worked.cohort.pk}/")
    assert f"/cooperatives/{worked.cohort.pk}/remuneration/" in cohort_page.content.decode()
