"""A cohort's public page: invisible until published, without members' personal data, with its
services, approved photos and published testimonials only."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format
from django_tenants.utils import tenant_context

from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.people.models import Guardian
from tenants.showcase.models import PhotoStatus, ShowcasePhoto
from tenants.showcase.services import (
    client_testimonial_add,
    first_name_consent_set,
    page_save,
    page_set_published,
    photo_moderate,
    photo_upload,
)
from tests.conftest import World, site_client
from tests.tenants.commerce.factories import ClientFactory, enrolled_member
from tests.tenants.people.factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES
from tests.tenants.showcase.helpers import SLUG, published_page

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def test_a_hidden_page_is_a_404_and_a_published_one_is_public(world: World) -> None:
    with tenant_context(world.cae):
        page = published_page(world.cohort, published=False)
    visitor = world.client("anonymous")

    for path in (f"/c/{SLUG}/", f"/c/{SLUG}/demande-de-devis/", "/c/unknown/"):
        assert visitor.get(path).status_code == 404

    with tenant_context(world.cae):
        page_set_published(page=page, by=None, published=True)
    response = visitor.get(f"/c/{SLUG}/")
    assert response.status_code == 200
    assert visitor.get(f"/c/{SLUG}/demande-de-devis/").status_code == 200
    # Another CAE's site never shows it.
    assert (
        world.client("anonymous", Cae.objects.get(slug="beta")).get(f"/c/{SLUG}/").status_code
        == 404
    )

    with tenant_context(world.cae):
        page_set_published(page=page, by=None, published=False)
    assert visitor.get(f"/c/{SLUG}/").status_code == 404


def test_the_page_has_its_services_seo_tags_and_no_javascript(world: World) -> None:
    with tenant_context(world.cae):
        published_page(world.cohort)
    response = world.client("anonymous").get(f"/c/{SLUG}/")
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "<title>CJS de Vannes — Jardins, vitres et petits travaux</title>" in html
    assert '<meta name="description" content="CJS de Vannes : Jardins' in html
    assert (
        f'<link rel="canonical" href="http://{response.wsgi_request.get_host()}/c/{SLUG}/">' in html
    )
    assert "Tonte de pelouse" in html  # the cohort's service, with its price
    assert "€ / heure" in html or "€ / forfait" in html or "€ / unité" in html
    assert "Vannes et Séné" in html
    assert "<script" not in html
    english = world.client("anonymous")
    english.cookies["django_language"] = "en"
    assert '<html lang="en">' in english.get(f"/c/{SLUG}/").content.decode()


def _date_formats(date: datetime.date) -> list[str]:
    return [
        date.isoformat(),
        date.strftime("%d/%m/%Y"),
        date.strftime("%d/%m/%y"),
        date.strftime("%d.%m.%Y"),
        date.strftime("%Y%m%d"),
        date_format(date, "j F Y"),
        date_format(date, "DATE_FORMAT"),
    ]


def test_no_member_personal_data_appears_on_any_public_page(world: World) -> None:
    with tenant_context(world.cae):
        agreed = enrolled_member(world.cohort, first_name="Maëlys")
        agreed.last_name, agreed.email, agreed.phone = (
            "Kerbrat",
            "maelys.k@example.org",
            "0611223344",
        )
        agreed.save()
        silent = enrolled_member(world.cohort, first_name="Gwenola")
        silent.last_name, silent.email, silent.phone = "Le Bihan", "gwen@example.org", "0699887766"
        silent.save()
        Guardian.objects.create(
            member=silent,
            full_name="Yann Le Bihan",
            relationship="père",
            phone="0655443322",
            email="yann@example.org",
            authorisation_file=SimpleUploadedFile("a.pdf", PDF_BYTES),
            authorisation_signed_on=timezone.localdate(),
        )
        first_name_consent_set(cohort=world.cohort, member=agreed, given=True)
        withdrawn = enrolled_member(world.cohort, first_name="Erwann")
        first_name_consent_set(cohort=world.cohort, member=withdrawn, given=True)
        first_name_consent_set(cohort=world.cohort, member=withdrawn, given=False)
        published_page(world.cohort)
        members = [agreed, silent, withdrawn]
    visitor = world.client("anonymous")
    pages = [
        visitor.get(f"/c/{SLUG}/").content.decode(),
        visitor.get(f"/c/{SLUG}/demande-de-devis/").content.decode(),
        visitor.get(f"/c/{SLUG}/demande-de-devis/merci/").content.decode(),
        site_directory(world),
    ]
    assert "Maëlys" in pages[0]  # she agreed
    for html in pages:
        assert "Gwenola" not in html
        assert "Erwann" not in html
        for member in members:
            assert member.last_name not in html
            for written in _date_formats(member.birth_date):
                assert written not in html
            for contact in (member.email, member.phone, member.emergency_contact_phone):
                if contact:
                    assert contact not in html
        for guardian_detail in ("Yann", "0655443322", "yann@example.org"):
            assert guardian_detail not in html


def site_directory(world: World) -> str:
    return site_client(None).get("/cooperatives/").content.decode()


def test_photos_are_public_only_once_approved(world: World) -> None:
    with tenant_context(world.cae):
        published_page(world.cohort)
        member = world.personas["coop_member"]
        pending = photo_upload(
            cohort=world.cohort,
            by=member,
            image=SimpleUploadedFile("haie.jpg", JPEG_BYTES, content_type="image/jpeg"),
            caption="La haie de Mme Le Roux",
        )
        assert pending.status == PhotoStatus.PENDING
        stored_name = str(pending.image.name)
        assert stored_name.startswith("showcase/")
        assert stored_name.endswith(".jpg")
        assert "haie" not in stored_name  # a random name
    visitor = world.client("anonymous")
    assert "La haie de Mme Le Roux" not in visitor.get(f"/c/{SLUG}/").content.decode()
    assert visitor.get(f"/c/{SLUG}/photos/{pending.pk}/").status_code == 404

    # A member cannot moderate; the animateur can.
    url = f"/cooperatives/{world.cohort.pk}/page-publique/photos/"
    refused = world.client("coop_member").post(url, {"photo": pending.pk, "decision": "approve"})
    assert refused.status_code == 403
    with tenant_context(world.cae):
        assert ShowcasePhoto.objects.get(pk=pending.pk).status == PhotoStatus.PENDING
    animateur = world.client("animateur")
    assert animateur.get(url).status_code == 200
    approved = animateur.post(url, {"photo": pending.pk, "decision": "approve"})
    assert approved.status_code == 302

    assert "La haie de Mme Le Roux" in visitor.get(f"/c/{SLUG}/").content.decode()
    image = visitor.get(f"/c/{SLUG}/photos/{pending.pk}/")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"
    assert image.content == JPEG_BYTES


def test_a_rejected_photo_stays_private_and_uploads_are_judged_by_their_bytes(
    world: World,
) -> None:
    with tenant_context(world.cae):
        published_page(world.cohort)
        photo = photo_upload(
            cohort=world.cohort,
            by=world.personas["coop_member"],
            image=SimpleUploadedFile("vitres.png", PNG_BYTES, content_type="image/png"),
        )
        photo_moderate(photo=photo, by=world.personas["animateur"], approve=False)
    assert world.client("anonymous").get(f"/c/{SLUG}/photos/{photo.pk}/").status_code == 404

    manage = f"/cooperatives/{world.cohort.pk}/page-publique/"
    member = world.client("coop_member")
    disguised = SimpleUploadedFile("photo.jpg", PDF_BYTES, content_type="image/jpeg")
    response = member.post(manage, {"action": "photo", "image": disguised, "caption": "x"})
    assert response.status_code == 400
    assert "JPEG ou PNG" in response.content.decode()
    with tenant_context(world.cae):
        assert ShowcasePhoto.objects.filter(cohort=world.cohort).count() == 1


def test_only_published_testimonials_of_consenting_clients_show(world: World) -> None:
    with tenant_context(world.cae):
        published_page(world.cohort)
        client = ClientFactory.create(name="Mairie de Séné")
        client_testimonial_add(
            cohort=world.cohort,
            client=client,
            text="Un travail soigné et des jeunes motivés.",
            consent_given_on=timezone.localdate(),
            is_published=True,
        )
        client_testimonial_add(
            cohort=world.cohort,
            client=client,
            text="Pas encore relu.",
            consent_given_on=timezone.localdate(),
            is_published=False,
        )
    html = world.client("anonymous").get(f"/c/{SLUG}/").content.decode()
    assert "Un travail soigné et des jeunes motivés." in html
    assert "Mairie de Séné" in html
    assert "Pas encore relu." not in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("coop_member", 200),
        ("animateur", 200),
        ("staff", 200),
        ("other_member", 404),
        ("other_animateur", 404),
        ("other_cae_staff", 403),
    ],
)
def test_who_manages_the_page(world: World, persona: str, status: int) -> None:
    response = world.client(persona).get(f"/cooperatives/{world.cohort.pk}/page-publique/")
    assert response.status_code == status


def test_the_marketing_committee_edits_and_publishes_its_page(world: World) -> None:
    member = world.client("coop_member")
    manage = f"/cooperatives/{world.cohort.pk}/page-publique/"
    response = member.post(
        manage,
        {"action": "save", "slug": "belle-coop", "headline": "Nos services", "area_served": ""},
    )
    assert response.status_code == 302
    assert world.client("anonymous").get("/c/belle-coop/").status_code == 404
    assert member.post(manage, {"action": "publish"}).status_code == 302
    assert world.client("anonymous").get("/c/belle-coop/").status_code == 200

    # Another cohort cannot take the same address.
    with tenant_context(world.cae), pytest.raises(ApplicationError):
        page_save(cohort=world.other_cohort, by=None, slug="belle-coop", headline="x")


def test_the_committee_records_first_name_consents_and_testimonials(world: World) -> None:
    with tenant_context(world.cae):
        published_page(world.cohort)
        agreed = enrolled_member(world.cohort, first_name="Soizic")
        client = ClientFactory.create(name="Crêperie du Port", cohort=world.cohort)
    manage = f"/cooperatives/{world.cohort.pk}/page-publique/"
    member = world.client("coop_member")
    visitor = world.client("anonymous")
    assert "Soizic" not in visitor.get(f"/c/{SLUG}/").content.decode()

    assert member.post(manage, {"action": "consent-give", "member": agreed.pk}).status_code == 302
    assert "Soizic" in visitor.get(f"/c/{SLUG}/").content.decode()
    member.post(manage, {"action": "consent-withdraw", "member": agreed.pk})
    assert "Soizic" not in visitor.get(f"/c/{SLUG}/").content.decode()
    assert member.post(manage, {"action": "consent-give", "member": "x"}).status_code == 404

    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    refused = member.post(
        manage,
        {
            "action": "testimonial",
            "client": client.pk,
            "text": "Parfait",
            "consent_given_on": future,
        },
    )
    assert refused.status_code == 400
    assert "Parfait" in refused.content.decode()  # what was typed stays
    added = member.post(
        manage,
        {
            "action": "testimonial",
            "client": client.pk,
            "text": "Des galettes et des vitres impeccables.",
            "consent_given_on": timezone.localdate().isoformat(),
        },
    )
    assert added.status_code == 302
    assert "Des galettes et des vitres impeccables." in visitor.get(f"/c/{SLUG}/").content.decode()
