"""The other walls between CAEs: cache keys, session cookies, uploaded files, tasks."""

from __future__ import annotations

import datetime
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.request import Request

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from coopilote.accounts.models import Role
from coopilote.accounts.otp import otp_session_mark_verified
from coopilote.celery import app as celery_app
from coopilote.tasking.base import CoopiloteTask, MissingTenantError
from network.registry.models import Cae
from tenants.ledger.services import purchase_request
from tests.conftest import PASSWORD, World, account, grant, sign_in, site_client
from tests.tenants.people.factories import PDF_BYTES, GuardianFactory

pytestmark = pytest.mark.django_db


def test_a_cache_key_set_for_one_cae_is_a_miss_for_another(cae_alpha: Cae, cae_beta: Cae) -> None:
    with tenant_context(cae_alpha):
        cache.set("tableau-de-bord", "chiffres d'alpha")
        key = cache.make_key("tableau-de-bord")

    with tenant_context(cae_beta):
        assert cache.get("tableau-de-bord") is None
        cache.set("tableau-de-bord", "chiffres de beta")
    with tenant_context(cae_alpha):
        assert cache.get("tableau-de-bord") == "chiffres d'alpha"
    assert key.startswith(f"{cae_alpha.schema_name}:")
    cache.delete_many(["tableau-de-bord"])


class _CookieResponse:
    """What http.cookiejar reads from a response: its Set-Cookie headers."""

    def __init__(self, headers: list[str]) -> None:
        self._headers = headers

    def info(self) -> Any:
        return self

    def get_all(self, name: str, default: list[str]) -> list[str]:
        return self._headers if name.lower() == "set-cookie" else default


def test_the_session_cookie_is_host_only_and_a_browser_never_sends_it_to_another_cae(
    cae_alpha: Cae, cae_beta: Cae
) -> None:
    user = account("hote@example.org")
    grant(user, cae_alpha, Role.CAE_STAFF)
    alpha = site_client(cae_alpha)

    signed_in = alpha.post(
        "/connexion/", data={"username": user.email, "password": PASSWORD}, follow=False
    )

    assert signed_in.status_code == 302
    assert settings.SESSION_COOKIE_DOMAIN is None
    cookie = signed_in.cookies[settings.SESSION_COOKIE_NAME]
    session = alpha.session
    otp_session_mark_verified(session, user=user)  # staff's second factor, as the page does
    session.save()
    assert cookie.value
    assert not cookie["domain"]  # no Domain attribute: the cookie is host-only
    # A browser's cookie rules (RFC 6265, as Python implements them): set by alpha's host, sent
    # back to alpha's host only.
    jar = CookieJar()
    alpha_host, beta_host = (f"{cae.slug}.localhost" for cae in (cae_alpha, cae_beta))
    jar.extract_cookies(
        _CookieResponse([cookie.OutputString()]),  # type: ignore[arg-type]
        Request(f"http://{alpha_host}/connexion/"),
    )
    for host, sent in ((alpha_host, True), (beta_host, False), ("localhost", False)):
        request = Request(f"http://{host}/")
        jar.add_cookie_header(request)
        assert (settings.SESSION_COOKIE_NAME in (request.get_header("Cookie") or "")) is sent, host
    # Carried over by hand, the session opens nothing at beta: its person has no role there.
    beta = site_client(cae_beta)
    beta.cookies[settings.SESSION_COOKIE_NAME] = cookie.value
    assert beta.get("/api/v1/cohorts/").status_code == 403
    assert alpha.get("/api/v1/cohorts/").status_code == 200


def _purchase_with_receipt(world: World) -> Any:
    with tenant_context(world.cae):
        return purchase_request(
            cohort=world.cohort,
            by=world.personas["staff"],
            description="Peinture",
            supplier="Brico Vannes",
            category="materials",
            amount_incl_vat=Decimal("36.00"),
            vat_amount=Decimal("6.00"),
            receipt=SimpleUploadedFile("ticket.pdf", PDF_BYTES, content_type="application/pdf"),
        )


def test_an_uploaded_receipt_lives_under_its_cae_and_is_served_after_a_permission_check(
    world: World, cae_beta: Cae
) -> None:
    purchase = _purchase_with_receipt(world)
    stored = Path(settings.MEDIA_ROOT) / world.cae.schema_name / purchase.receipt.name
    assert stored.read_bytes() == PDF_BYTES
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT) / "cae_alpha")
    beta_staff = account("beta-staff@example.org")
    grant(beta_staff, cae_beta, Role.CAE_STAFF)
    paths = (
        f"/achats/{purchase.pk}/justificatif/",
        f"/api/v1/purchases/{purchase.pk}/receipt/",
    )

    for path in paths:
        allowed = world.client("staff").get(path)
        assert allowed.status_code == 200, path
        assert allowed.content == PDF_BYTES
        for refused in (world.client("anonymous"), world.client("other_cae_staff")):
            response = refused.get(path)
            assert response.status_code in {302, 403, 404}, path
            assert PDF_BYTES not in response.content
        beta = site_client(world.cae)
        sign_in(beta, beta_staff)
        assert beta.get(path).status_code == 403, path
        # The same purchase number at beta is beta's own (there is none): never alpha's file.
        assert world.client("other_cae_staff", cae_beta).get(path).status_code == 404
    # The media folder itself is never served: files go out through their views only.
    media_url = f"{settings.MEDIA_URL}{world.cae.schema_name}/{purchase.receipt.name}"
    assert world.client("staff").get(media_url).status_code == 404


def test_a_parental_authorisation_is_stored_under_its_cae(world: World) -> None:
    with tenant_context(world.cae):
        guardian = GuardianFactory.create(authorisation_signed_on=datetime.date(2026, 6, 1))
    stored = Path(settings.MEDIA_ROOT) / world.cae.schema_name / guardian.authorisation_file.name
    assert stored.is_file()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT) / "cae_alpha")


def test_every_task_of_a_cae_refuses_to_run_without_its_cae() -> None:
    """Every task registered by a per-CAE app (a new one included) is tenant-scoped: sent
    without its CAE, it fails loudly instead of running in the public schema."""
    celery_app.loader.import_default_modules()
    tenant_tasks = [
        task
        for name, task in celery_app.tasks.items()
        if not name.startswith("celery.") and task.__module__.startswith("tenants.")
    ]

    assert len(tenant_tasks) >= 5
    for task in tenant_tasks:
        assert isinstance(task, CoopiloteTask), task.name
        assert task.tenant_scoped, task.name
        with pytest.raises(MissingTenantError):
            task.apply(throw=True)
