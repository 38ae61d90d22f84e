"""The network's skills grid: the skills a cooperative builds, defined once for the network.

Each skill is technical (marketing, selling, management, HR, accounting) or personal (deciding
together, self-confidence, teamwork…), applies to some of the programmes (CJS, CJM, CT) and is
self-assessed by the members on one level scale, `SkillLevel`. Members' assessments live in each
CAE's schema (tenants.skills) and point to these rows: a skill is never deleted once used, it is
deactivated instead (see docs/skills.md).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SkillCategory(models.TextChoices):
    TECHNICAL = "technical", _("Compétences techniques")
    PERSONAL = "personal", _("Compétences personnelles")


class SkillProgramme(models.TextChoices):
    """The network's programmes: the same codes as a cohort's `programme`
    (tenants.cohorts.models.Programme, which network code may not import)."""

    CJS = "CJS", _("Coopérative Jeunesse de Services")
    CJM = "CJM", _("Coopérative de Jeunes Majeurs")
    CT = "CT", _("Coopérative de Territoire")


class SkillLevel(models.IntegerChoices):
    """The one scale every skill is assessed on, from discovering to teaching it."""

    DISCOVERING = 1, _("Je découvre")
    WITH_HELP = 2, _("Je sais faire avec de l'aide")
    ON_MY_OWN = 3, _("Je sais faire seul·e")
    CAN_EXPLAIN = 4, _("Je peux l'expliquer aux autres")


LEVEL_DESCRIPTIONS = {
    SkillLevel.DISCOVERING: _("Je n'ai jamais fait, ou très peu : j'apprends ce que c'est."),
    SkillLevel.WITH_HELP: _("Je l'ai déjà fait, avec quelqu'un pour me guider."),
    SkillLevel.ON_MY_OWN: _("Je le fais sans aide quand il le faut."),
    SkillLevel.CAN_EXPLAIN: _("Je le fais facilement et je peux montrer aux autres comment faire."),
}


# Which programmes a skill applies to: one flag each (an array would need
# django.contrib.postgres in the settings for a three-value set).
PROGRAMME_FLAGS: dict[str, str] = {
    SkillProgramme.CJS: "for_cjs",
    SkillProgramme.CJM: "for_cjm",
    SkillProgramme.CT: "for_ct",
}


class SkillQuerySet(models.QuerySet["Skill"]):
    def active(self) -> SkillQuerySet:
        return self.filter(active=True)

    def for_programme(self, programme: str) -> SkillQuerySet:
        """Skills that apply to cohorts of this programme."""
        flag = PROGRAMME_FLAGS.get(programme)
        if flag is None:
            return self.none()
        return self.filter(**{flag: True})


class Skill(models.Model):
    """One skill of the grid: what it is, its category, the programmes it applies to."""

    # The stable name of the skill for exports and the national indicators: never changed.
    code = models.SlugField(_("code"), max_length=50, unique=True)
    category = models.CharField(_("catégorie"), max_length=9, choices=SkillCategory.choices)
    label = models.CharField(_("intitulé"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    for_cjs = models.BooleanField(_("pour les CJS"), default=True)
    for_cjm = models.BooleanField(_("pour les CJM"), default=True)
    for_ct = models.BooleanField(_("pour les CT"), default=True)
    position = models.PositiveSmallIntegerField(_("ordre d'affichage"), default=0)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Une compétence désactivée n'est plus proposée aux nouveaux bilans."),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = SkillQuerySet.as_manager()

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(for_cjs=True) | models.Q(for_cjm=True) | models.Q(for_ct=True),
                name="skillgrid_skill_applies_to_a_programme",
                violation_error_message=_(
                    "Une compétence s'applique à au moins un programme (CJS, CJM, CT)."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(label=""),
                name="skillgrid_skill_has_label",
                violation_error_message=_("Une compétence a un intitulé."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def programmes(self) -> list[str]:
        """The codes of the programmes the skill applies to, in the network's order."""
        return [code for code, flag in PROGRAMME_FLAGS.items() if getattr(self, flag)]

    def applies_to(self, programme: str) -> bool:
        return programme in self.programmes
