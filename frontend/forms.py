from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext_lazy as _

from coopilote.errors import ApplicationError
from network.registry.geography import DEPARTMENT_CHOICES
from network.registry.models import LegalForm, NetworkMembership, VatRegime
from tenants.billing.models import PaymentMethod
from tenants.cohorts.models import Cohort, CohortStatus, Programme, TerritoryKind
from tenants.commerce.models import Client, ClientKind, Job, ServiceUnit
from tenants.ledger.models import PurchaseCategory, PurchasePaymentMethod
from tenants.people.models import Committee, CommitteeKind, Enrolment, Guardian, Member, Outcome


def form_add_errors(form: forms.BaseForm, error: ApplicationError) -> None:
    """Show a domain refusal on the form, next to the fields at fault."""
    form.add_error(None, error.message)
    for field, field_messages in error.details.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Adresse e-mail ou mot de passe incorrect."),
    }


class CaeRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Nom de la CAE"), max_length=200)
    slug = forms.SlugField(
        label=_("Identifiant (adresse du site)"),
        max_length=40,
        help_text=_("Ex. « sitelle » pour sitelle.coopilote.fr"),
    )
    legal_form = forms.ChoiceField(label=_("Forme juridique"), choices=LegalForm.choices)
    siren = forms.CharField(label=_("SIREN"), max_length=20)
    siret = forms.CharField(label=_("SIRET du siège"), max_length=24)
    vat_regime = forms.ChoiceField(label=_("Régime de TVA"), choices=VatRegime.choices)
    vat_number = forms.CharField(
        label=_("N° de TVA intracommunautaire"), max_length=20, required=False
    )
    address = forms.CharField(label=_("Adresse"), max_length=250)
    postcode = forms.RegexField(label=_("Code postal"), regex=r"^\d{5}$", max_length=5)
    city = forms.CharField(label=_("Commune"), max_length=100)
    rcs_city = forms.CharField(
        label=_("Greffe du RCS"),
        max_length=100,
        required=False,
        help_text=_("Imprimé sur les factures : « RCS Vannes 123 456 789 »."),
    )
    department = forms.ChoiceField(label=_("Département"), choices=DEPARTMENT_CHOICES)
    network_membership = forms.ChoiceField(label=_("Réseau"), choices=NetworkMembership.choices)
    network_name = forms.CharField(label=_("Nom de l'autre réseau"), max_length=100, required=False)
    contact_email = forms.EmailField(label=_("E-mail de contact"), required=False)
    contact_phone = forms.CharField(label=_("Téléphone de contact"), max_length=20, required=False)
    admin_email = forms.EmailField(label=_("E-mail du premier administrateur"))
    admin_first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    admin_last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)


