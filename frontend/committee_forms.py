"""Forms of the local committees' pages (frontend/committees.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frontend.forms import DateInput
from network.committees.models import OrganisationKind, PartnerPerson


class SupportedCohortsForm(forms.Form):
    cohorts = forms.TypedMultipleChoiceField(
        label=_("Coopératives suivies"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, cohorts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohorts"].choices = cohorts  # type: ignore[attr-defined]


class LocalCommitteeForm(SupportedCohortsForm):
    name = forms.CharField(label=_("Nom du comité"), max_length=200)
    field_order = ["name", "cohorts"]


class SeatForm(forms.Form):
    """A partner to seat: their organisation (the network's record is reused) and themself."""

    organisation_name = forms.CharField(label=_("Organisation"), max_length=200)
    organisation_kind = forms.ChoiceField(
        label=_("Nature de l'organisation"), choices=OrganisationKind.choices
    )
    organisation_town = forms.CharField(label=_("Commune de l'organisation"), max_length=100)
    organisation_siret = forms.CharField(
        label=_("SIRET de l'organisation (facultatif)"), max_length=17, required=False
    )
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    last_name = forms.CharField(label=_("Nom"), max_length=100)
    email = forms.EmailField(label=_("Adresse e-mail"))
    job_title = forms.CharField(label=_("Fonction"), max_length=150, required=False)
    joined_on = forms.DateField(label=_("Depuis le"), required=False, widget=DateInput())


class CommitteeMeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    agenda = forms.CharField(label=_("Ordre du jour"), widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.CharField(
        label=_("Compte rendu"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Présent·es"),
        queryset=PartnerPerson.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people  # type: ignore[attr-defined]


class CommitteeMinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Compte rendu"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Présent·es"),
        queryset=PartnerPerson.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people  # type: ignore[attr-defined]


class CommitteeDecisionForm(forms.Form):
    text = forms.CharField(label=_("Décision prise"), widget=forms.Textarea(attrs={"rows": 2}))
