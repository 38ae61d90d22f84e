"""The national coordination keeps the skills grid: add a skill, change it, deactivate it.

A skill is never deleted: members' assessments in every CAE point to it. Its code, the stable
name used by exports and the national indicators, is set once. Every refusal saves nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError
from network.skillgrid.models import PROGRAMME_FLAGS, Skill, SkillCategory, SkillProgramme

EDITABLE_FIELDS = frozenset(
    {"category", "label", "description", "programmes", "position", "active"}
)


def _refuse(message: str, field: str = "__all__") -> ApplicationError:
    return ApplicationError(message, errors=ValidationError({field: [message]}))


def _set_programmes(skill: Skill, programmes: Iterable[str]) -> None:
    """Apply the skill to these programmes (and no other); refused when empty or unknown."""
    chosen = set(programmes)
    unknown = chosen - set(SkillProgramme.values)
    if unknown:
        raise _refuse(
            _("Programme inconnu : %(codes)s.") % {"codes": ", ".join(sorted(unknown))},
            "programmes",
        )
    if not chosen:
        raise _refuse(_("Choisissez au moins un programme."), "programmes")
    for code, flag in PROGRAMME_FLAGS.items():
        setattr(skill, flag, code in chosen)


def _check_and_save(skill: Skill) -> Skill:
    skill.label = skill.label.strip()
    skill.description = skill.description.strip()
    if not skill.label:
        raise _refuse(_("Donnez un intitulé à la compétence."), "label")
    if skill.category not in SkillCategory.values:
        raise _refuse(_("Choisissez une catégorie."), "category")
    if not skill.programmes:
        raise _refuse(_("Choisissez au moins un programme."), "programmes")
    try:
        skill.full_clean()
    except ValidationError as error:
        raise ApplicationError(
            _("Cette compétence ne peut pas être enregistrée."), errors=error
        ) from error
    skill.save()
    return skill


@transaction.atomic
def skill_create(
    *,
    code: str,
    category: str,
    label: str,
    description: str = "",
    programmes: Iterable[str] | None = None,
    position: int | None = None,
) -> Skill:
    """Add a skill to the grid (every programme unless told otherwise), last in its category
    unless a position is given."""
    code = code.strip().lower()
    if Skill.objects.filter(code=code).exists():
        raise _refuse(_("Ce code est déjà pris par une autre compétence."), "code")
    if position is None:
        last = (
            Skill.objects.filter(category=category)
            .order_by("-position")
            .values_list("position", flat=True)
            .first()
        )
        position = (last or 0) + 10
    skill = Skill(
        code=code,
        category=category,
        label=label,
        description=description,
        position=position,
    )
    _set_programmes(skill, SkillProgramme.values if programmes is None else programmes)
    return _check_and_save(skill)


@transaction.atomic
def skill_update(*, skill: Skill, changes: Mapping[str, Any]) -> Skill:
    """Change a skill of the grid (`programmes`: the codes it applies to), or deactivate it
    (`{"active": False}`): assessments already started keep it, new ones no longer rate it.
    The code cannot change."""
    if "code" in changes and changes["code"] != skill.code:
        raise _refuse(
            _("Le code d'une compétence ne change pas : désactivez-la et créez-en une nouvelle."),
            "code",
        )
    unknown = set(changes) - EDITABLE_FIELDS - {"code"}
    if unknown:
        raise ValueError(f"Not editable on a skill: {sorted(unknown)}")
    locked = Skill.objects.select_for_update().get(pk=skill.pk)
    for field, value in changes.items():
        if field == "programmes":
            _set_programmes(locked, value)
        elif field != "code":
            setattr(locked, field, value)
    return _check_and_save(locked)
