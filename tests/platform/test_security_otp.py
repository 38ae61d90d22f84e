"""Two-factor authentication: enrolment, the sign-in step, recovery codes, replay, the mandate."""

from __future__ import annotations

import re
import time
from unittest import mock

import pyotp
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from coopilote.accounts.models import RecoveryCode, Role, TotpDevice, User
from coopilote.accounts.otp import (
    STEP_SECONDS,
    otp_need,
    otp_verify,
    recovery_codes_regenerate,
    totp_code_check,
    totp_device_set,
)
from network.registry.models import Cae
from tests.conftest import PASSWORD, account, grant, sign_in, site_client

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _password_step(client: Client, user: User) -> None:
    response = client.post("/connexion/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def _staff(cae: Cae, email: str = "chargee@example.org") -> User:
    user = account(email)
    grant(user, cae, Role.CAE_STAFF)
    return user


def _code(secret: str = SECRET, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(time.time()) + offset_steps * STEP_SECONDS)


# --- The mandate ---


def test_staff_without_2fa_must_set_it_up_before_anything_else(cae_alpha: Cae) -> None:
    staff = _staff(cae_alpha)
    client = site_client(cae_alpha)
    _password_step(client, staff)

    home = client.get("/membres/")
    api = client.get("/api/v1/cohorts/")

    assert home.status_code == 302
    assert home["Location"] == "/compte/securite/?next=%2Fmembres%2F"
    assert api.status_code == 403
    assert api.json()["code"] == "otp_required"
    assert "Double authentification requise" in api.json()["detail"]
    page = client.get("/compte/securite/")
    assert page.status_code == 200
    assert "Votre rôle exige la double authentification" in page.content.decode()
    assert client.get("/healthz").status_code == 200
    assert client.get("/compte/verification/").status_code == 302  # nothing to verify yet
    assert client.post("/deconnexion/").status_code == 302


def test_the_coordinator_must_set_it_up_on_the_national_site() -> None:
    coordinator = account("coord@example.org", is_coordinator=True)
    client = site_client()
    _password_step(client, coordinator)

    response = client.get("/caes/")

    assert response.status_code == 302
    assert response["Location"].startswith("/compte/securite/")


def test_a_member_without_2fa_is_not_asked_for_a_code(cae_alpha: Cae) -> None:
    member = account("membre@example.org")
    client = site_client()
    _password_step(client, member)

    assert client.get("/").status_code == 200
    assert client.get("/compte/securite/").status_code == 200


@pytest.mark.parametrize(
    ("persona", "expected"), [("member", None), ("staff", "enrol"), ("member_with_app", "verify")]
)
def test_the_middleware_learns_what_a_session_needs_in_one_query(
    cae_alpha: Cae, persona: str, expected: str | None
) -> None:
    user = _staff(cae_alpha) if persona == "staff" else account("membre@example.org")
    if persona == "member_with_app":
        totp_device_set(user=user, secret=SECRET)

    with CaptureQueriesContext(connection) as queries:
        need = otp_need(user)

    assert need == expected
    # Asked on every request of a session not yet verified: one query (beside the schema's SET).
    selects = [q for q in queries.captured_queries if not q["sql"].startswith("SET ")]
    assert len(selects) == 1


def test_force_login_alone_does_not_get_staff_past_the_second_step(cae_alpha: Cae) -> None:
    staff = _staff(cae_alpha)
    bare = site_client(cae_alpha)
    bare.force_login(staff)

    assert bare.get("/").status_code == 302
    assert sign_in(site_client(cae_alpha), staff).get("/").status_code == 200


# --- Enrolment ---


def test_staff_enrol_with_the_qr_code_or_the_key_and_get_ten_recovery_codes(
    cae_alpha: Cae,
) -> None:
    staff = _staff(cae_alpha)
    client = site_client(cae_alpha)
    _password_step(client, staff)

    started = client.post("/compte/securite/", {"action": "start", "next": "/membres/"})
    page = started.content.decode()
    secret = TotpDevice.objects.get(user=staff).secret
    wrong = client.post("/compte/securite/", {"action": "confirm", "code": "000000"})
    confirmed = client.post(
        "/compte/securite/", {"action": "confirm", "code": _code(secret), "next": "/membres/"}
    )

    assert "<svg" in page  # the QR code, inline
    assert "style=" not in page  # no inline style (CSP)
    assert secret in page
    assert wrong.status_code == 400
    assert "Ce code ne convient pas" in wrong.content.decode()
    assert confirmed.status_code == 200
    codes = re.findall(r"<code>([0-9A-F]{5}-[0-9A-F]{5})</code>", confirmed.content.decode())
    assert len(codes) == 10
    stored = list(RecoveryCode.objects.filter(user=staff).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not any(code.replace("-", "") in hashed for code in codes for hashed in stored)
    assert TotpDevice.objects.get(user=staff).is_confirmed
    assert client.get("/membres/").status_code == 200  # the session is verified


# --- The sign-in step ---


def test_with_2fa_the_password_is_followed_by_a_code(cae_alpha: Cae) -> None:
    staff = _staff(cae_alpha)
    totp_device_set(user=staff, secret=SECRET)
    client = site_client(cae_alpha)
    _password_step(client, staff)

    blocked = client.get("/membres/")
    security = client.get("/compte/securite/")
    wrong = client.post("/compte/verification/", {"code": "123456", "next": "/membres/"})
    right = client.post("/compte/verification/", {"code": _code(), "next": "/membres/"})

    assert blocked["Location"] == "/compte/verification/?next=%2Fmembres%2F"
    assert security.status_code == 302  # no disabling before the code
    assert wrong.status_code == 400
    assert right.status_code == 302
    assert right["Location"] == "/membres/"
    assert client.get("/membres/").status_code == 200


def test_a_code_is_accepted_only_once(cae_alpha: Cae) -> None:
    staff = _staff(cae_alpha)
    totp_device_set(user=staff, secret=SECRET)
    code = _code()
    first, second = site_client(cae_alpha), site_client(cae_alpha)
    _password_step(first, staff)
    _password_step(second, staff)

    assert first.post("/compte/verification/", {"code": code}).status_code == 302
    replay = second.post("/compte/verification/", {"code": code})

    assert replay.status_code == 400
    assert second.get("/").status_code == 302


def test_an_older_code_of_the_window_is_refused_after_a_newer_one() -> None:
    user = account("fenetre@example.org")
    device = totp_device_set(user=user, secret=SECRET)

    assert totp_code_check(device=device, code=_code())
    assert not totp_code_check(device=device, code=_code(offset_steps=-1))
    assert not totp_code_check(device=device, code=_code())
    assert totp_code_check(device=device, code=_code(offset_steps=1))  # clock drift allowed


def test_a_code_too_old_is_refused() -> None:
    user = account("vieux@example.org")
    device = totp_device_set(user=user, secret=SECRET)
    code = _code()
    later = time.time() + 5 * STEP_SECONDS

    with mock.patch("coopilote.accounts.otp.time.time", return_value=later):
        assert not totp_code_check(device=device, code=code)


def test_a_recovery_code_signs_in_once(cae_alpha: Cae) -> None:
    staff = _staff(cae_alpha)
    totp_device_set(user=staff, secret=SECRET)
    codes = recovery_codes_regenerate(user=staff)
    first, second = site_client(cae_alpha), site_client(cae_alpha)
    _password_step(first, staff)
    _password_step(second, staff)

    assert first.post("/compte/verification/", {"code": codes[0].lower()}).status_code == 302
    assert second.post("/compte/verification/", {"code": codes[0]}).status_code == 400
    assert otp_verify(user=staff, code=codes[1])
    assert RecoveryCode.objects.filter(user=staff, used_at__isnull=True).count() == 8


def test_five_wrong_codes_sign_the_session_out(cae_alpha: Cae) -> None:
    staff = _staff(cae_alpha)
    totp_device_set(user=staff, secret=SECRET)
    client = site_client(cae_alpha)
    _password_step(client, staff)

    for _ in range(4):
        assert client.post("/compte/verification/", {"code": "000000"}).status_code == 400
    last = client.post("/compte/verification/", {"code": "000000"})

    assert last.status_code == 302
    assert last["Location"] == "/connexion/"
    assert "_auth_user_id" not in client.session


def test_a_foreign_next_address_is_ignored(cae_alpha: Cae) -> None:
    staff = _staff(cae_alpha)
    totp_device_set(user=staff, secret=SECRET)
    client = site_client(cae_alpha)
    _password_step(client, staff)

    response = client.post(
        "/compte/verification/", {"code": _code(), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


# --- Optional 2FA, renewal, disabling ---


def test_a_member_may_turn_2fa_on_then_needs_it_then_turns_it_off(cae_alpha: Cae) -> None:
    member = account("prudente@example.org")
    grant(member, cae_alpha, Role.MEMBER, 1)
    totp_device_set(user=member, secret=SECRET)
    client = site_client(cae_alpha)
    _password_step(client, member)
    assert client.get("/").status_code == 302
    assert client.post("/compte/verification/", {"code": _code()}).status_code == 302

    refused = client.post("/compte/securite/", {"action": "disable", "code": "999999"})
    done = client.post("/compte/securite/", {"action": "disable", "code": _code(offset_steps=1)})

    assert refused.status_code == 400
    assert done.status_code == 302
    assert not TotpDevice.objects.filter(user=member).exists()
    assert not RecoveryCode.objects.filter(user=member).exists()


def test_staff_cannot_turn_2fa_off_but_can_renew_recovery_codes(cae_alpha: Cae) -> None:
    staff = _staff(cae_alpha)
    totp_device_set(user=staff, secret=SECRET)
    old = recovery_codes_regenerate(user=staff)
    client = sign_in(site_client(cae_alpha), staff)

    refused = client.post("/compte/securite/", {"action": "disable", "code": _code()})
    renewed = client.post(
        "/compte/securite/", {"action": "regenerate", "code": _code(offset_steps=1)}
    )

    assert refused.status_code == 400
    assert "ne peut pas être désactivée" in refused.content.decode()
    assert TotpDevice.objects.filter(user=staff).exists()
    assert renewed.status_code == 200
    assert len(re.findall(r"<code>[0-9A-F]{5}-[0-9A-F]{5}</code>", renewed.content.decode())) == 10
    assert not otp_verify(user=staff, code=old[0])


def test_an_unknown_action_is_a_400_not_a_500(cae_alpha: Cae) -> None:
    client = sign_in(site_client(cae_alpha), account("curieuse@example.org"))

    assert client.post("/compte/securite/", {"action": "boom", "code": "1"}).status_code == 400
    assert client.get("/compte/securite/").status_code == 200
    assert site_client(cae_alpha).get("/compte/securite/").status_code == 302  # signed out
