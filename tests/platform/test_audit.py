"""The audit trail (django-pghistory, database triggers): who changed what, when and from where,
for members' data, money and roles; raw SQL recorded too; each CAE sees its own trail only; CAE
admins only (the coordination: the network's grants of roles)."""

from __future__ import annotations

import datetime
from typing import Any

import pghistory
import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, modify_settings
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from coopilote.accounts.models import Membership, Role, User
from coopilote.audit import event_model_of
from coopilote.audit.middleware import masked_path
from coopilote.audit.selectors import AuditFilters, audit_log
from network.registry.models import Cae
from tenants.billing.models import Payment
from tenants.people.models import Enrolment, Guardian, Member
from tenants.people.privacy import member_erase
from tests.conftest import account, grant, sign_in, site_client
from tests.tenants.people.factories import GuardianFactory, MemberFactory

IP = "203.0.113.7"
MEMBER_EVENTS = "people.MemberAuditEvent"


def _admin_of(cae: Cae, email: str = "admin-audit@example.org") -> Client:
    admin = account(email)
    grant(admin, cae, Role.CAE_ADMIN)
    return sign_in(site_client(cae), admin)


def _member(cae: Cae, **fields: Any) -> Member:
    with tenant_context(cae):
        member: Member = MemberFactory.create(**fields)
        return member


def _member_events(cae: Cae, member: Member) -> list[Any]:
    with tenant_context(cae):
        model = event_model_of(Member)
        assert model is not None
        return list(model._default_manager.filter(pgh_obj_id=member.pk).order_by("pgh_id"))


def test_a_change_through_the_api_records_who_from_where(cae_alpha: Cae) -> None:
    client = _admin_of(cae_alpha)
    admin = User.objects.get(email="admin-audit@example.org")
    lina = _member(cae_alpha, first_name="Lina", phone="0611111111")

    response = client.patch(
        f"/api/v1/members/{lina.pk}/",
        data={"phone": "0722222222"},
        content_type="application/json",
        REMOTE_ADDR=IP,
    )

    assert response.status_code == 200, response.content
    created, updated = _member_events(cae_alpha, lina)
    assert (created.pgh_label, updated.pgh_label) == ("insert", "update")
    assert created.pgh_context is None  # made by a factory, outside any request
    assert updated.phone == "0722222222"
    assert updated.pgh_context == {
        "user": admin.pk,
        "ip": IP,
        "url": f"/api/v1/members/{lina.pk}/",
        "method": "PATCH",
        "schema": cae_alpha.schema_name,
    }
    with tenant_context(cae_alpha):
        (entry,) = audit_log(cae=cae_alpha, filters=AuditFilters(kind="people.Member"))[0:1]
    assert (entry.action, entry.user_id, entry.ip) == ("update", admin.pk, IP)
    assert [(change.field, change.old, change.new) for change in entry.changes] == [
        ("phone", "0611111111", "0722222222")
    ]
    assert "admin-audit@example.org" in entry.user_label


def test_raw_sql_is_recorded_too(cae_alpha: Cae) -> None:
    lina = _member(cae_alpha, first_name="Lina", phone="0611111111")

    with tenant_context(cae_alpha), connection.cursor() as cursor:
        cursor.execute("UPDATE people_member SET phone = '0799999999' WHERE id = %s", [lina.pk])
        cursor.execute("DELETE FROM people_member WHERE id = %s", [lina.pk])

    events = _member_events(cae_alpha, lina)
    assert [event.pgh_label for event in events] == ["insert", "update", "delete"]
    assert [event.phone for event in events] == ["0611111111", "0799999999", "0799999999"]
    assert all(event.pgh_context is None for event in events)  # no request: "Système"


def test_money_and_roles_are_tracked(cae_alpha: Cae) -> None:
    """A payment row (immutable: its creation), a grant of role (public schema)."""
    colleague = account("collegue@example.org")

    with pghistory.context(user=None, ip=IP, schema="public"):
        membership = grant(colleague, cae_alpha, Role.CAE_STAFF)
    Membership.objects.filter(pk=membership.pk).update(
        revoked_at=datetime.datetime.now(datetime.UTC)
    )

    events = event_model_of(Membership)
    assert events is not None
    assert list(
        events._default_manager.filter(pgh_obj_id=membership.pk)
        .order_by("pgh_id")
        .values_list("pgh_label", "role")
    ) == [("insert", Role.CAE_STAFF), ("update", Role.CAE_STAFF)]
    payments = event_model_of(Payment)
    assert payments is not None
    # A payment never changes (its own trigger): only its creation is recorded.
    assert [tracker.label for tracker in payments.pgh_trackers] == ["insert"]  # type: ignore[attr-defined]


def test_the_event_tables_are_append_only(cae_alpha: Cae) -> None:
    lina = _member(cae_alpha, first_name="Lina")

    with (
        tenant_context(cae_alpha),
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE people_memberauditevent SET first_name = 'X' WHERE pgh_obj_id = %s", [lina.pk]
        )

    assert [event.first_name for event in _member_events(cae_alpha, lina)] == ["Lina"]


