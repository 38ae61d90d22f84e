"""Trainings (ateliers) given to a cohort, and who attended them for how long.

A session belongs to one cohort, on a day within the cohort's dates, with a start and an end
time; its duration in hours is stored (computed by the services from the times) so that the
hours delivered add up in SQL. One attendance row per member enrolled on that day: present or
not, and the hours attended (at most the session's). See docs/trainings.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.cohorts.models import Cohort


class TrainingTopic(models.TextChoices):
    COOPERATION = "cooperation", _("Coopération et gouvernance")
    MARKETING = "marketing", _("Marketing et vente")
    MANAGEMENT = "management", _("Gestion et comptabilité")
    CUSTOMER_RELATIONS = "customer_relations", _("Relation client")
    WORK_SAFETY = "work_safety", _("Sécurité au travail")
    OTHER = "other", _("Autre")


class TrainingSessionQuerySet(models.QuerySet["TrainingSession"]):
    def in_cohorts(self, cohort_ids: Iterable[int]) -> TrainingSessionQuerySet:
        return self.filter(cohort_id__in=cohort_ids)


class TrainingSession(models.Model):
    """One atelier given to a cohort: what, by whom, when and where."""

    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.PROTECT,
        related_name="training_sessions",
        verbose_name=_("coopérative"),
    )
    topic = models.CharField(_("thème"), max_length=18, choices=TrainingTopic.choices)
    title = models.CharField(
        _("intitulé"),
        max_length=200,
        blank=True,
        help_text=_("Obligatoire pour le thème « Autre »."),
    )
    trainer_name = models.CharField(_("intervenant·e"), max_length=150)
    trainer_organisation = models.CharField(
        _("structure de l'intervenant·e"), max_length=150, blank=True
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))
    # Computed by the services from the times: what a present member attends by default.
    duration_hours = models.DecimalField(_("durée (heures)"), max_digits=4, decimal_places=2)
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        ordering = ["date", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="trainings_session_ends_after_start",
                violation_error_message=_("Un atelier finit après avoir commencé."),
            ),
            models.CheckConstraint(
                condition=models.Q(duration_hours__gt=0),
                name="trainings_session_duration_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(topic=TrainingTopic.OTHER) | ~models.Q(title=""),
                name="trainings_session_other_topic_has_title",
                violation_error_message=_("Donnez un intitulé à un atelier « Autre »."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cohort_id} {self.date} {self.topic}"

    @property
    def label(self) -> str:
        """The title when there is one, else the topic's name."""
        return self.title or str(self.get_topic_display())


class Attendance(models.Model):
    """Whether a member enrolled on the session's day attended it, and for how many hours."""

    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("atelier"),
    )
    member = models.ForeignKey(
        "people.Member",
        on_delete=models.PROTECT,
        related_name="training_attendances",
        verbose_name=_("coopérant·e"),
    )
    present = models.BooleanField(_("présent·e"), default=False)
    # At most the session's duration (checked by tenants.trainings.services).
    hours = models.DecimalField(_("heures suivies"), max_digits=4, decimal_places=2)
    recorded_at = models.DateTimeField(_("relevée le"), auto_now=True)

    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        ordering = ["session_id", "member__last_name", "member__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"], name="trainings_attendance_once_per_session"
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gte=0) & (models.Q(present=True) | models.Q(hours=0)),
                name="trainings_attendance_hours_only_when_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} · {self.member_id}"
