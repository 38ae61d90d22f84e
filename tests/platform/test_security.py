"""Account and HTTP security: hashing, brute force, sessions, headers, production start-up."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.utils import timezone

from coopilote.accounts.models import Role, User
from network.registry.models import Cae
from tests.conftest import PASSWORD, account, grant, sign_in, site_client

pytestmark = pytest.mark.django_db

WRONG = "pas-le-bon-mot-de-passe"


def _production(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter with the production settings loaded."""
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "coopilote.settings.production", **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "DJANGO_SECRET_KEY": "x" * 60,
    "DATABASE_URL": "postgres://coopilote@db.internal:5432/coopilote",
    "EMAIL_URL": "smtp+tls://coopilote:secret@smtp.example.org:587",
    "COOPILOTE_BASE_HOST": "coopilote.example.org",
}


# --- Password hashing ---


def test_production_hashes_passwords_with_argon2_and_still_reads_pbkdf2() -> None:
    result = _production(
        "from django.conf import settings as s; "
        "from django.contrib.auth.hashers import make_password; "
        "print(s.PASSWORD_HASHERS[0]); print(s.PASSWORD_HASHERS[1]); "
        "print(make_password('un-mot-de-passe').split('$')[0])",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    first, second, prefix = result.stdout.split()
    assert first == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert second == "django.contrib.auth.hashers.PBKDF2PasswordHasher"
    assert prefix == "argon2"


@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
)
def test_an_old_pbkdf2_hash_still_signs_in_and_is_upgraded_to_argon2() -> None:
    user = account("ancienne@example.org")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    assert user.check_password(PASSWORD)
    user.refresh_from_db()
    assert user.password.startswith("argon2")


# --- Brute force (django-axes) ---


def _attempt(client: Client, email: str, password: str, ip: str = "203.0.113.7") -> int:
    response = client.post("/connexion/", {"username": email, "password": password}, REMOTE_ADDR=ip)
    return response.status_code


def test_five_wrong_passwords_lock_that_email_from_that_address(cae_alpha: Cae) -> None:
    user = account("cible@example.org")
    client = site_client(cae_alpha)

    statuses = [_attempt(client, user.email, WRONG) for _ in range(5)]
    locked = client.post(
        "/connexion/", {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7"
    )

    assert statuses[:4] == [200, 200, 200, 200]
    assert locked.status_code == 429  # the right password is refused while locked
    assert "_auth_user_id" not in client.session
    page = locked.content.decode()
    assert "Trop de tentatives de connexion échouées" in page
    assert "15 minutes" in page
    # Another address, or another account from the same address, is not locked.
    assert _attempt(site_client(cae_alpha), user.email, PASSWORD, ip="198.51.100.9") == 302
    other = account("voisine@example.org")
    assert _attempt(site_client(cae_alpha), other.email, PASSWORD) == 302


def test_the_lock_lifts_after_the_cool_off(cae_alpha: Cae) -> None:
    user = account("patiente@example.org")
    for _ in range(5):
        _attempt(site_client(cae_alpha), user.email, WRONG)
    assert _attempt(site_client(cae_alpha), user.email, PASSWORD) == 429

    later = timezone.now() + datetime.timedelta(minutes=16)
    with (  # the clock django-axes reads, 16 minutes later
        mock.patch("axes.handlers.proxy.now", return_value=later),
        mock.patch("axes.attempts.now", return_value=later),
    ):
        assert _attempt(site_client(cae_alpha), user.email, PASSWORD) == 302


def test_a_successful_sign_in_resets_the_failure_count(cae_alpha: Cae) -> None:
    user = account("distraite@example.org")
    for _ in range(4):
        _attempt(site_client(cae_alpha), user.email, WRONG)
    assert _attempt(site_client(cae_alpha), user.email, PASSWORD) == 302
    for _ in range(4):
        assert _attempt(site_client(cae_alpha), user.email, WRONG) == 200
    assert _attempt(site_client(cae_alpha), user.email, PASSWORD) == 302


def test_the_national_site_locks_too() -> None:
    user = account("nationale@example.org")
    for _ in range(5):
        _attempt(site_client(), user.email, WRONG)
    assert _attempt(site_client(), user.email, PASSWORD) == 429


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw() -> None:
    from django.test import RequestFactory

    from coopilote.accounts.security import client_ip_behind_proxy

    forged = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", REMOTE_ADDR="10.0.0.2"
    )
    direct = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")

    assert client_ip_behind_proxy(forged) == "203.0.113.7"
    assert client_ip_behind_proxy(direct) == "10.0.0.2"


# --- Sessions ---


def test_sessions_expire_and_cookies_are_http_only_and_same_site(cae_alpha: Cae) -> None:
    user = account("session@example.org")
    client = site_client(cae_alpha)
    client.post("/connexion/", {"username": user.email, "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]

    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["domain"]  # host-only: one sign-in per site
    assert int(cookie["max-age"]) == 8 * 60 * 60


def test_sign_out_clears_the_session(cae_alpha: Cae) -> None:
    user = account("sortie@example.org")
    grant(user, cae_alpha, Role.CAE_STAFF)
    client = sign_in(site_client(cae_alpha), user)
    assert client.get("/").status_code == 200

    client.post("/deconnexion/")

    assert "_auth_user_id" not in client.session
    assert "coopilote_otp_verified" not in client.session


def test_production_cookies_are_secure_and_host_only() -> None:
    result = _production(
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_NAME, s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_SSL_REDIRECT)",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "__Host-sessionid", "True", "True"]


# --- Headers ---


def test_pages_carry_a_nonce_csp_and_deny_framing(cae_alpha: Cae) -> None:
    response = site_client(cae_alpha).get("/connexion/")
    policy = response["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "'nonce-" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# --- Production refuses to start without its secrets ---


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "EMAIL_URL"])
def test_production_refuses_to_start_without_each_secret(missing: str) -> None:
    environment = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = _production("pass", **environment)

    assert result.returncode != 0
    assert missing in result.stderr


def test_production_settings_give_no_secret_a_default() -> None:
    source = (settings.BASE_DIR / "platform/coopilote/settings/production.py").read_text()
    for variable in ("DJANGO_SECRET_KEY",):
        assert f'env.str("{variable}")' in source


def test_invitation_links_last_three_days_and_reset_links_one_day(db: None) -> None:
    from coopilote.accounts.services import invitation_tokens

    user = User.objects.create(email="invitee@example.org")
    token = invitation_tokens.make_token(user)
    assert settings.PASSWORD_RESET_TIMEOUT == 24 * 60 * 60

    two_days = invitation_tokens._now() + datetime.timedelta(days=2)
    four_days = invitation_tokens._now() + datetime.timedelta(days=4)
    with mock.patch.object(type(invitation_tokens), "_now", return_value=two_days):
        assert invitation_tokens.check_token(user, token)
    with mock.patch.object(type(invitation_tokens), "_now", return_value=four_days):
        assert not invitation_tokens.check_token(user, token)
    assert not invitation_tokens.check_token(user, token[:-1] + "x")
