"""Forms of the cohorts' public pages, and the quote request form's spam guards.

Spam is held back without any outside service: a honeypot field people never see, a minimum
fill time (a signed timestamp in the form) and a per-IP rate limit (the cache; django-tenants
prefixes every key with the CAE's schema). A held-back request looks accepted to its sender.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.core import signing
from django.core.cache import cache
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from frontend.forms import DateInput
from tenants.commerce.models import Client
from tenants.people.validators import validate_postcode
from tenants.showcase.models import RequesterKind

MIN_FILL_SECONDS = 3
MAX_FILL_SECONDS = 24 * 3600
RATE_LIMIT = 5  # requests per IP address and hour, per CAE
RATE_WINDOW_SECONDS = 3600
HONEYPOT_FIELD = "site_web"
_SALT = "showcase.quote_request.started"


class PublicPageForm(forms.Form):
    slug = forms.SlugField(
        label=_("Adresse de la page"),
        max_length=60,
        help_text=_("Lettres minuscules, chiffres et tirets, par exemple belle-coop."),
    )
    headline = forms.CharField(label=_("Accroche"), max_length=160)
    description = forms.CharField(
        label=_("Qui sommes-nous"), max_length=3000, required=False, widget=forms.Textarea
    )
    area_served = forms.CharField(label=_("Secteur d'intervention"), max_length=250, required=False)


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("Photo d'une prestation réalisée"),
        help_text=_("JPEG ou PNG, 5 Mo au maximum. Elle sera publiée après validation."),
    )
    caption = forms.CharField(label=_("Légende"), max_length=200, required=False)


class TestimonialForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    text = forms.CharField(label=_("Témoignage"), max_length=1000, widget=forms.Textarea)
    consent_given_on = forms.DateField(
        label=_("Le client a accepté d'être cité le"),
        widget=DateInput(),
    )

    def __init__(self, *args: Any, clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]


validate_phone = RegexValidator(
    r"^\+?[0-9 .\-]{6,20}\Z", message=_("Un numéro de téléphone, par exemple 06 12 34 56 78.")
)


class QuoteRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Vous êtes"), choices=RequesterKind.choices)
    name = forms.CharField(label=_("Votre nom ou celui de votre structure"), max_length=200)
    email = forms.EmailField(label=_("Adresse e-mail"))
    phone = forms.CharField(
        label=_("Téléphone (facultatif)"),
        max_length=20,
        required=False,
        validators=[validate_phone],
    )
    siret = forms.CharField(
        label=_("SIRET (entreprises)"),
        max_length=17,
        required=False,
        help_text=_("Seulement si vous êtes une entreprise : 14 chiffres."),
    )
    need = forms.CharField(
        label=_("Votre besoin"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ce qu'il faut faire, en quelques phrases."),
    )
    wished_on = forms.DateField(label=_("Date souhaitée"), widget=DateInput())
    address = forms.CharField(label=_("Adresse du lieu"), max_length=250)
    postcode = forms.CharField(label=_("Code postal"), max_length=5, validators=[validate_postcode])
    city = forms.CharField(label=_("Commune"), max_length=100)
    # Hidden from people (and from assistive technologies); robots fill it in.
    site_web = forms.CharField(required=False, widget=forms.HiddenInput)
    started = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["started"] = signing.dumps(time.time(), salt=_SALT)

    def keep_started(self) -> None:
        """On a form shown again with errors, the fill time still counts from the first view."""
        data: Any = self.data
        if not data.get("started"):
            data = data.copy()
            data["started"] = signing.dumps(time.time(), salt=_SALT)
            self.data = data

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop(HONEYPOT_FIELD, None)
        data.pop("started", None)
        return data


def started_token(seconds_ago: float) -> str:
    """A form's start stamp as if it was shown `seconds_ago` (for tests and demo data)."""
    return signing.dumps(time.time() - seconds_ago, salt=_SALT)


def looks_like_spam(data: Any) -> bool:
    """Honeypot filled in, or a form sent too fast (or with a forged or stale stamp)."""
    if str(data.get(HONEYPOT_FIELD, "")).strip():
        return True
    try:
        started = float(signing.loads(str(data.get("started", "")), salt=_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return True
    elapsed = time.time() - started
    return not MIN_FILL_SECONDS <= elapsed <= MAX_FILL_SECONDS


def _rate_key(ip_address_hash: str) -> str:
    return f"showcase:quote_requests:{ip_address_hash}"


def rate_limited(ip_address_hash: str) -> bool:
    return int(cache.get(_rate_key(ip_address_hash), 0)) >= RATE_LIMIT


def rate_count(ip_address_hash: str) -> None:
    key = _rate_key(ip_address_hash)
    if not cache.add(key, 1, RATE_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, RATE_WINDOW_SECONDS)
