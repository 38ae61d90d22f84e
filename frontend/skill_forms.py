"""Forms of the skills pages: the grid (national site) and the self-assessments (CAE sites)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from network.skillgrid.models import SkillCategory, SkillLevel, SkillProgramme
from tenants.skills.models import SkillRating


class SkillForm(forms.Form):
    """A skill of the network's grid; its code is set once, at creation."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=50,
        help_text=_("Nom court et stable, sans espace ni accent (ex. « prise-de-parole »)."),
    )
    category = forms.ChoiceField(label=_("Catégorie"), choices=SkillCategory.choices)
    label = forms.CharField(label=_("Intitulé"), max_length=150)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    programmes = forms.MultipleChoiceField(
        label=_("Programmes concernés"),
        choices=SkillProgramme.choices,
        initial=SkillProgramme.values,
        widget=forms.CheckboxSelectMultiple,
    )
    position = forms.IntegerField(
        label=_("Ordre d'affichage"),
        min_value=0,
        max_value=32767,
        required=False,
        help_text=_("Vide : à la fin de sa catégorie."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
            self.fields["position"].required = True
            self.fields["position"].help_text = ""


def _level_field(label: str, help_text: str = "", required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=[(level.value, f"{level.value} · {level.label}") for level in SkillLevel],
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect,
    )


class _RatingsForm(forms.Form):
    """One level field per rating of an assessment, grouped by category for display."""

    prefix_of_field = "level"

    def __init__(
        self, *args: Any, ratings: Iterable[SkillRating], required: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.ratings = list(ratings)
        for rating in self.ratings:
            self.fields[f"{self.prefix_of_field}_{rating.skill_id}"] = _level_field(
                rating.skill.label, rating.skill.description, required=required
            )

    def groups(self) -> list[tuple[str, list[tuple[SkillRating, forms.BoundField]]]]:
        """(category name, [(rating, its field)]) in the grid's order."""
        groups: dict[str, list[tuple[SkillRating, forms.BoundField]]] = {}
        for rating in self.ratings:
            field = self[f"{self.prefix_of_field}_{rating.skill_id}"]
            groups.setdefault(rating.skill.category, []).append((rating, field))
        return [(str(SkillCategory(category).label), rows) for category, rows in groups.items()]

    def levels(self) -> dict[int, int]:
        """The levels given, by skill id (empty answers left out)."""
        return {
            rating.skill_id: level
            for rating in self.ratings
            if (level := self.cleaned_data.get(f"{self.prefix_of_field}_{rating.skill_id}"))
            is not None
        }


class SelfAssessmentForm(_RatingsForm):
    """The member's levels on their draft; every level is needed only to hand it in."""

    def __init__(self, *args: Any, ratings: Iterable[SkillRating], **kwargs: Any) -> None:
        ratings = list(ratings)
        initial = {
            f"level_{rating.skill_id}": rating.self_level
            for rating in ratings
            if rating.self_level is not None
        }
        super().__init__(*args, ratings=ratings, required=False, initial=initial, **kwargs)


class ReviewForm(_RatingsForm):
    """The levels agreed with the member (their own to start with) and a comment."""

    prefix_of_field = "agreed"

    def __init__(self, *args: Any, ratings: Iterable[SkillRating], **kwargs: Any) -> None:
        ratings = list(ratings)
        initial: dict[str, Any] = {
            f"agreed_{rating.skill_id}": rating.agreed_level or rating.self_level
            for rating in ratings
        }
        super().__init__(*args, ratings=ratings, required=True, initial=initial, **kwargs)
        self.fields["comment"] = forms.CharField(
            label=_("Commentaire de l'entretien"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        )
