"""A person signs in on their CAE's site in a real browser and sees its home page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Page, expect

from coopilote.accounts.models import Membership, Role, User
from coopilote.accounts.otp import totp_device_set
from network.registry.models import Cae
from tests.e2e.conftest import outside_event_loop

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "nolwenn@example.org", "un-mot-de-passe-solide"
TOTP_SECRET = "NOLWENNTOTPKEYNOLWENNTOTPKEY2345"


@pytest.fixture
def committed_person(django_db_blocker: Any) -> Iterator[str]:
    def create() -> None:
        User.objects.filter(email=EMAIL).delete()
        user = User.objects.create_user(EMAIL, PASSWORD, first_name="Nolwenn")
        Membership.objects.create(user=user, cae=Cae.objects.get(slug="alpha"), role=Role.CAE_STAFF)
        totp_device_set(user=user, secret=TOTP_SECRET)  # staff must use 2FA

    def remove() -> None:
        User.objects.filter(email=EMAIL).delete()

    with django_db_blocker.unblock():
        outside_event_loop(create)
        yield EMAIL
        outside_event_loop(remove)


def test_sign_in_and_see_the_cae_home(page: Page, web_server: str, committed_person: str) -> None:
    page.goto(f"http://alpha.localhost:{web_server}/")
    expect(page.locator("h1")).to_have_text("CAE Alpha")

    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_label("Adresse e-mail").fill(committed_person)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text("Double authentification")
    page.get_by_label("Code à 6 chiffres ou code de secours").fill(pyotp.TOTP(TOTP_SECRET).now())
    page.get_by_role("button", name="Valider").click()

    expect(page.locator("h1")).to_have_text("CAE Alpha")
    expect(page.get_by_role("heading", name="Coopératives")).to_be_visible()
    expect(page.locator(".who")).to_have_text(committed_person)


def test_wrong_password_keeps_the_email_and_says_why(
    page: Page, web_server: str, committed_person: str
) -> None:
    page.goto(f"http://alpha.localhost:{web_server}/connexion/")
    page.get_by_label("Adresse e-mail").fill(committed_person)
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(committed_person)
