"""Staff enrol coopérant·es in the web pages: a minor only with a parental authorisation."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import tenant_context
from pytest_django.fixtures import Settings

from coopilote.accounts.models import Membership, Role, User
from coopilote.tasking.models import OutboxMessage
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tenants.people.models import Committee, CommitteeSeat, Enrolment, Guardian, Member
from tests.conftest import grant, sign_in, site_client
from tests.tenants.people.factories import (
    NEXT_SUMMER,
    CohortFactory,
    MemberFactory,
    born_aged,
    pdf_upload,
)


@pytest.fixture(autouse=True)
def media_root(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES}
    return tmp_path


def _member_form(**overrides: str) -> dict[str, str]:
    return {
        "first_name": "Lina",
        "last_name": "Le Goff",
        "birth_date": str(born_aged(17)),
        "gender": "female",
        "postcode": "56000",
        "qpv_resident": "on",
        "status_at_entry": "school",
        "email": "",
        "phone": "",
        "emergency_contact_name": "Anne Le Goff",
        "emergency_contact_phone": "0600000000",
    } | overrides


def test_staff_enrol_a_minor_once_the_authorisation_is_recorded(
    cae_alpha: Cae, person: User
) -> None:
    grant(person, cae_alpha, Role.CAE_STAFF)
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
    client = site_client(cae_alpha)
    sign_in(client, person)

    bad = client.post("/membres/nouveau/", _member_form(postcode="5600"))
    created = client.post("/membres/nouveau/", _member_form())
    assert bad.status_code == 400
    assert 'value="Le Goff"' in bad.content.decode()  # what was typed is kept
    assert created.status_code == 302
    page = created["Location"]
    enrol = {"step": "enrol", "enrol-cohort": str(cohort.pk), "enrol-enrolled_on": str(NEXT_SUMMER)}

    refused = client.post(page, enrol)
    assert refused.status_code == 400
    assert "autorisation parentale signée" in refused.content.decode()
    with tenant_context(cae_alpha):
        assert not Enrolment.objects.exists()

    not_a_pdf = client.post(
        page,
        {
            "step": "guardian",
            "guardian-full_name": "Anne Le Goff",
            "guardian-relationship": "mère",
            "guardian-phone": "0600000000",
            "guardian-email": "",
            "guardian-authorisation_signed_on": "2026-06-01",
            "guardian-authorisation_file": pdf_upload("autorisation.pdf").__class__(
                "autorisation.pdf", b"juste du texte", content_type="application/pdf"
            ),
        },
    )
    assert not_a_pdf.status_code == 400
    with tenant_context(cae_alpha):
        assert not Guardian.objects.exists()

    recorded = client.post(
        page,
        {
            "step": "guardian",
            "guardian-full_name": "Anne Le Goff",
            "guardian-relationship": "mère",
            "guardian-phone": "0600000000",
            "guardian-email": "",
            "guardian-authorisation_signed_on": "2026-06-01",
            "guardian-authorisation_file": pdf_upload(),
        },
    )
    accepted = client.post(page, enrol)

    assert recorded.status_code == 302
    assert accepted.status_code == 302
    with tenant_context(cae_alpha):
        assert Enrolment.objects.get().member.first_name == "Lina"
    assert "CJS de Vannes" in client.get(page).content.decode()


def test_an_animateur_sees_only_their_cohorts_members(cae_alpha: Cae, person: User) -> None:
    with tenant_context(cae_alpha):
        mine, other = CohortFactory.create(name="A"), CohortFactory.create(name="B")
        lina = MemberFactory.create(first_name="Lina", birth_date=born_aged(18))
        yanis = MemberFactory.create(first_name="Yanis", birth_date=born_aged(18))
        Enrolment.objects.create(member=lina, cohort=mine, enrolled_on=NEXT_SUMMER)
        Enrolment.objects.create(member=yanis, cohort=other, enrolled_on=NEXT_SUMMER)
    grant(person, cae_alpha, Role.ANIMATEUR, mine.pk)
    client = site_client(cae_alpha)
    sign_in(client, person)

    listing = client.get("/membres/").content.decode()

    assert "Lina" in listing
    assert "Yanis" not in listing
    assert client.get(f"/membres/{lina.pk}/").status_code == 200
    assert client.get(f"/membres/{yanis.pk}/").status_code == 404
    # Seeing is not managing: no enrolment form, and a forged POST changes nothing.
    assert client.post(f"/membres/{lina.pk}/", {"step": "withdraw"}).status_code == 404
    assert client.get("/membres/nouveau/").status_code == 403


def test_a_member_of_beta_is_not_reachable_from_alpha(
    cae_alpha: Cae, cae_beta: Cae, person: User
) -> None:
    grant(person, cae_alpha, Role.CAE_STAFF)
    with tenant_context(cae_beta):
        member = MemberFactory.create()
    with tenant_context(cae_alpha):
        assert not Member.objects.filter(pk=member.pk).exists()
    client = site_client(cae_alpha)
    sign_in(client, person)

    assert client.get(f"/membres/{member.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.CAE_STAFF, ["Lina Le Goff"], []),
        (Role.MEMBER, ["Lina"], ["Le Goff"]),
        ("coordinator", ["1 inscription."], ["Lina", "Le Goff"]),
    ],
)
def test_the_cohort_page_shows_names_only_to_who_may_see_them(
    cae_alpha: Cae, person: User, role: str, shown: list[str], hidden: list[str]
) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
        lina = MemberFactory.create(birth_date=born_aged(18))
        Enrolment.objects.create(member=lina, cohort=cohort, enrolled_on=NEXT_SUMMER)
    if role == "coordinator":
        User.objects.filter(pk=person.pk).update(is_coordinator=True)
    else:
        grant(person, cae_alpha, role, cohort.pk if role == Role.MEMBER else None)
    client = site_client(cae_alpha)
    sign_in(client, person)

    page = client.get(f"/cooperatives/{cohort.pk}/").content.decode()

    for text in shown:
        assert text in page
    for text in hidden:
        assert text not in page


def _animateur_of_lina(cae: Cae, person: User) -> tuple[Client, Cohort, Member, Enrolment]:
    """Lina (18) enrolled in a cohort whose animateur·rice `person` is, signed in."""
    with tenant_context(cae):
        cohort = CohortFactory.create()
        lina = MemberFactory.create(birth_date=born_aged(18))
        enrolment = Enrolment.objects.create(member=lina, cohort=cohort, enrolled_on=NEXT_SUMMER)
    grant(person, cae, Role.ANIMATEUR, cohort.pk)
    client = site_client(cae)
    sign_in(client, person)
    return client, cohort, lina, enrolment


def test_the_animateur_runs_the_committees_and_their_rotation(cae_alpha: Cae, person: User) -> None:
    client, cohort, _lina, enrolment = _animateur_of_lina(cae_alpha, person)
    page = f"/cooperatives/{cohort.pk}/comites/"

    for kind, name in (("marketing", "Marketing"), ("finance", "Finances")):
        opened = client.post(
            page, {"step": "committee", "committee-kind": kind, "committee-name": name}
        )
        assert opened.status_code == 302
    duplicate = client.post(
        page, {"step": "committee", "committee-kind": "finance", "committee-name": "Finances"}
    )
    with tenant_context(cae_alpha):
        marketing, finance = (Committee.objects.get(name=n) for n in ("Marketing", "Finances"))
    first = client.post(
        page,
        {
            "step": "seat",
            "seat-committee": marketing.pk,
            "seat-enrolment": enrolment.pk,
            "seat-starts_on": "2027-07-01",
        },
    )
    rotation = client.post(
        page,
        {
            "step": "seat",
            "seat-committee": finance.pk,
            "seat-enrolment": enrolment.pk,
            "seat-starts_on": "2027-07-15",
        },
    )

    assert duplicate.status_code == 400
    assert (first.status_code, rotation.status_code) == (302, 302)
    with tenant_context(cae_alpha):
        seats = list(
            CommitteeSeat.objects.order_by("starts_on").values_list("committee__name", "ends_on")
        )
    assert seats == [("Marketing", datetime.date(2027, 7, 15)), ("Finances", None)]


def test_a_cooperant_cannot_manage_committees(cae_alpha: Cae, person: User) -> None:
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create()
    grant(person, cae_alpha, Role.MEMBER, cohort.pk)
    client = site_client(cae_alpha)
    sign_in(client, person)

    response = client.post(
        f"/cooperatives/{cohort.pk}/comites/",
        {"step": "committee", "committee-kind": "hr", "committee-name": "RH"},
    )

    assert response.status_code == 403
    with tenant_context(cae_alpha):
        assert not Committee.objects.exists()


def test_staff_give_an_enrolled_member_their_account(cae_alpha: Cae, person: User) -> None:
    """The coopérant·e gets an invitation and the member role in their cohort, their record
    names the account; a second account for the same person is refused, nothing kept."""
    grant(person, cae_alpha, Role.CAE_STAFF)
    with tenant_context(cae_alpha):
        cohort = CohortFactory.create(name="Coop d'été")
        lina = MemberFactory.create(first_name="Lina", birth_date=born_aged(17))
        enrolment = Enrolment.objects.create(member=lina, cohort=cohort, enrolled_on=NEXT_SUMMER)
    client = site_client(cae_alpha)
    sign_in(client, person)
    page = f"/membres/{lina.pk}/"

    def invite(email: str) -> int:
        form = {"step": "account", "account-email": email, "account-enrolment": enrolment.pk}
        return client.post(page, form).status_code

    assert "Coop d&#x27;été" in client.get(page).content.decode()  # the cohort offered
    assert invite("lina@example.org") == 302
    account = User.objects.get(email="lina@example.org")
    assert (
        Membership.objects.active()
        .filter(user=account, cae=cae_alpha, role=Role.MEMBER, cohort_id=cohort.pk)
        .exists()
    )
    assert OutboxMessage.objects.filter(task_name="registry.membership_invite").exists()
    with tenant_context(cae_alpha):
        lina.refresh_from_db()
    assert lina.user_id == account.pk
    assert "Se connecte avec lina@example.org." in client.get(page).content.decode()

    assert invite("lina@example.org") == 400  # already has the role
    assert invite("autre@example.org") == 400  # another account for the same person
    assert not User.objects.filter(email="autre@example.org").exists()


def test_only_staff_give_accounts(cae_alpha: Cae, person: User) -> None:
    client, _cohort, lina, enrolment = _animateur_of_lina(cae_alpha, person)
    form = {"step": "account", "account-email": "x@example.org", "account-enrolment": enrolment.pk}

    assert client.post(f"/membres/{lina.pk}/", form).status_code == 404
    assert not User.objects.filter(email="x@example.org").exists()