def test_an_admin_of_alpha_never_sees_beta_s_events(cae_alpha: Cae, cae_beta: Cae) -> None:
    beta_admin = _admin_of(cae_beta, "admin-beta@example.org")
    beta_member = _member(cae_beta, first_name="BETA-ONLY", phone="0611111111")
    beta_admin.patch(
        f"/api/v1/members/{beta_member.pk}/",
        data={"phone": "0733333333"},
        content_type="application/json",
    )
    alpha_member = _member(cae_alpha, first_name="Alpha")
    alpha_admin = _admin_of(cae_alpha)

    page = alpha_admin.get("/journal-audit/")
    api = alpha_admin.get("/api/v1/audit-events/?kind=people.Member")
    beta_page = beta_admin.get("/journal-audit/")

    assert page.status_code == 200
    assert api.status_code == 200
    assert "BETA-ONLY" not in page.content.decode()
    assert "BETA-ONLY" not in api.content.decode()
    assert "0733333333" not in api.content.decode()
    assert [row["object_id"] for row in api.json()["results"]] == [str(alpha_member.pk)]
    assert "BETA-ONLY" in beta_page.content.decode()  # beta's own trail does show it


def test_a_context_recorded_on_another_site_does_not_show_its_address(cae_alpha: Cae) -> None:
    admin = _admin_of(cae_alpha)  # first: a context lasts until the end of its transaction
    coordinator = account("coordination-audit@example.org", is_coordinator=True)
    with pghistory.context(user=coordinator.pk, ip="198.51.100.1", url="/caes/", schema="public"):
        grant(account("nouvelle@example.org"), cae_alpha, Role.CAE_ADMIN)

    response = admin.get("/api/v1/audit-events/?kind=accounts.Membership")

    grants = [row for row in response.json()["results"] if row["user_id"] == coordinator.pk]
    assert len(grants) == 1
    assert (grants[0]["ip"], grants[0]["path"]) == (None, None)
    assert "198.51.100.1" not in response.content.decode()


def test_the_coordination_reads_the_network_s_grants_of_roles(
    cae_alpha: Cae, cae_beta: Cae
) -> None:
    membership = grant(account("equipe-beta@example.org"), cae_beta, Role.CAE_STAFF)
    coordinator = sign_in(site_client(None), account("coord@example.org", is_coordinator=True))

    response = coordinator.get("/api/v1/audit-events/?kind=accounts.Membership")
    page = coordinator.get("/journal-audit/")

    assert response.status_code == 200
    assert page.status_code == 200
    rows = response.json()["results"]
    assert {row["kind"] for row in rows} == {"accounts.Membership"}
    assert str(membership.pk) in {row["object_id"] for row in rows}
    assert "equipe-beta@example.org" not in page.content.decode()  # ids, not the accounts' data


@pytest.mark.parametrize(
    ("role", "cohort_role"),
    [
        (Role.CAE_STAFF, False),
        (Role.ANIMATEUR, True),
        (Role.MEMBER, True),
        (Role.PARTNER, True),
    ],
)
def test_only_cae_admins_read_the_trail(cae_alpha: Cae, role: str, cohort_role: bool) -> None:
    with tenant_context(cae_alpha):
        from tests.tenants.people.factories import CohortFactory

        cohort = CohortFactory.create()
    person = account("quelqu-un@example.org")
    grant(person, cae_alpha, role, cohort.pk if cohort_role else None)
    client = sign_in(site_client(cae_alpha), person)

    assert client.get("/journal-audit/").status_code == 403
    assert client.get("/api/v1/audit-events/").status_code == 403


def test_the_coordinator_does_not_read_a_cae_s_trail(cae_alpha: Cae) -> None:
    coordinator = account("coord-cae@example.org", is_coordinator=True)
    client = sign_in(site_client(cae_alpha), coordinator)

    assert client.get("/journal-audit/").status_code == 403
    assert client.get("/api/v1/audit-events/").status_code == 403


def test_the_journal_filters_by_kind_person_and_period(cae_alpha: Cae) -> None:
    client = _admin_of(cae_alpha)
    admin = User.objects.get(email="admin-audit@example.org")
    lina = _member(cae_alpha, first_name="Lina", phone="0611111111")
    yanis = _member(cae_alpha, first_name="Yanis")
    with tenant_context(cae_alpha):  # before the request: a context lasts until its commit
        GuardianFactory.create(member=yanis, full_name="Anne Martin")
    client.patch(
        f"/api/v1/members/{lina.pk}/", data={"phone": "0722222222"}, content_type="application/json"
    )
    today = timezone.localdate().isoformat()

    by_admin = client.get(f"/api/v1/audit-events/?user={admin.pk}").json()
    about_yanis = client.get(f"/api/v1/audit-events/?member={yanis.pk}").json()
    guardians = client.get("/api/v1/audit-events/?kind=people.Guardian").json()
    tomorrow = client.get("/api/v1/audit-events/?since=2999-01-01").json()
    page = client.get(
        f"/journal-audit/?kind=people.Member&user={admin.email}&since={today}&until={today}"
    )
    wrong = client.get("/journal-audit/?user=personne@example.org")

    assert [(row["kind"], row["object_id"]) for row in by_admin["results"]] == [
        ("people.Member", str(lina.pk))
    ]
    assert {row["kind"] for row in about_yanis["results"]} == {"people.Member", "people.Guardian"}
    assert [row["kind"] for row in guardians["results"]] == ["people.Guardian"]
    assert tomorrow["count"] == 0
    assert page.status_code == 200
    assert "0611111111 → 0722222222" in page.content.decode()
    assert wrong.status_code == 400