class ActivationForm(forms.Form):
    password = forms.CharField(
        label=_("Mot de passe"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password_again = forms.CharField(
        label=_("Mot de passe (confirmation)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("Les deux mots de passe diffèrent."))
        return cleaned


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=200)
    code = forms.SlugField(label=_("Code analytique"), max_length=30, required=False)
    programme = forms.ChoiceField(label=_("Programme"), choices=Programme.choices)
    starts_on = forms.DateField(
        label=_("Début"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    ends_on = forms.DateField(
        label=_("Fin"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    places = forms.IntegerField(label=_("Nombre de places"), min_value=1, max_value=100, initial=12)
    territory_kind = forms.ChoiceField(label=_("Territoire"), choices=TerritoryKind.choices)
    territory_name = forms.CharField(label=_("Nom du territoire"), max_length=150, required=False)
    qpv_code = forms.CharField(label=_("Code QPV"), max_length=12, required=False)
    town = forms.CharField(label=_("Commune"), max_length=100, required=False)


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Nouveau statut"), choices=CohortStatus.choices)

    def __init__(self, *args: Any, allowed: frozenset[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allowed is not None:  # offer only the statuses the lifecycle allows from here
            self.fields["to_status"].choices = [  # type: ignore[attr-defined]
                (value, label) for value, label in CohortStatus.choices if value in allowed
            ]

    reason = forms.CharField(
        label=_("Motif"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: Any = None) -> None:
        # A date input takes only ISO dates: the French format ("24/11/2026") left it empty.
        super().__init__(attrs, format="%Y-%m-%d")


class MemberForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Member
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "gender",
            "postcode",
            "qpv_resident",
            "status_at_entry",
            "email",
            "phone",
            "emergency_contact_name",
            "emergency_contact_phone",
        ]
        widgets = {"birth_date": DateInput()}


class GuardianForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Guardian
        fields = [
            "full_name",
            "relationship",
            "phone",
            "email",
            "authorisation_file",
            "authorisation_signed_on",
        ]
        widgets = {
            "authorisation_signed_on": DateInput(),
            "authorisation_file": forms.ClearableFileInput(
                attrs={"accept": "application/pdf,image/jpeg,image/png"}
            ),
        }


class EnrolForm(forms.Form):
    cohort = forms.ModelChoiceField(label=_("Coopérative"), queryset=Cohort.objects.none())
    enrolled_on = forms.DateField(label=_("Date d'inscription"), widget=DateInput())

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts  # type: ignore[attr-defined]


class MemberAccountForm(forms.Form):
    """An account for an enrolled coopérant·e, for one of their cohorts."""

    email = forms.EmailField(label=_("Adresse e-mail de la personne"))
    enrolment = forms.ModelChoiceField(
        label=_("Coopérative"), queryset=Enrolment.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, enrolments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments  # type: ignore[attr-defined]
        self.fields["enrolment"].label_from_instance = lambda enrolment: enrolment.cohort.name  # type: ignore[attr-defined]


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Date de sortie"), widget=DateInput())
    reason = forms.CharField(label=_("Motif"), max_length=2000)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Suite de parcours"), choices=Outcome.choices)
    detail = forms.CharField(label=_("Précisions"), max_length=500, required=False)
    recorded_on = forms.DateField(label=_("Date"), widget=DateInput())


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"))
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Rôle"))
    cohort = forms.ModelChoiceField(
        label=_("Coopérative (pour un·e animateur·rice)"),
        queryset=Cohort.objects.none(),
        required=False,
    )

    def __init__(
        self, *args: Any, roles: list[tuple[str, str]], cohorts: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles  # type: ignore[attr-defined]
        self.fields["cohort"].queryset = cohorts  # type: ignore[attr-defined]


class CommitteeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de comité"), choices=CommitteeKind.choices)
    name = forms.CharField(label=_("Nom du comité"), max_length=100)


class SeatForm(forms.Form):
    committee = forms.ModelChoiceField(label=_("Comité"), queryset=Committee.objects.none())
    enrolment = forms.ModelChoiceField(label=_("Coopérant·e"), queryset=Enrolment.objects.none())
    starts_on = forms.DateField(label=_("À partir du"), widget=DateInput())

    def __init__(self, *args: Any, cohort_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.filter(  # type: ignore[attr-defined]
            cohort_id=cohort_id
        ).order_by("name")
        enrolments = Enrolment.objects.enrolled().filter(cohort_id=cohort_id)
        self.fields["enrolment"].queryset = enrolments.select_related(  # type: ignore[attr-defined]
            "member"
        ).order_by("member__first_name")
        self.fields["enrolment"].label_from_instance = (  # type: ignore[attr-defined]
            lambda enrolment: f"{enrolment.member.first_name} {enrolment.member.last_name}"
        )


# --- Commerce: a cohort's services, the CAE's clients and their contacts ---


def _vat_rate_label(rate: Decimal) -> str:
    """A VAT rate as people read it: « 20 % », « 5,5 % » (in the page's language)."""
    return f"{floatformat(rate, -1)}\u00a0%"


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Nom de la prestation"), max_length=150)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    unit = forms.ChoiceField(label=_("Unité"), choices=ServiceUnit.choices)
    # No minimum here: the service refuses a negative price and says why, in French.
    unit_price_excl_vat = forms.DecimalField(
        label=_("Prix unitaire HT (€)"), localize=True, max_digits=14
    )
    vat_rate = forms.TypedChoiceField(
        label=_("Taux de TVA"),
        coerce=Decimal,
        error_messages={"invalid_choice": _("Choisissez un des taux de TVA que la CAE applique.")},
    )

    def __init__(self, *args: Any, vat_rates: tuple[Decimal, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the rates the CAE's VAT regime allows (coopilote.money.allowed_vat_rates).
        self.fields["vat_rate"].choices = [  # type: ignore[attr-defined]
            (str(rate), _vat_rate_label(rate)) for rate in vat_rates
        ]
        if "vat_rate" not in self.initial and vat_rates:
            self.initial["vat_rate"] = str(vat_rates[0])


class ClientFilterForm(forms.Form):
    """The filters of the client list (a GET form: it works without JavaScript)."""

    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("Tous les types")), *ClientKind.choices],
        required=False,
    )
    q = forms.CharField(
        label=_("Rechercher par nom"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class ClientForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de client"), choices=ClientKind.choices)
    name = forms.CharField(
        label=_("Nom"),
        max_length=200,
        help_text=_("Raison sociale de la structure, ou nom complet de la personne."),
    )
    # Typed as people copy them (spaces, dots): the service compacts and checks them.
    siret = forms.CharField(
        label=_("SIRET"),
        max_length=30,
        required=False,
        help_text=_("14 chiffres ; obligatoire pour une entreprise, jamais pour un particulier."),
    )
    vat_number = forms.CharField(
        label=_("N° de TVA intracommunautaire"), max_length=30, required=False
    )
    address = forms.CharField(label=_("Adresse"), max_length=250)
    postcode = forms.CharField(label=_("Code postal"), max_length=10)
    city = forms.CharField(label=_("Commune"), max_length=100)
    email = forms.EmailField(label=_("Adresse e-mail"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=20, required=False)
    cohort = forms.ModelChoiceField(
        label=_("Trouvé par la coopérative"),
        queryset=Cohort.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts  # type: ignore[attr-defined]
        self.fields["cohort"].label_from_instance = (  # type: ignore[attr-defined]
            lambda cohort: cohort.name
        )


class ClientContactForm(forms.Form):
    full_name = forms.CharField(label=_("Nom complet"), max_length=200)
    role = forms.CharField(
        label=_("Fonction"),
        max_length=100,
        required=False,
        help_text=_("Par exemple : gérante, comptable."),
    )
    email = forms.EmailField(label=_("Adresse e-mail"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=20, required=False)


# --- Invoices ---------------------------------------------------------------------------------


class InvoiceNewForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    sale_date = forms.DateField(label=_("Date de la prestation"), widget=DateInput)

    def __init__(self, *args: Any, clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]


class InvoiceFromJobsForm(forms.Form):
    jobs = forms.ModelMultipleChoiceField(
        label=_("Prestations réalisées à facturer"),
        queryset=Job.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, jobs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jobs"].queryset = jobs  # type: ignore[attr-defined]


class InvoiceLineForm(forms.Form):
    description = forms.CharField(label=_("Désignation"), max_length=300)
    quantity = forms.DecimalField(label=_("Quantité"), max_digits=12, decimal_places=2)
    unit = forms.ChoiceField(label=_("Unité"), choices=ServiceUnit.choices)
    unit_price_excl_vat = forms.DecimalField(
        label=_("Prix unitaire HT (€)"), max_digits=12, decimal_places=2
    )
    vat_rate = forms.TypedChoiceField(label=_("Taux de TVA"), coerce=Decimal)

    def __init__(self, *args: Any, vat_rates: tuple[Decimal, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vat_rate"].choices = [  # type: ignore[attr-defined]
            (str(rate), f"{floatformat(rate, -1)} %") for rate in vat_rates
        ]


class InvoiceIssueForm(forms.Form):
    issued_on = forms.DateField(label=_("Date d'émission"), widget=DateInput)


class InvoiceSendForm(forms.Form):
    recipient = forms.EmailField(
        label=_("Adresse e-mail du client"),
        required=False,
        help_text=_("Laissez vide pour l'adresse de la fiche client."),
    )


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Montant reçu (€)"), max_digits=12, decimal_places=2)
    received_on = forms.DateField(label=_("Reçu le"), widget=DateInput)
    method = forms.ChoiceField(label=_("Moyen de paiement"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Référence"), max_length=100, required=False)


class CreditNoteForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=300)
    issued_on = forms.DateField(label=_("Date d'émission"), widget=DateInput)
    amount_excl_vat = forms.DecimalField(
        label=_("Montant HT à créditer (€)"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("Laissez vide pour annuler toute la facture."),
    )
    vat_rate = forms.TypedChoiceField(label=_("Taux de TVA"), coerce=Decimal, required=False)

    def __init__(self, *args: Any, vat_rates: tuple[Decimal, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vat_rate"].choices = [  # type: ignore[attr-defined]
            (str(rate), f"{floatformat(rate, -1)} %") for rate in vat_rates
        ]


class NumberingForm(forms.Form):
    invoice_template = forms.CharField(label=_("Numéros de facture"), max_length=60)
    credit_note_template = forms.CharField(label=_("Numéros d'avoir"), max_length=60)


class QuoteAnswerForm(forms.Form):
    comment = forms.CharField(
        label=_("Un commentaire pour la coopérative (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Quotes, jobs and the planning (frontend/quotes.py, frontend/jobs.py) -------------------


class TimeInput(forms.TimeInput):
    input_type = "time"


class QuoteForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    subject = forms.CharField(label=_("Objet"), max_length=200)
    valid_until = forms.DateField(label=_("Valable jusqu'au"), widget=DateInput)
    notes = forms.CharField(
        label=_("Conditions particulières"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, clients: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]


class QuoteServiceLineForm(forms.Form):
    service: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Prestation"), queryset=None
    )
    quantity = forms.DecimalField(label=_("Quantité"), max_digits=10, decimal_places=2)

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]


class QuoteSendForm(forms.Form):
    recipient_email = forms.EmailField(label=_("Adresse e-mail du client"), required=False)


class _MemberChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A member by first name and last initial: enough to tell teammates apart, without the
    personal data only those with MEMBER_VIEW see."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name(full=False))


class JobForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.none())
    service: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Prestation"),
        queryset=None,
        required=False,
        help_text=_("Elle donne l'intitulé, l'unité, le prix et la TVA laissés vides."),
    )
    title = forms.CharField(label=_("Intitulé"), max_length=300, required=False)
    quantity = forms.DecimalField(label=_("Quantité"), max_digits=10, decimal_places=2)
    unit = forms.ChoiceField(
        label=_("Unité"), choices=[("", "—"), *ServiceUnit.choices], required=False
    )
    unit_price_excl_vat = forms.DecimalField(
        label=_("Prix unitaire HT (€)"), max_digits=10, decimal_places=2, required=False
    )
    vat_rate = forms.TypedChoiceField(
        label=_("Taux de TVA"), coerce=Decimal, required=False, empty_value=None
    )
    place = forms.CharField(label=_("Lieu"), max_length=250, required=False)

    def __init__(
        self,
        *args: Any,
        clients: Any,
        services: Any,
        vat_rates: tuple[Decimal, ...],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
        self.fields["service"].queryset = services  # type: ignore[attr-defined]
        self.fields["vat_rate"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((str(rate), f"{floatformat(rate, -1)} %") for rate in vat_rates),
        ]


class JobSlotForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    starts_at = forms.TimeField(label=_("Début"), widget=TimeInput(format="%H:%M"))
    ends_at = forms.TimeField(label=_("Fin"), widget=TimeInput(format="%H:%M"))


class JobAssignForm(forms.Form):
    member = _MemberChoiceField(
        label=_("Coopérant·e"),
        queryset=Member.objects.none(),
        error_messages={
            "invalid_choice": _("Cette personne n'est pas inscrite dans cette coopérative.")
        },
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]


class JobHoursForm(forms.Form):
    hours = forms.DecimalField(label=_("Heures travaillées"), max_digits=5, decimal_places=2)


class PlanningWeekForm(forms.Form):
    semaine = forms.DateField(label=_("Semaine du"), required=False, widget=DateInput)


class OnlinePaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Montant à payer (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,  # "45,50" as French people write it
    )


# --- Cohort purchases and the CAE's contribution ------------------------------------------


class PurchaseForm(forms.Form):
    description = forms.CharField(label=_("Objet de l'achat"), max_length=300)
    supplier = forms.CharField(label=_("Fournisseur"), max_length=200)
    category = forms.ChoiceField(label=_("Catégorie"), choices=PurchaseCategory.choices)
    amount_incl_vat = forms.DecimalField(
        label=_("Montant TTC (€)"), max_digits=12, decimal_places=2, localize=True
    )
    vat_amount = forms.DecimalField(
        label=_("Dont TVA (€)"),
        max_digits=12,
        decimal_places=2,
        initial=Decimal("0.00"),
        localize=True,
        help_text=_("0 si le justificatif ne mentionne pas de TVA."),
    )
    # Not required here: the domain says why a purchase without a receipt is refused.
    receipt = forms.FileField(
        label=_("Justificatif (ticket ou facture)"),
        required=False,
        help_text=_("PDF, JPEG ou PNG, 5 Mo au maximum."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class PurchaseRefuseForm(forms.Form):
    reason = forms.CharField(label=_("Motif du refus"), max_length=500, widget=forms.Textarea)


class PurchasePayForm(forms.Form):
    paid_on = forms.DateField(label=_("Payé le"), widget=DateInput)
    method = forms.ChoiceField(label=_("Moyen de paiement"), choices=PurchasePaymentMethod.choices)


class ContributionRateForm(forms.Form):
    cae_contribution_rate = forms.DecimalField(
        label=_("Contribution de la CAE (% du chiffre d'affaires HT)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        localize=True,
    )


class PayRunForm(forms.Form):
    """A répartition to propose (or a draft to change): without an amount, the result."""

    period_start = forms.DateField(label=_("Du"), widget=DateInput)
    period_end = forms.DateField(label=_("Au"), widget=DateInput)
    sharing_rule = forms.ChoiceField(label=_("Règle de répartition"))
    retained_rate = forms.DecimalField(
        label=_("Part gardée par la coopérative (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        initial=Decimal("0"),
        localize=True,
    )
    amount_to_share = forms.DecimalField(
        label=_("Montant à répartir (€)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        localize=True,
        help_text=_("Laissez vide pour répartir le résultat de la période."),
    )
    above_result_reason = forms.CharField(
        label=_("Motif d'un montant supérieur au résultat (CAE)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, sharing_rules: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sharing_rule"].choices = sharing_rules  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("La période finit après avoir commencé."))
        return data


class TrainingSessionForm(forms.Form):
    """An atelier to plan for a cohort."""

    topic = forms.ChoiceField(label=_("Thème"))
    title = forms.CharField(
        label=_("Intitulé"),
        max_length=200,
        required=False,
        help_text=_("Obligatoire pour le thème « Autre »."),
    )
    trainer_name = forms.CharField(label=_("Intervenant·e"), max_length=150)
    trainer_organisation = forms.CharField(
        label=_("Structure de l'intervenant·e"), max_length=150, required=False
    )
    date = forms.DateField(label=_("Date"), widget=DateInput)
    starts_at = forms.TimeField(label=_("Début"), widget=TimeInput)
    ends_at = forms.TimeField(label=_("Fin"), widget=TimeInput)
    place = forms.CharField(label=_("Lieu"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, topics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = topics  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("Un atelier finit après avoir commencé."))
        return data


class TrainingAttendanceForm(forms.Form):
    """Who attended an atelier: a box per member enrolled on the day, and the hours of those
    who did not stay the whole session (empty: all of it)."""

    def __init__(
        self, *args: Any, members: list[tuple[int, str]], max_hours: Decimal, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.member_ids = [member_id for member_id, _name in members]
        for member_id, name in members:
            self.fields[f"present_{member_id}"] = forms.BooleanField(label=name, required=False)
            self.fields[f"hours_{member_id}"] = forms.DecimalField(
                label=_("Heures suivies par %(name)s") % {"name": name},
                max_digits=4,
                decimal_places=2,
                min_value=Decimal("0"),
                max_value=max_hours,
                required=False,
                localize=True,
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"present_{i}"], self[f"hours_{i}"]) for i in self.member_ids]

    def present_member_ids(self) -> list[int]:
        return [i for i in self.member_ids if self.cleaned_data.get(f"present_{i}")]

    def hours_by_member(self) -> dict[int, Decimal]:
        return {
            i: self.cleaned_data[f"hours_{i}"]
            for i in self.present_member_ids()
            if self.cleaned_data.get(f"hours_{i}") is not None
        }


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: Any = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class ProposalForm(forms.Form):
    """A question to put to the cohort's vote (governance)."""

    question = forms.CharField(label=_("Question"), max_length=300)
    details = forms.CharField(
        label=_("Précisions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("Type de vote"))
    options = forms.CharField(
        label=_("Choix proposés (un par ligne)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seulement pour un vote à plusieurs choix."),
    )
    secret = forms.BooleanField(label=_("Vote à bulletin secret"), required=False)
    quorum_percent = forms.IntegerField(
        label=_("Quorum (% des coopérant·es inscrit·es)"), min_value=0, max_value=100, initial=50
    )
    majority_rule = forms.ChoiceField(label=_("Majorité requise"))
    closes_at = forms.DateTimeField(label=_("Clôture du vote"), widget=DateTimeInput)

    def __init__(self, *args: Any, kinds: Any, majority_rules: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.fields["majority_rule"].choices = majority_rules  # type: ignore[attr-defined]

    def option_labels(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class VoteForm(forms.Form):
    """One member's choice on one proposal; an empty choice is an abstention."""

    choice = forms.ChoiceField(label=_("Votre choix"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, options: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [  # type: ignore[attr-defined]
            *[(str(option.pk), option.label) for option in options],
            ("abstain", _("Je m'abstiens")),
        ]


class MeetingForm(forms.Form):
    """An assemblée or a committee meeting of the cohort, with who attended."""

    kind = forms.ChoiceField(label=_("Type de réunion"))
    committee = forms.ModelChoiceField(
        label=_("Comité"), queryset=Committee.objects.none(), required=False
    )
    held_on = forms.DateField(label=_("Date"), widget=DateInput)
    agenda = forms.CharField(label=_("Ordre du jour"), widget=forms.Textarea(attrs={"rows": 3}))
    minutes = forms.CharField(
        label=_("Compte rendu"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Présent·es"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args: Any, kinds: Any, committees: Any, members: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        self.fields["committee"].queryset = committees  # type: ignore[attr-defined]
        self.fields["attendees"].queryset = members  # type: ignore[attr-defined]
        self.fields["attendees"].label_from_instance = (  # type: ignore[attr-defined]
            lambda member: member.display_name(full=False)
        )


class MeetingMinutesForm(forms.Form):
    """The minutes and the attendance of a meeting, recorded or amended (governance)."""

    minutes = forms.CharField(
        label=_("Compte rendu"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("Présent·es"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members  # type: ignore[attr-defined]
        self.fields["attendees"].label_from_instance = (  # type: ignore[attr-defined]
            lambda member: member.display_name(full=False)
        )


class PayRunDecideForm(forms.Form):
    """Deciding a répartition: the cohort's adopted decision it applies, if a vote took it."""

    decision: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Décision de la coopérative"),
        queryset=None,
        required=False,
        empty_label=_("Aucun vote en ligne (décision prise en réunion)"),
        help_text=_("Le vote adopté qui fonde cette répartition, s'il a eu lieu dans Coopilote."),
    )

    def __init__(self, *args: Any, decisions: Any, describe: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = decisions  # type: ignore[attr-defined]
        self.fields["decision"].label_from_instance = describe  # type: ignore[attr-defined]
