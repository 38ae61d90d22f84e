"""Password reset: a single-use link valid one day; the answer never tells if an address exists."""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail

from coopilote.accounts.models import User
from network.registry.models import Cae
from tests.conftest import account, site_client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-tout-nouveau-mot-de-passe"


def _ask(cae: Cae, email: str) -> str:
    response = site_client(cae).post("/mot-de-passe/oublie/", {"email": email})
    assert response.status_code == 302
    page = site_client(cae).get(response["Location"]).content.decode()
    return re.sub(r'(nonce="|"X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+', "", page)


def _link(cae: Cae, email: str) -> str:
    mail.outbox.clear()
    _ask(cae, email)
    (message,) = mail.outbox
    match = re.search(r"http://[^/\s]+(/mot-de-passe/nouveau/\S+/)", str(message.body))
    assert match, message.body
    return match[1]


def test_the_login_page_offers_a_reset(cae_alpha: Cae) -> None:
    page = site_client(cae_alpha).get("/connexion/").content.decode()

    assert 'href="/mot-de-passe/oublie/"' in page
    assert "Mot de passe oublié ?" in page


def test_the_answer_is_the_same_whether_the_address_exists_or_not(cae_alpha: Cae) -> None:
    account("connue@example.org")
    mail.outbox.clear()

    known = _ask(cae_alpha, "connue@example.org")
    unknown = _ask(cae_alpha, "inconnue@example.org")

    assert known == unknown
    assert "Si un compte existe pour cette adresse" in known
    assert [message.to for message in mail.outbox] == [["connue@example.org"]]
    assert "expire après un jour" in mail.outbox[0].body


def test_a_reset_link_works_once(cae_alpha: Cae) -> None:
    user = account("oublieuse@example.org")
    link = _link(cae_alpha, user.email)
    client = site_client(cae_alpha)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    changed = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    reused = site_client(cae_alpha).get(link, follow=True)

    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "Ce lien n'est plus valable" in reused.content.decode()


def test_a_forged_link_fails(cae_alpha: Cae) -> None:
    user = account("cible-reset@example.org")
    link = _link(cae_alpha, user.email)
    forged = re.sub(r"/([^/]+)/$", "/cafe-0123456789abcdef/", link)

    page = site_client(cae_alpha).get(forged, follow=True).content.decode()

    assert "Ce lien n'est plus valable" in page
    assert "new_password1" not in page


def test_a_link_expires_after_one_day(cae_alpha: Cae) -> None:
    user = account("lente@example.org")
    link = _link(cae_alpha, user.email)
    later = PasswordResetTokenGenerator()._now() + datetime.timedelta(days=1, minutes=1)

    with mock.patch.object(PasswordResetTokenGenerator, "_now", return_value=later):
        page = site_client(cae_alpha).get(link, follow=True).content.decode()

    assert "Ce lien n'est plus valable" in page


def test_an_invited_account_without_a_password_gets_no_reset_email(cae_alpha: Cae) -> None:
    invited = User(email="invitee-reset@example.org")
    invited.set_unusable_password()
    invited.save()
    mail.outbox.clear()

    _ask(cae_alpha, invited.email)

    assert mail.outbox == []
