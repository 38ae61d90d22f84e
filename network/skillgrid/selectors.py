"""Reading the network's skills grid."""

from __future__ import annotations

from network.skillgrid.models import Skill, SkillQuerySet

# Display order: technical skills, then personal ones ("technical" sorts after "personal").
GRID_ORDER = ("-category", "position", "pk")


def skill_list(*, include_inactive: bool = True) -> SkillQuerySet:
    """The grid in display order (technical skills first), deactivated skills included unless
    told otherwise."""
    skills = Skill.objects.all()
    if not include_inactive:
        skills = skills.active()
    return skills.order_by(*GRID_ORDER)


def skill_get(*, skill_id: int) -> Skill | None:
    return Skill.objects.filter(pk=skill_id).first()


def skill_grid_for(*, programme: str) -> SkillQuerySet:
    """The skills a new assessment in a cohort of this programme rates: the active skills that
    apply to it, in display order."""
    return skill_list(include_inactive=False).for_programme(programme)
