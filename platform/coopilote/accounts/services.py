"""Accounts: one per person across the network, invited by email, activated by a single-use link."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from coopilote.accounts.models import User
from coopilote.errors import ApplicationError


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Single use (the token hashes the password, which activation changes) and expiring
    (INVITATION_TIMEOUT, longer than a password reset's PASSWORD_RESET_TIMEOUT)."""

    key_salt = "coopilote.accounts.invitation"

    def check_token(self, user: User | None, token: str | None) -> bool:
        # Django's own check reads PASSWORD_RESET_TIMEOUT; the same steps, with ours.
        if not (user and token):
            return False
        try:
            timestamp_b36, _signature = token.split("-")
            timestamp = base36_to_int(timestamp_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return self._num_seconds(self._now()) - timestamp <= settings.INVITATION_TIMEOUT


invitation_tokens = InvitationTokenGenerator()


@transaction.atomic
def user_get_or_invite(*, email: str, first_name: str = "", last_name: str = "") -> User:
    """The account of the person with this email, created (without a password) if new."""
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        try:
            user.full_clean()
        except ValidationError as error:
            raise ApplicationError(_("Ce compte ne peut pas être créé."), errors=error) from error
        user.save()
    return user


def activation_path(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/activation/{uid}/{invitation_tokens.make_token(user)}/"


def invitation_send(*, user: User, site_name: str, site_url: str) -> None:
    """Email the person their access to `site_name`; a new account gets its activation link."""
    context = {
        "user": user,
        "site_name": site_name,
        "site_url": site_url,
        "activation_url": None if user.has_usable_password() else site_url + activation_path(user),
    }
    send_mail(
        subject=_("Votre accès à %(site)s sur Coopilote") % {"site": site_name},
        message=render_to_string("accounts/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def invitation_user(*, uidb64: str, token: str) -> User | None:
    """The account an activation link is for, if the link is valid, unused and not expired."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    return user if invitation_tokens.check_token(user, token) else None


@transaction.atomic
def account_activate(*, user: User, password: str) -> User:
    """Set the person's first password; the activation link stops working."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ApplicationError(
            _("Ce mot de passe ne convient pas."),
            errors=ValidationError({"password": error.messages}),
        ) from error
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user
