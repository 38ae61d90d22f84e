from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from coopilote.audit import audited


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An account needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """One account per person across the whole network (public schema); signs in by email."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("adresse e-mail"), unique=True)

    is_coordinator = models.BooleanField(
        _("coordination nationale"),
        default=False,
        help_text=_("Suit toutes les coopératives du réseau, sans accès aux données personnelles."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    CAE_ADMIN = "cae_admin", _("Administrateur·rice de la CAE")
    CAE_STAFF = "cae_staff", _("Chargé·e d'accompagnement")
    ANIMATEUR = "animateur", _("Animateur·rice")
    MEMBER = "member", _("Coopérant·e")
    # Granted by network.committees for each cohort a person's local committee supports.
    PARTNER = "partner", _("Partenaire du comité local")


COHORT_ROLES = (Role.ANIMATEUR, Role.MEMBER, Role.PARTNER)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(revoked_at__isnull=True)


@audited()
class Membership(models.Model):
    """A role of a person in a CAE, or in one cohort of that CAE (public schema).

    Cohorts are rows of their CAE's schema: a cohort role names the cohort by (CAE, id), since
    ids repeat from one CAE to the next.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("personne")
    )
    cae = models.ForeignKey(
        "registry.Cae", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("CAE")
    )
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices)
    cohort_id = models.PositiveBigIntegerField(_("coopérative"), null=True, blank=True)
    granted_at = models.DateTimeField(_("accordé le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("retiré le"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("rôle")
        verbose_name_plural = _("rôles")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=["animateur", "member", "partner"], cohort_id__isnull=False)
                    | models.Q(role__in=["cae_admin", "cae_staff"], cohort_id__isnull=True)
                ),
                name="accounts_membership_cohort_roles_name_a_cohort",
            ),
            models.UniqueConstraint(
                fields=["user", "cae", "role", "cohort_id"],
                condition=models.Q(revoked_at__isnull=True),
                nulls_distinct=False,
                name="accounts_membership_unique_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class TotpDevice(models.Model):
    """A person's authenticator app (TOTP, RFC 6238): one per account.

    Unconfirmed until the person types a first valid code; `last_step` is the last 30-second
    step a code was accepted for, so that a code is never accepted twice (replay protection).
    """

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="totp_device", verbose_name=_("personne")
    )
    secret = models.CharField(_("clé secrète"), max_length=64)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("activé le"), null=True, blank=True)
    last_step = models.BigIntegerField(_("dernier pas accepté"), default=0)

    class Meta:
        verbose_name = _("application d'authentification")
        verbose_name_plural = _("applications d'authentification")

    def __str__(self) -> str:
        return f"{self.user} · TOTP"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A single-use recovery code, stored hashed like a password."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name=_("personne")
    )
    code_hash = models.CharField(_("empreinte"), max_length=255)
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("code de secours")
        verbose_name_plural = _("codes de secours")

    def __str__(self) -> str:
        return f"{self.user} · {_('code de secours')}"
