"""Season reports' pages: CAE admins and staff write and submit their cohorts' reports on their
site; the coordination reviews them on the national site; photos are served only to them."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from coopilote.accounts.models import User
from network.indicators.models import CohortFact
from network.registry.models import Cae
from network.reports.models import MAX_PHOTO_SIZE, ReportStatus, SeasonReport, SeasonReportPhoto
from network.reports.services import report_photo_add, report_save_draft, report_submit
from tests.conftest import World, sign_in, site_client
from tests.network.test_reports import JPEG, TODAY, cohort_fact

pytestmark = pytest.mark.django_db


def _user(world: World, persona: str) -> User:
    user = world.personas[persona]
    assert isinstance(user, User)
    return user


def national(world: World, persona: str) -> Client:
    client = site_client(None)
    sign_in(client, _user(world, persona))
    return client


@pytest.fixture
def ended(world: World) -> CohortFact:
    return cohort_fact(world.cae, world.cohort.pk, ends_on=TODAY - datetime.timedelta(days=10))


def _photo(content: bytes = JPEG, name: str = "ete.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def _submitted_with_photo(world: World) -> tuple[SeasonReport, SeasonReportPhoto]:
    staff = _user(world, "staff")
    added = report_photo_add(cae=world.cae, cohort_id=world.cohort.pk, image=_photo(), by=staff)
    report = report_submit(cae=world.cae, cohort_id=world.cohort.pk, by=staff, narrative="Texte")
    return report, added


# --- A CAE's site -------------------------------------------------------------------------


def test_staff_see_their_cohorts_reports_with_due_dates_and_lateness_in_words(
    world: World, ended: CohortFact
) -> None:
    cohort_fact(
        world.cae,
        world.other_cohort.pk,
        ends_on=TODAY - datetime.timedelta(days=40),
        name="CJS d'Auray",
    )

    response = world.client("staff").get("/bilans/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "CJS de Vannes" in page
    assert "CJS d&#x27;Auray" in page
    assert (ended.ends_on + datetime.timedelta(days=30)).strftime("%d/%m/%Y") in page
    assert page.count("En retard") == 1  # Auray only, said in words
    assert 'href="/bilans/"' in page  # the navigation link


def test_staff_write_illustrate_and_submit_a_report_through_the_pages(
    world: World, ended: CohortFact
) -> None:
    staff = world.client("cae_admin")
    url = f"/bilans/cooperatives/{world.cohort.pk}/"

    preview = staff.get(url)
    assert preview.status_code == 200
    assert "4\u202f500,00\u00a0€" in preview.content.decode()  # today's figures, as a preview
    response = staff.post(url, {"step": "save", "narrative": "Premier jet"})
    assert response.status_code == 302
    response = staff.post(url, {"step": "photo", "image": _photo(), "caption": "Le stand"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    response = staff.post(url, {"step": "submit", "narrative": "La saison complète"})
    assert response.status_code == 302

    report = SeasonReport.objects.get(cae=world.cae, cohort_id=world.cohort.pk)
    assert (report.status, report.narrative, report.photos.count()) == (
        ReportStatus.SUBMITTED,
        "La saison complète",
        1,
    )
    page = staff.get(url).content.decode()
    assert "tels que remis" in page
    assert 'name="narrative"' not in page  # no longer editable
    response = staff.post(url, {"step": "save", "narrative": "Retouche"}, follow=True)
    assert "attend la coordination nationale" in response.content.decode()
    report.refresh_from_db()
    assert report.narrative == "La saison complète"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7 un document", "pas une photo JPEG ou PNG"),
        (JPEG + b"\x00" * MAX_PHOTO_SIZE, "trop lourde : 5 Mo au maximum"),
    ],
)
def test_a_bad_photo_is_refused_with_a_clear_400(
    world: World, ended: CohortFact, content: bytes, message: str
) -> None:
    response = world.client("staff").post(
        f"/bilans/cooperatives/{world.cohort.pk}/",
        {"step": "photo", "image": _photo(content, "photo.jpg")},
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SeasonReportPhoto.objects.exists()


def test_submitting_without_a_narrative_is_a_400_naming_it(world: World, ended: CohortFact) -> None:
    response = world.client("staff").post(
        f"/bilans/cooperatives/{world.cohort.pk}/", {"step": "submit", "narrative": ""}
    )

    assert response.status_code == 400
    assert "Rédigez le bilan de la saison avant de le remettre." in response.content.decode()
    assert not SeasonReport.objects.filter(status=ReportStatus.SUBMITTED).exists()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("coop_member", 403),
        ("animateur", 403),
        ("coordinator", 403),
        ("other_cae_staff", 403),
        ("stranger", 403),
        ("staff", 200),
    ],
)
def test_only_the_cae_s_admins_and_staff_reach_its_report_pages(
    world: World, ended: CohortFact, persona: str, expected: int
) -> None:
    client = world.client(persona)

    for url in ("/bilans/", f"/bilans/cooperatives/{world.cohort.pk}/"):
        assert client.get(url).status_code == expected, url
    response = client.post(
        f"/bilans/cooperatives/{world.cohort.pk}/", {"step": "save", "narrative": "Intrus"}
    )
    if expected == 200:
        assert response.status_code == 302
        assert SeasonReport.objects.get().narrative == "Intrus"
    else:
        assert response.status_code == expected
        assert not SeasonReport.objects.exists()


def test_a_cae_cannot_reach_another_cae_s_report_or_photo(
    world: World, ended: CohortFact, cae_beta: Cae
) -> None:
    cohort_fact(cae_beta, 9001, ends_on=TODAY - datetime.timedelta(days=3))
    beta_photo = report_photo_add(
        cae=cae_beta, cohort_id=9001, image=_photo(), by=_user(world, "other_cae_staff")
    )
    report_save_draft(cae=world.cae, cohort_id=world.cohort.pk, narrative="Alpha")
    staff = world.client("staff")

    assert staff.get("/bilans/cooperatives/9001/").status_code == 404
    assert staff.post("/bilans/cooperatives/9001/", {"step": "save"}).status_code == 404
    assert (
        staff.get(f"/bilans/cooperatives/{world.cohort.pk}/photos/{beta_photo.pk}/").status_code
        == 404
    )
    assert staff.get(f"/bilans/cooperatives/9001/photos/{beta_photo.pk}/").status_code == 404


# --- Photos are served only to the people allowed -----------------------------------------


def test_a_photo_is_served_only_to_the_cae_s_staff_and_the_coordination(
    world: World, ended: CohortFact
) -> None:
    report, added = _submitted_with_photo(world)
    cae_url = f"/bilans/cooperatives/{world.cohort.pk}/photos/{added.pk}/"
    national_url = f"/bilans/{report.pk}/photos/{added.pk}/"

    response = world.client("staff").get(cae_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == JPEG
    assert "private" in response["Cache-Control"]
    assert national(world, "coordinator").get(national_url).content == JPEG

    assert world.client("anonymous").get(cae_url).status_code == 302
    assert world.client("coop_member").get(cae_url).status_code == 403
    assert world.client("coordinator").get(cae_url).status_code == 403
    assert national(world, "staff").get(national_url).status_code == 403
    assert national(world, "other_cae_staff").get(national_url).status_code == 403
    assert site_client(None).get(national_url).status_code == 302


def test_the_coordination_does_not_see_a_draft_s_photos(world: World, ended: CohortFact) -> None:
    added = report_photo_add(
        cae=world.cae, cohort_id=world.cohort.pk, image=_photo(), by=_user(world, "staff")
    )

    response = national(world, "coordinator").get(f"/bilans/{added.report_id}/photos/{added.pk}/")

    assert response.status_code == 404


# --- The national site --------------------------------------------------------------------


def test_the_coordination_sees_completeness_with_late_caes_in_words(world: World) -> None:
    cohort_fact(world.cae, 1001, ends_on=TODAY - datetime.timedelta(days=45), name="En retard")
    cohort_fact(world.cae, 1002, ends_on=TODAY - datetime.timedelta(days=5), name="Récente")
    report_submit(cae=world.cae, cohort_id=1002, by=_user(world, "staff"), narrative="Fait")

    response = national(world, "coordinator").get("/bilans/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<strong class="errors">1 en retard</strong>' in page
    assert "Récente" in page  # waiting for a decision
    assert 'href="/bilans/"' in page  # the navigation link


def test_a_bad_year_is_a_400_page_saying_so(world: World) -> None:
    response = national(world, "coordinator").get("/bilans/?year=deux-mille")

    assert response.status_code == 400
    assert "Année inconnue : deux-mille." in response.content.decode()


@pytest.mark.parametrize("persona", ["staff", "cae_admin", "coop_member", "stranger"])
def test_only_the_coordination_reaches_the_national_report_pages(
    world: World, ended: CohortFact, persona: str
) -> None:
    report, _added = _submitted_with_photo(world)
    client = national(world, persona)

    assert client.get("/bilans/").status_code == 403
    assert client.get(f"/bilans/{report.pk}/").status_code == 403
    assert client.post(f"/bilans/{report.pk}/", {"step": "approve"}).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_the_coordination_sends_back_then_approves_a_report(
    world: World, ended: CohortFact
) -> None:
    report, _added = _submitted_with_photo(world)
    coordinator = national(world, "coordinator")
    url = f"/bilans/{report.pk}/"

    page = coordinator.get(url).content.decode()
    assert "Texte" in page
    assert f"/bilans/{report.pk}/photos/" in page
    assert "tels que remis" in page

    response = coordinator.post(url, {"step": "return", "return-comment": ""})
    assert response.status_code == 400
    response = coordinator.post(url, {"step": "return", "return-comment": "Ajoutez le CA."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.review_comment) == (ReportStatus.RETURNED, "Ajoutez le CA.")

    staff_page = world.client("staff").get(f"/bilans/cooperatives/{world.cohort.pk}/")
    assert "Ajoutez le CA." in staff_page.content.decode()
    report_submit(cae=world.cae, cohort_id=world.cohort.pk, by=_user(world, "staff"))

    response = coordinator.post(url, {"step": "approve", "approve-comment": ""})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    page = coordinator.get(url).content.decode()
    assert "Approuver le bilan" not in page
    response = coordinator.post(url, {"step": "approve"}, follow=True)
    assert "attend pas de décision" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
