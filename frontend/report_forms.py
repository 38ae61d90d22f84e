"""Forms of the season reports' pages (frontend/reports.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from network.reports.models import MAX_NARRATIVE_LENGTH


class SeasonReportNarrativeForm(forms.Form):
    narrative = forms.CharField(
        label=_("Bilan de la saison"),
        required=False,
        strip=False,
        max_length=MAX_NARRATIVE_LENGTH,
        help_text=_(
            "Ce que la coopérative a vécu : l'équipe, les prestations, les partenaires, les "
            "réussites et les difficultés, et ce que sont devenu·es les coopérant·es."
        ),
        widget=forms.Textarea(attrs={"rows": 14}),
    )


class SeasonReportPhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        required=False,
        allow_empty_file=True,  # refused by the service, with its own message
        help_text=_("JPEG ou PNG, 5 Mo au maximum, 6 photos par bilan."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    caption = forms.CharField(label=_("Légende"), required=False, max_length=200)


class SeasonReportApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SeasonReportReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Ce qu'il faut reprendre"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
