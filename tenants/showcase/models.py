"""A cohort's public page (its shop window) and the quote requests it brings in.

The page is run by the cohort's marketing committee (COMMERCE_MANAGE) and shows no personal data
of the members: first names only for those who agreed (`FirstNameConsent`), never surnames,
birth dates or contacts. Photos are shown once an animateur·rice approved them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coopilote.audit import audited
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, Quote
from tenants.people.models import Member


class PublicPage(models.Model):
    cohort = models.OneToOneField(
        Cohort, on_delete=models.CASCADE, related_name="public_page", verbose_name=_("coopérative")
    )
    slug = models.SlugField(
        _("adresse de la page"),
        max_length=60,
        unique=True,
        help_text=_("Lettres minuscules, chiffres et tirets, par exemple belle-coop."),
    )
    is_published = models.BooleanField(_("publiée"), default=False)
    headline = models.CharField(_("accroche"), max_length=160)
    description = models.TextField(_("qui sommes-nous"), max_length=3000, blank=True)
    area_served = models.CharField(_("secteur d'intervention"), max_length=250, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("page publique")
        verbose_name_plural = _("pages publiques")

    def __str__(self) -> str:
        return self.slug


class PhotoStatus(models.TextChoices):
    PENDING = "pending", _("En attente de validation")
    APPROVED = "approved", _("Publiée")
    REJECTED = "rejected", _("Refusée")


class ShowcasePhoto(models.Model):
    """A photo of a job done; never shown publicly before an animateur·rice approved it."""

    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.CASCADE,
        related_name="showcase_photos",
        verbose_name=_("coopérative"),
    )
    # A random name under MEDIA_ROOT/<schema>/showcase/; served only through a view.
    image = models.FileField(_("photo"), upload_to="showcase/")
    caption = models.CharField(_("légende"), max_length=200, blank=True)
    status = models.CharField(
        _("statut"), max_length=8, choices=PhotoStatus.choices, default=PhotoStatus.PENDING
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("déposée le"), auto_now_add=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, null=True, related_name="+"
    )
    moderated_at = models.DateTimeField(_("validée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.caption or f"photo #{self.pk}"


class Testimonial(models.Model):
    """What a client said, shown only when the client agreed to be quoted and it is published."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="testimonials", verbose_name=_("coopérative")
    )
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="+", verbose_name=_("client")
    )
    text = models.TextField(_("témoignage"), max_length=1000)
    consent_given_on = models.DateField(_("accord du client le"))
    is_published = models.BooleanField(_("publié"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("témoignage")
        verbose_name_plural = _("témoignages")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"témoignage #{self.pk}"


@audited()
class FirstNameConsent(models.Model):
    """A member agreed that their first name appears on the cohort's public page."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="+")
    given_on = models.DateField(_("accord donné le"))
    withdrawn_on = models.DateField(_("accord retiré le"), null=True, blank=True)

    class Meta:
        verbose_name = _("accord pour le prénom")
        verbose_name_plural = _("accords pour le prénom")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "cohort"], name="showcase_one_consent_per_member_and_cohort"
            )
        ]

    def __str__(self) -> str:
        return f"accord #{self.pk}"


class RequesterKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Particulier")
    COMPANY = "company", _("Entreprise")
    ASSOCIATION = "association", _("Association")
    PUBLIC_BODY = "public_body", _("Collectivité ou organisme public")


class QuoteRequestStatus(models.TextChoices):
    NEW = "new", _("Nouvelle")
    CONVERTED = "converted", _("Devis en cours")
    DECLINED = "declined", _("Déclinée")


class QuoteRequest(models.Model):
    """A visitor's request for a quote: a lead, with the client and the draft quote it made."""

    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.PROTECT,
        related_name="quote_requests",
        verbose_name=_("coopérative"),
    )
    kind = models.CharField(_("vous êtes"), max_length=11, choices=RequesterKind.choices)
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("adresse e-mail"))
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    need = models.TextField(_("votre besoin"), max_length=3000)
    wished_on = models.DateField(_("date souhaitée"))
    address = models.CharField(_("adresse"), max_length=250)
    postcode = models.CharField(_("code postal"), max_length=5)
    city = models.CharField(_("commune"), max_length=100)
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    # SHA-256 of the sender's IP address with the secret key: enough to rate-limit, not to trace.
    ip_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("statut"),
        max_length=9,
        choices=QuoteRequestStatus.choices,
        default=QuoteRequestStatus.NEW,
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    quote = models.OneToOneField(
        Quote, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )

    class Meta:
        verbose_name = _("demande de devis")
        verbose_name_plural = _("demandes de devis")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.created_at:%Y-%m-%d})"
