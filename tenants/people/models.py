"""The members (coopérant·es) of a CAE's cohorts: who they are, their enrolments, committees.

Only what the programme needs is collected: identity, age (for the programme's band), the
figures the funders ask for (gender, postcode, priority neighbourhood, status at entry) and
who to call in an emergency.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coopilote.audit import audited
from tenants.cohorts.models import Cohort
from tenants.people.validators import validate_document_file, validate_postcode


class Gender(models.TextChoices):
    FEMALE = "female", _("Femme")
    MALE = "male", _("Homme")
    OTHER = "other", _("Autre")
    UNDISCLOSED = "undisclosed", _("Non précisé")


class StatusAtEntry(models.TextChoices):
    SCHOOL = "school", _("Scolaire / étudiant·e")
    JOBSEEKER = "jobseeker", _("Demandeur·se d'emploi")
    EMPLOYED = "employed", _("En emploi")
    OTHER = "other", _("Autre")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Inscrit·e")
    WITHDRAWN = "withdrawn", _("Sorti·e")


class Outcome(models.TextChoices):
    JOB = "job", _("Emploi")
    TRAINING = "training", _("Formation")
    BUSINESS = "business", _("Création d'activité")
    OTHER = "other", _("Autre")
    UNKNOWN = "unknown", _("Inconnue")


class CommitteeKind(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    FINANCE = "finance", _("Finances")
    HR = "hr", _("Ressources humaines")
    OTHER = "other", _("Autre")


class MemberQuerySet(models.QuerySet["Member"]):
    def enrolled_in(self, cohort_ids: Iterable[int]) -> MemberQuerySet:
        """Members with an enrolment (current or past) in one of these cohorts."""
        return self.filter(
            pk__in=Enrolment.objects.filter(cohort_id__in=cohort_ids).values("member_id")
        )


@audited()
class Member(models.Model):
    """A coopérant·e of the CAE, who may join one or more of its cohorts over the years."""

    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))
    gender = models.CharField(_("genre"), max_length=11, choices=Gender.choices)
    postcode = models.CharField(_("code postal"), max_length=5, validators=[validate_postcode])
    qpv_resident = models.BooleanField(_("habite un quartier prioritaire"), default=False)
    status_at_entry = models.CharField(
        _("situation à l'entrée"), max_length=9, choices=StatusAtEntry.choices
    )
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    emergency_contact_name = models.CharField(_("personne à prévenir"), max_length=150)
    emergency_contact_phone = models.CharField(
        _("téléphone de la personne à prévenir"), max_length=20
    )
    # Accounts live in the public schema: deleting one is the database's business (an FK
    # constraint in every CAE's schema refuses it while a member points to it; erasure
    # anonymises instead), never Django's collector, which would look for members in whatever
    # schema it runs in.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte"),
    )
    created_at = models.DateTimeField(_("créé·e le"), auto_now_add=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("coopérant·e")
        verbose_name_plural = _("coopérant·es")
        ordering = ["last_name", "first_name", "pk"]

    def __str__(self) -> str:
        return self.first_name

    def display_name(self, *, full: bool) -> str:
        """The full name for people who see members' data (MEMBER_VIEW), else first name and
        last initial ("Lina L."): enough for teammates to tell each other apart."""
        if full:
            return f"{self.first_name} {self.last_name}"
        initial = f" {self.last_name[:1]}." if self.last_name else ""
        return f"{self.first_name}{initial}"


@audited()
class Guardian(models.Model):
    """A legal guardian of a minor member, with the parental authorisation they signed."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="guardians", verbose_name=_("coopérant·e")
    )
    full_name = models.CharField(_("nom complet"), max_length=200)
    relationship = models.CharField(
        _("lien avec le ou la jeune"), max_length=50, help_text=_("Par exemple : mère, tuteur.")
    )
    phone = models.CharField(_("téléphone"), max_length=20)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    authorisation_file = models.FileField(
        _("autorisation parentale signée"),
        upload_to="autorisations-parentales/",
        validators=[validate_document_file],
        help_text=_("PDF, JPEG ou PNG, 5 Mo au maximum."),
    )
    authorisation_signed_on = models.DateField(_("signée le"))
    recorded_at = models.DateTimeField(_("enregistré·e le"), auto_now_add=True)

    class Meta:
        verbose_name = _("représentant·e légal·e")
        verbose_name_plural = _("représentant·es légaux·ales")
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return gettext("Représentant·e légal·e de %(first_name)s") % {
            "first_name": self.member.first_name
        }


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def enrolled(self) -> EnrolmentQuerySet:
        """Enrolments that hold a place: the member has not withdrawn."""
        return self.filter(status=EnrolmentStatus.ENROLLED)


