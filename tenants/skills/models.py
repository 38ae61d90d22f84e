"""Members' self-assessments on the network's skills grid, at entry and at exit.

A member fills in one assessment per phase of their enrolment (entry, then exit): a level for
each skill of the grid that applies to their cohort's programme (one `SkillRating` row each,
created with the assessment; its level is empty until filled in). They submit it; an animateur
or the CAE staff go through it with them and record the agreed levels and a comment: the
assessment is then reviewed and the database keeps it as it is. Individual answers stay in the
cohort; partners and the network see aggregates only (selectors.skills_progress). See
docs/skills.md.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# The bounds of the network's level scale (network.skillgrid.models.SkillLevel, which tenant
# code may not import; tests/tenants/skills checks that they agree).
LOWEST_LEVEL = 1
HIGHEST_LEVEL = 4


class AssessmentPhase(models.TextChoices):
    ENTRY = "entry", _("Entrée")
    EXIT = "exit", _("Sortie")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("En cours")
    SUBMITTED = "submitted", _("Remis")
    REVIEWED = "reviewed", _("Revu")


# A rating stays on its assessment and skill; it changes only while its assessment is a draft,
# except the agreed level, set while a submitted assessment is reviewed; a reviewed assessment's
# ratings never change. The assessment is read in the trigger's own schema.
_RATING_FOLLOWS_ASSESSMENT = (
    "IF TG_OP = 'UPDATE' AND (NEW.assessment_id <> OLD.assessment_id "
    "OR NEW.skill_id <> OLD.skill_id) THEN "
    "RAISE EXCEPTION 'Coopilote: a rating stays on its assessment and skill' "
    "USING ERRCODE = 'P0001'; END IF; "
    "EXECUTE format('SELECT status FROM %I.skills_skillassessment WHERE id = $1', "
    "TG_TABLE_SCHEMA) INTO assessment_status "
    "USING CASE WHEN TG_OP = 'INSERT' THEN NEW.assessment_id ELSE OLD.assessment_id END; "
    "IF assessment_status = 'reviewed' THEN "
    "RAISE EXCEPTION 'Coopilote: the ratings of a reviewed assessment cannot change' "
    "USING ERRCODE = 'P0001'; END IF; "
    "IF assessment_status = 'submitted' AND (TG_OP <> 'UPDATE' "
    "OR NEW.self_level IS DISTINCT FROM OLD.self_level) THEN "
    "RAISE EXCEPTION 'Coopilote: a submitted self-assessment keeps its levels' "
    "USING ERRCODE = 'P0001'; END IF; "
    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;"
)


def _level_in_scale(field: str) -> models.Q:
    return models.Q(**{f"{field}__isnull": True}) | models.Q(
        **{f"{field}__gte": LOWEST_LEVEL, f"{field}__lte": HIGHEST_LEVEL}
    )


class SkillAssessmentQuerySet(models.QuerySet["SkillAssessment"]):
    def in_cohort(self, cohort_id: int) -> SkillAssessmentQuerySet:
        return self.filter(enrolment__cohort_id=cohort_id)


class SkillAssessment(models.Model):
    """A member's self-assessment for one phase of their enrolment, and its review."""

    enrolment = models.ForeignKey(
        "people.Enrolment",
        on_delete=models.PROTECT,
        related_name="skill_assessments",
        verbose_name=_("inscription"),
    )
    phase = models.CharField(_("moment"), max_length=5, choices=AssessmentPhase.choices)
    status = models.CharField(
        _("état"),
        max_length=9,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    created_at = models.DateTimeField(_("commencé le"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("remis le"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("revu le"), null=True, blank=True)
    # Accounts live in the public schema: deletions are the database's business (see
    # people.Member.user), never Django's collector.
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revu par"),
    )
    review_comment = models.TextField(_("commentaire de l'entretien"), blank=True)

    objects = SkillAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("bilan de compétences")
        verbose_name_plural = _("bilans de compétences")
        ordering = ["enrolment_id", "phase", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "phase"],
                name="skills_assessment_once_per_phase",
                violation_error_message=_("Ce bilan est déjà commencé."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status=AssessmentStatus.DRAFT,
                        submitted_at__isnull=True,
                        reviewed_at__isnull=True,
                        reviewed_by__isnull=True,
                    )
                    | models.Q(
                        status=AssessmentStatus.SUBMITTED,
                        submitted_at__isnull=False,
                        reviewed_at__isnull=True,
                        reviewed_by__isnull=True,
                    )
                    | models.Q(
                        status=AssessmentStatus.REVIEWED,
                        submitted_at__isnull=False,
                        reviewed_at__isnull=False,
                        reviewed_by__isnull=False,
                    )
                ),
                name="skills_assessment_dates_follow_status",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="reviewed_assessment_is_frozen",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__status=AssessmentStatus.REVIEWED),
            ),
            pgtrigger.Protect(
                name="submitted_assessment_is_kept",
                operation=pgtrigger.Delete,
                condition=~pgtrigger.Q(old__status=AssessmentStatus.DRAFT),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} · {self.phase}"

    @property
    def is_draft(self) -> bool:
        return self.status == AssessmentStatus.DRAFT

    @property
    def is_reviewed(self) -> bool:
        return self.status == AssessmentStatus.REVIEWED


class SkillRating(models.Model):
    """A member's level on one skill in one assessment, and the level agreed at its review."""

    assessment = models.ForeignKey(
        SkillAssessment,
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=pgettext_lazy("skills assessment", "bilan"),
    )
    # The grid lives in the public schema and is never deleted from (skills are deactivated):
    # the database refuses deleting a skill that is rated, Django's collector is kept out.
    skill = models.ForeignKey(
        "skillgrid.Skill",
        on_delete=models.DO_NOTHING,
        related_name="+",
        verbose_name=_("compétence"),
    )
    # Empty while the member has not answered yet (a draft); every level is set on submission.
    self_level = models.PositiveSmallIntegerField(_("niveau estimé"), null=True, blank=True)
    agreed_level = models.PositiveSmallIntegerField(
        _("niveau retenu à l'entretien"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("niveau de compétence")
        verbose_name_plural = _("niveaux de compétence")
        ordering = ["assessment_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "skill"], name="skills_rating_once_per_skill"
            ),
            models.CheckConstraint(
                condition=_level_in_scale("self_level"),
                name="skills_rating_self_level_in_scale",
                violation_error_message=_("Un niveau va de 1 à 4."),
            ),
            models.CheckConstraint(
                condition=_level_in_scale("agreed_level"),
                name="skills_rating_agreed_level_in_scale",
                violation_error_message=_("Un niveau va de 1 à 4."),
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="skill_ratings_follow_their_assessment",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                declare=[("assessment_status", "text")],
                func=_RATING_FOLLOWS_ASSESSMENT,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} · {self.skill_id}"

    @property
    def level(self) -> int | None:
        """The level that counts: the one agreed at the review, else the member's own."""
        return self.agreed_level if self.agreed_level is not None else self.self_level
