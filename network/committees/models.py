"""Local steering committees (comités locaux) and the partner organisations that sit on them.

Partner organisations and their people are kept once for the whole network (public schema): the
same Mission locale may support cohorts of two CAEs. A committee belongs to one CAE and supports
one or more of its cohorts, named by id (cohorts are rows of the CAE's schema). A partner's
read-only access is a `Membership` with the `partner` role per supported cohort, kept in step with
the seats by `network.committees.services.partner_access_sync`.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from coopilote.identifiers import validate_siret


class OrganisationKind(models.TextChoices):
    MISSION_LOCALE = "mission_locale", _("Mission locale")
    MUNICIPALITY = "municipality", _("Commune ou intercommunalité")
    STATE = "state", _("Service de l'État")
    HOUSING = "housing", _("Bailleur social ou foyer")
    YOUTH_HOSTEL = "youth_hostel", _("Auberge de jeunesse")
    ASSOCIATION = "association", _("Association")
    COMPANY = "company", _("Entreprise")
    EDUCATION = "education", _("Établissement scolaire ou de formation")
    OTHER = "other", _("Autre")


class PartnerOrganisation(models.Model):
    """An organisation that supports cohorts: known once for the whole network."""

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("nature"), max_length=14, choices=OrganisationKind.choices)
    town = models.CharField(_("commune"), max_length=100)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation partenaire")
        verbose_name_plural = _("organisations partenaires")
        ordering = ["name", "town", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), Lower("town"), name="committees_organisation_unique_name_town"
            ),
            models.UniqueConstraint(
                fields=["siret"],
                condition=~models.Q(siret=""),
                name="committees_organisation_unique_siret",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.town})"


class PartnerPerson(models.Model):
    """Someone who represents a partner organisation; gets an account once invited."""

    organisation = models.ForeignKey(
        PartnerOrganisation,
        on_delete=models.PROTECT,
        related_name="people",
        verbose_name=_("organisation"),
    )
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("adresse e-mail"), unique=True)
    job_title = models.CharField(_("fonction"), max_length=150, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_person",
        verbose_name=_("compte"),
    )
    created_at = models.DateTimeField(_("enregistré·e le"), auto_now_add=True)

    class Meta:
        verbose_name = _("personne partenaire")
        verbose_name_plural = _("personnes partenaires")
        ordering = ["last_name", "first_name", "pk"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class LocalCommitteeQuerySet(models.QuerySet["LocalCommittee"]):
    def active(self) -> LocalCommitteeQuerySet:
        return self.filter(dissolved_on__isnull=True)


class LocalCommittee(models.Model):
    """A CAE's local steering committee: it supports some of the CAE's cohorts."""

    cae = models.ForeignKey(
        "registry.Cae",
        on_delete=models.PROTECT,
        related_name="local_committees",
        verbose_name=_("CAE"),
    )
    name = models.CharField(_("nom"), max_length=200)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    dissolved_on = models.DateField(_("dissous le"), null=True, blank=True)

    objects = LocalCommitteeQuerySet.as_manager()

    class Meta:
        verbose_name = _("comité local")
        verbose_name_plural = _("comités locaux")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "cae", Lower("name"), name="committees_committee_unique_name_per_cae"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SupportedCohort(models.Model):
    """A cohort of the committee's CAE that the committee supports (by id: a tenant row)."""

    committee = models.ForeignKey(
        LocalCommittee, on_delete=models.CASCADE, related_name="supported_cohorts"
    )
    cohort_id = models.PositiveBigIntegerField(_("coopérative"))

    class Meta:
        verbose_name = _("coopérative suivie")
        verbose_name_plural = _("coopératives suivies")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "cohort_id"], name="committees_supported_cohort_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.committee} → {self.cohort_id}"


class SeatQuerySet(models.QuerySet["Seat"]):
    def current(self) -> SeatQuerySet:
        return self.filter(left_on__isnull=True)


class Seat(models.Model):
    """A partner person's seat on a committee; leaving keeps the history."""

    committee = models.ForeignKey(LocalCommittee, on_delete=models.CASCADE, related_name="seats")
    person = models.ForeignKey(PartnerPerson, on_delete=models.PROTECT, related_name="seats")
    joined_on = models.DateField(_("depuis le"))
    left_on = models.DateField(_("jusqu'au"), null=True, blank=True)

    objects = SeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("siège au comité")
        verbose_name_plural = _("sièges au comité")
        ordering = ["joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "person"],
                condition=models.Q(left_on__isnull=True),
                name="committees_seat_one_current_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.committee}"


class CommitteeMeeting(models.Model):
    """A meeting of a local committee: agenda, attendance, minutes and decisions."""

    committee = models.ForeignKey(LocalCommittee, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("date"))
    agenda = models.TextField(_("ordre du jour"))
    minutes = models.TextField(_("compte rendu"), blank=True)
    attendees = models.ManyToManyField(
        PartnerPerson, related_name="committee_meetings", blank=True, verbose_name=_("présent·es")
    )
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réunion du comité local")
        verbose_name_plural = _("réunions du comité local")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.committee} · {self.held_on:%d/%m/%Y}"


class CommitteeDecision(models.Model):
    """A decision taken at a committee meeting: recorded once, never rewritten."""

    meeting = models.ForeignKey(
        CommitteeMeeting, on_delete=models.PROTECT, related_name="decisions"
    )
    text = models.TextField(_("décision"))
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enregistrée par"),
    )

    class Meta:
        verbose_name = _("décision du comité local")
        verbose_name_plural = _("décisions du comité local")
        ordering = ["recorded_at", "pk"]
        triggers = [
            pgtrigger.Protect(
                name="committee_decision_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]