def test_the_journal_is_paginated(cae_alpha: Cae) -> None:
    with tenant_context(cae_alpha):
        MemberFactory.create_batch(55)
    client = _admin_of(cae_alpha)

    first = client.get("/api/v1/audit-events/?kind=people.Member").json()
    second = client.get("/api/v1/audit-events/?kind=people.Member&page=2").json()
    page_two = client.get("/journal-audit/?kind=people.Member&page=2")

    assert first["count"] == 55
    assert len(first["results"]) == 50
    assert len(second["results"]) == 5
    ids = [row["event_id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids, reverse=True)
    assert "Page 2 sur 2" in page_two.content.decode()


def test_erasure_empties_the_trail_s_copies_of_the_member(cae_alpha: Cae) -> None:
    client = _admin_of(cae_alpha)
    lina = _member(cae_alpha, first_name="Lina", last_name="Le Goff", phone="0611111111")
    client.patch(
        f"/api/v1/members/{lina.pk}/", data={"phone": "0722222222"}, content_type="application/json"
    )
    with tenant_context(cae_alpha):
        GuardianFactory.create(member=lina, full_name="Anne Le Goff", phone="0633333333")
        Enrolment.objects.filter(member=lina).update(outcome_detail="CDI chez Garage Le Goff")
        member_erase(member=lina, by=None, reason="Demande de la personne")
        guardian_events = event_model_of(Guardian)
        enrolment_events = event_model_of(Enrolment)
        assert guardian_events is not None
        assert enrolment_events is not None
        copies = [
            *event_model_of(Member)._default_manager.filter(pgh_obj_id=lina.pk).values(),  # type: ignore[union-attr]
            *guardian_events._default_manager.filter(member_id=lina.pk).values(),
            *enrolment_events._default_manager.filter(member_id=lina.pk).values(),
        ]

    text = repr(copies)
    assert len(copies) >= 4
    for erased in ("Lina", "Le Goff", "0611111111", "0722222222", "0633333333", "CDI"):
        assert erased not in text, erased


def test_paths_are_recorded_without_their_secrets() -> None:
    assert masked_path("/factures/consulter/Zx8c3k9PqL2mN7vB4tY6wR1s/payer/") == (
        "/factures/consulter/…/payer/"
    )
    assert masked_path("/membres/12/") == "/membres/12/"


def test_the_context_costs_no_query(cae_alpha: Cae) -> None:
    """pghistory prepends its context to each write statement: a request that changes a member
    runs the same number of queries with the audit middleware as without it."""
    client = _admin_of(cae_alpha)
    lina = _member(cae_alpha, first_name="Lina", phone="0611111111")

    def queries(phone: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.patch(
                f"/api/v1/members/{lina.pk}/",
                data={"phone": phone},
                content_type="application/json",
            )
        assert response.status_code == 200
        return len(captured)

    queries("0700000000")  # the session's first use (binding it to its host) is not measured
    with modify_settings(
        MIDDLEWARE={"remove": "coopilote.audit.middleware.AuditContextMiddleware"}
    ):
        without = queries("0722222222")
    with_audit = queries("0733333333")

    assert with_audit == without
    print(f"\naudit context: {without} queries without, {with_audit} with (PATCH member)")
    with schema_context(cae_alpha.schema_name):
        assert [event.pgh_context is not None for event in _member_events(cae_alpha, lina)] == [
            False,
            True,
            True,  # set_config(..., true) lasts until the test's transaction ends
            True,
        ]


def test_a_page_costs_no_query_more_with_the_audit_and_host_checks(cae_alpha: Cae) -> None:
    """The members page, read by a CAE admin: as many queries without the two middlewares."""
    client = _admin_of(cae_alpha)
    _member(cae_alpha, first_name="Lina")
    client.get("/membres/")  # the session's first use binds it to its host: not measured

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/membres/").status_code == 200
        return len(captured)

    removed = [
        "coopilote.audit.middleware.AuditContextMiddleware",
        "coopilote.accounts.middleware.SessionHostMiddleware",
    ]
    with modify_settings(MIDDLEWARE={"remove": removed}):
        without = queries()
    with_both = queries()

    assert with_both == without
    print(f"\n/membres/: {without} queries without the audit and host checks, {with_both} with")