@audited()
class Enrolment(models.Model):
    """A member's place in a cohort, from enrolment to withdrawal, and where they went next."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("coopérant·e")
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("coopérative")
    )
    status = models.CharField(
        _("statut"),
        max_length=9,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
    enrolled_on = models.DateField(_("inscrit·e le"))
    withdrawn_on = models.DateField(_("sorti·e le"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("motif de la sortie"), blank=True)
    outcome = models.CharField(
        _("situation à la sortie"), max_length=8, choices=Outcome.choices, blank=True
    )
    outcome_detail = models.CharField(_("précisions sur la situation"), max_length=250, blank=True)
    outcome_recorded_on = models.DateField(_("situation relevée le"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["enrolled_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "cohort"],
                name="people_enrolment_once_per_cohort",
                violation_error_message=_(
                    "Cette personne est déjà inscrite dans cette coopérative."
                ),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status=EnrolmentStatus.WITHDRAWN, withdrawn_on__isnull=False)
                    | models.Q(status=EnrolmentStatus.ENROLLED, withdrawn_on__isnull=True)
                ),
                name="people_enrolment_withdrawn_on_iff_withdrawn",
                violation_error_message=_("Une sortie a une date, et seule une sortie en a une."),
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("enrolled_on")),
                name="people_enrolment_withdrawn_after_enrolled",
                violation_error_message=_("Une sortie ne peut pas précéder l'inscription."),
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="", outcome_recorded_on__isnull=True)
                | (~models.Q(outcome="") & models.Q(outcome_recorded_on__isnull=False)),
                name="people_enrolment_outcome_has_date",
                violation_error_message=_("Une situation de sortie est relevée à une date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.first_name} · {self.cohort.name}"

    @property
    def is_enrolled(self) -> bool:
        return self.status == EnrolmentStatus.ENROLLED


class Committee(models.Model):
    """A working group of a cohort (marketing, finances, HR…) where members take turns."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="committees", verbose_name=_("coopérative")
    )
    kind = models.CharField(_("type"), max_length=9, choices=CommitteeKind.choices)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("comité")
        verbose_name_plural = _("comités")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "name"],
                name="people_committee_unique_name_per_cohort",
                violation_error_message=_("Cette coopérative a déjà un comité de ce nom."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CommitteeSeatQuerySet(models.QuerySet["CommitteeSeat"]):
    def open(self) -> CommitteeSeatQuerySet:
        """Seats held today: not yet handed over."""
        return self.filter(ends_on__isnull=True)


class CommitteeSeat(models.Model):
    """A member's turn on a committee; closed (not deleted) when they move on, for the history."""

    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="seats", verbose_name=_("comité")
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="committee_seats",
        verbose_name=_("inscription"),
    )
    starts_on = models.DateField(_("depuis le"))
    ends_on = models.DateField(_("jusqu'au"), null=True, blank=True)

    objects = CommitteeSeatQuerySet.as_manager()

    class Meta:
        verbose_name = _("place dans un comité")
        verbose_name_plural = _("places dans les comités")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "enrolment"],
                condition=models.Q(ends_on__isnull=True),
                name="people_committeeseat_one_open_seat",
                violation_error_message=_("Cette personne siège déjà dans ce comité."),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="people_committeeseat_ends_after_start",
                violation_error_message=_("Une place ne peut pas finir avant de commencer."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.member.first_name} · {self.committee.name}"


class ConsentPurpose(models.TextChoices):
    PHOTOS = "photos", _("Photos (diffusion)")
    PUBLIC_FIRST_NAME = "public_first_name", _("Prénom affiché publiquement")
    NETWORK_CONTACT = "network_contact", _("Coordonnées transmises au réseau")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def in_force(self) -> ConsentQuerySet:
        """Consents given and not withdrawn."""
        return self.filter(withdrawn_on__isnull=True)


@audited()
class Consent(models.Model):
    """A member's consent to one purpose, kept with its dates even once withdrawn (proof)."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="consents", verbose_name=_("coopérant·e")
    )
    purpose = models.CharField(_("finalité"), max_length=20, choices=ConsentPurpose.choices)
    given_on = models.DateField(_("donné le"))
    withdrawn_on = models.DateField(_("retiré le"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistré par"),
    )
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ["given_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "purpose"],
                condition=models.Q(withdrawn_on__isnull=True),
                name="people_consent_one_in_force_per_purpose",
                violation_error_message=_("Ce consentement est déjà enregistré."),
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="people_consent_withdrawn_after_given",
                violation_error_message=_("Un retrait ne peut pas précéder le consentement."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member.first_name} · {self.get_purpose_display()}"


class ErasureRecord(models.Model):
    """That a member was anonymised: who did it, when and why (no personal data)."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="erasures", verbose_name=_("coopérant·e")
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("effacé par"),
        help_text=_("Vide pour une purge automatique (durée de conservation)."),
    )
    erased_at = models.DateTimeField(_("effacé le"), auto_now_add=True)
    reason = models.CharField(_("motif"), max_length=200)

    class Meta:
        verbose_name = _("effacement")
        verbose_name_plural = _("effacements")
        ordering = ["erased_at", "pk"]

    def __str__(self) -> str:
        return gettext("Effacement n° %(id)s") % {"id": self.pk}


class PersonalDataSettings(models.Model):
    """How long the CAE keeps its members' social data (one row per CAE schema)."""

    social_data_retention_months = models.PositiveSmallIntegerField(
        _("durée de conservation des données sociales (mois)"),
        default=36,
        help_text=_(
            "Après la fin de la dernière coopérative de la personne ; ses données sont "
            "ensuite anonymisées automatiquement."
        ),
    )
    singleton = models.BooleanField(default=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("conservation des données personnelles")
        verbose_name_plural = _("conservation des données personnelles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(singleton=True), name="people_personaldatasettings_single_row"
            ),
            models.CheckConstraint(
                condition=models.Q(social_data_retention_months__gte=1)
                & models.Q(social_data_retention_months__lte=120),
                name="people_personaldatasettings_retention_range",
                violation_error_message=_("La durée va de 1 à 120 mois."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(months)d mois") % {"months": self.social_data_retention_months}
