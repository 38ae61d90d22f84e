"""Two-factor authentication: TOTP authenticator apps (RFC 6238) and single-use recovery codes.

Mandatory for the national coordination and for CAE administrators and staff, optional for
everyone else. After the password, the session must be marked verified (`otp_session_mark_verified`)
before any other page; `coopilote.accounts.middleware` enforces it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

import pyotp
import segno
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from coopilote.accounts.models import Membership, RecoveryCode, Role, TotpDevice, User
from coopilote.errors import ApplicationError

ISSUER = "Coopilote"
RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30
# Codes of the previous and next 30-second steps are accepted too (clock drift).
VALID_WINDOW = 1
SESSION_KEY = "coopilote_otp_verified"
STAFF_ROLES = (Role.CAE_ADMIN, Role.CAE_STAFF)

OtpNeed = Literal["verify", "enrol"]


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the key to type and the same key as a QR code."""

    device: TotpDevice
    secret: str
    uri: str
    qr_svg: str


def otp_is_mandatory(user: User) -> bool:
    """Coordinators and people with an active CAE admin or staff role must use 2FA."""
    if user.is_coordinator:
        return True
    return Membership.objects.active().filter(user=user, role__in=STAFF_ROLES).exists()


def otp_confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def otp_need(user: User) -> OtpNeed | None:
    """What a signed-in, not yet verified session must do: verify a code, enrol, or nothing.

    One query: the middleware asks on every request of a session not verified, which is every
    request of a person without 2FA.
    """
    flags = (
        User.objects.filter(pk=user.pk)
        .annotate(
            has_device=Exists(
                TotpDevice.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
            ),
            has_staff_role=Exists(
                Membership.objects.active().filter(user=OuterRef("pk"), role__in=STAFF_ROLES)
            ),
        )
        .values_list("has_device", "has_staff_role")
        .first()
    )
    if flags is None:
        return None
    has_device, has_staff_role = flags
    if has_device:
        return "verify"
    if user.is_coordinator or has_staff_role:
        return "enrol"
    return None


# --- The session ---


def _session_of(request_or_session: Any) -> MutableMapping[str, Any]:
    return getattr(request_or_session, "session", request_or_session)  # type: ignore[no-any-return]


def otp_session_mark_verified(request_or_session: Any, *, user: User) -> None:
    """Record in the session that `user` passed the second factor (or set it up)."""
    _session_of(request_or_session)[SESSION_KEY] = user.pk


def otp_session_is_verified(request_or_session: Any, *, user: User) -> bool:
    return bool(_session_of(request_or_session).get(SESSION_KEY) == user.pk)


# --- Codes ---


def _current_step() -> int:
    return int(time.time()) // STEP_SECONDS


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


@transaction.atomic
def totp_code_check(*, device: TotpDevice, code: str) -> bool:
    """True if `code` is valid now and newer than the last accepted one (never twice)."""
    code = _normalise(code)
    if not (code.isdigit() and len(code) == 6):
        return False
    device = TotpDevice.objects.select_for_update().get(pk=device.pk)
    totp = pyotp.TOTP(device.secret)
    now = _current_step()
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if step > device.last_step and secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            device.last_step = step
            device.save(update_fields=["last_step"])
            return True
    return False


@transaction.atomic
def recovery_code_use(*, user: User, code: str) -> bool:
    """True, and the code is spent, if `code` is one of the person's unused recovery codes."""
    code = _normalise(code)
    if not code:
        return False
    for recovery in RecoveryCode.objects.select_for_update().filter(
        user=user, used_at__isnull=True
    ):
        if check_password(code, recovery.code_hash):
            recovery.used_at = timezone.now()
            recovery.save(update_fields=["used_at"])
            return True
    return False


def otp_verify(*, user: User, code: str) -> bool:
    """The second step of signing in: a code from the app, or a recovery code."""
    device = otp_confirmed_device(user)
    if device is None:
        return False
    code = _normalise(code)
    if code.isdigit() and len(code) == 6:
        return totp_code_check(device=device, code=code)
    return recovery_code_use(user=user, code=code)


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Ten new single-use codes (shown once); the old ones stop working."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [secrets.token_hex(5).upper() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=make_password(code)) for code in codes
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- Enrolment ---


def _enrolment(device: TotpDevice) -> Enrolment:
    uri = pyotp.TOTP(device.secret).provisioning_uri(name=device.user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return Enrolment(device=device, secret=device.secret, uri=uri, qr_svg=svg)


@transaction.atomic
def totp_enrolment_start(*, user: User, secret: str | None = None) -> Enrolment:
    """A new, unconfirmed key for the person's app (replacing an unconfirmed one)."""
    if otp_confirmed_device(user) is not None:
        raise ApplicationError(_("La double authentification est déjà activée."))
    TotpDevice.objects.filter(user=user).delete()
    device = TotpDevice.objects.create(user=user, secret=secret or pyotp.random_base32())
    return _enrolment(device)


def totp_enrolment_pending(*, user: User) -> Enrolment | None:
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    return None if device is None else _enrolment(device)


@transaction.atomic
def totp_enrolment_confirm(*, user: User, code: str) -> list[str]:
    """Activate the pending key with a first code from the app; return the recovery codes."""
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise ApplicationError(_("Commencez par afficher une nouvelle clé."))
    if not totp_code_check(device=device, code=code):
        raise ApplicationError(
            _("Ce code ne convient pas : vérifiez l'heure de votre téléphone et réessayez.")
        )
    device.refresh_from_db()
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    return recovery_codes_regenerate(user=user)


@transaction.atomic
def totp_device_set(*, user: User, secret: str) -> TotpDevice:
    """Give the person a confirmed device with a known key (demo accounts and tests only)."""
    TotpDevice.objects.filter(user=user).delete()
    return TotpDevice.objects.create(user=user, secret=secret, confirmed_at=timezone.now())


@transaction.atomic
def totp_disable(*, user: User, code: str) -> None:
    """Turn 2FA off, with a current code; refused when the person's role makes it mandatory."""
    if otp_is_mandatory(user):
        raise ApplicationError(
            _("Votre rôle exige la double authentification : elle ne peut pas être désactivée.")
        )
    if not otp_verify(user=user, code=code):
        raise ApplicationError(_("Ce code ne convient pas."))
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
