"""What a CAE's cohorts sell (services) and to whom (the CAE's clients and their contacts).

The CAE is the legal seller: clients belong to the CAE and are shared by its cohorts; the cohort
that found a client is only recorded. A client holds what an invoice needs (French law: the
buyer's name and address, a business buyer's SIREN/SIRET, its VAT number when it has one).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coopilote.identifiers import validate_siret, validate_vat_number
from tenants.cohorts.models import Cohort
from tenants.people.validators import validate_postcode


class ServiceUnit(models.TextChoices):
    HOUR = "hour", _("heure")
    FLAT = "flat", _("forfait")
    ITEM = "item", _("unité")


class ClientKind(models.TextChoices):
    COMPANY = "company", _("Entreprise")
    ASSOCIATION = "association", _("Association")
    PUBLIC_BODY = "public_body", _("Organisme public")
    INDIVIDUAL = "individual", _("Particulier")


class ServiceQuerySet(models.QuerySet["Service"]):
    def in_cohorts(self, cohort_ids: Iterable[int]) -> ServiceQuerySet:
        return self.filter(cohort_id__in=cohort_ids)

    def active(self) -> ServiceQuerySet:
        """Services still offered (a deactivated one stays for the quotes that name it)."""
        return self.filter(is_active=True)


class Service(models.Model):
    """A service a cohort offers, at a price excluding VAT per unit."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="services", verbose_name=_("coopérative")
    )
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unité"), max_length=4, choices=ServiceUnit.choices)
    unit_price_excl_vat = models.DecimalField(
        _("prix unitaire HT (€)"), max_digits=10, decimal_places=2
    )
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=4, decimal_places=1)
    is_active = models.BooleanField(_("proposée"), default=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("prestation")
        verbose_name_plural = _("prestations")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "name"],
                name="commerce_service_unique_name_per_cohort",
                violation_error_message=_(
                    "Cette coopérative propose déjà une prestation de ce nom."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price_excl_vat__gte=0),
                name="commerce_service_price_not_negative",
                violation_error_message=_("Un prix ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=models.Q(vat_rate__gte=0),
                name="commerce_service_vat_rate_not_negative",
                violation_error_message=_("Un taux de TVA ne peut pas être négatif."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    """A buyer of the CAE: a company, an association, a public body or a private person."""

    kind = models.CharField(_("type"), max_length=11, choices=ClientKind.choices)
    name = models.CharField(
        _("nom"),
        max_length=200,
        help_text=_("Raison sociale de la structure, ou nom complet de la personne."),
    )
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[validate_siret])
    vat_number = models.CharField(
        _("numéro de TVA intracommunautaire"),
        max_length=13,
        blank=True,
        validators=[validate_vat_number],
    )
    address = models.CharField(_("adresse"), max_length=250)
    postcode = models.CharField(_("code postal"), max_length=5, validators=[validate_postcode])
    city = models.CharField(_("commune"), max_length=100)
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clients_found",
        verbose_name=_("trouvé par la coopérative"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=ClientKind.COMPANY) | ~models.Q(siret=""),
                name="commerce_client_company_has_siret",
                violation_error_message=_("Une entreprise cliente a un SIRET (14 chiffres)."),
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=ClientKind.INDIVIDUAL) | models.Q(siret="", vat_number=""),
                name="commerce_client_individual_has_no_company_number",
                violation_error_message=_("Un particulier n'a ni SIRET ni numéro de TVA."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def siren(self) -> str:
        """The SIREN printed on invoices: the first 9 digits of the SIRET ("" without one)."""
        return self.siret[:9]


class ClientContact(models.Model):
    """A person to talk to at a client (the one who orders, the one who pays…)."""

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("client")
    )
    full_name = models.CharField(_("nom complet"), max_length=200)
    role = models.CharField(
        _("fonction"), max_length=100, blank=True, help_text=_("Par exemple : gérante, comptable.")
    )
    email = models.EmailField(_("adresse e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["full_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="") | ~models.Q(phone=""),
                name="commerce_clientcontact_reachable",
                violation_error_message=_("Indiquez l'adresse e-mail ou le téléphone du contact."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


# --- Quotes (devis) ------------------------------------------------------------------------


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SENT = "sent", _("Envoyé")
    ACCEPTED = "accepted", _("Accepté")
    DECLINED = "declined", _("Refusé")


class Quote(models.Model):
    """A priced offer of a cohort to a client. Once sent it never changes: the client answers it
    through a single-use link (no account); an accepted quote becomes one or more jobs."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("coopérative")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("client")
    )
    status = models.CharField(
        _("statut"), max_length=8, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    number = models.CharField(_("numéro"), max_length=30, blank=True)
    subject = models.CharField(_("objet"), max_length=200)
    notes = models.TextField(_("conditions particulières"), blank=True)
    valid_until = models.DateField(_("valable jusqu'au"))
    # Frozen when sent (recomputed from the lines, never typed in).
    total_excl_vat = models.DecimalField(
        _("total HT"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    total_vat = models.DecimalField(
        _("total TVA"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    total_incl_vat = models.DecimalField(
        _("total TTC"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    recipient_email = models.EmailField(_("envoyé à"), blank=True)
    # SHA-256 of the single-use answer link's token; emptied once the client has answered.
    response_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("réponse le"), null=True, blank=True)
    answer_comment = models.TextField(_("commentaire du client"), blank=True)

    class Meta:
        verbose_name = _("devis")
        verbose_name_plural = pgettext_lazy("plusieurs", "devis")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=~models.Q(number=""),
                name="commerce_quote_unique_number",
            ),
            models.CheckConstraint(
                condition=models.Q(status=QuoteStatus.DRAFT)
                | (~models.Q(number="") & models.Q(sent_at__isnull=False)),
                name="commerce_quote_sent_has_number",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[QuoteStatus.ACCEPTED, QuoteStatus.DECLINED])
                | models.Q(answered_at__isnull=False, response_token_hash=""),
                name="commerce_quote_answer_consumes_the_link",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"devis brouillon #{self.pk}"


class QuoteLine(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quote_lines",
        verbose_name=_("prestation"),
    )
    description = models.CharField(_("désignation"), max_length=300)
    quantity = models.DecimalField(_("quantité"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("unité"), max_length=4, choices=ServiceUnit.choices)
    unit_price_excl_vat = models.DecimalField(
        _("prix unitaire HT (€)"), max_digits=10, decimal_places=2
    )
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("ligne de devis")
        verbose_name_plural = _("lignes de devis")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="commerce_quoteline_positive_quantity",
                violation_error_message=_("Une quantité est positive."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price_excl_vat__gte=0),
                name="commerce_quoteline_price_not_negative",
                violation_error_message=_("Un prix ne peut pas être négatif."),
            ),
        ]
        triggers = [
            # The lines of a quote the client has received never change, even through raw SQL.
            pgtrigger.Trigger(
                name="quote_lines_follow_their_quote",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=(
                    "IF EXISTS (SELECT 1 FROM commerce_quote WHERE status <> 'draft' AND id IN "
                    "(NEW.quote_id, OLD.quote_id)) THEN RAISE EXCEPTION "
                    "'Coopilote: the lines of a sent quote cannot change' "
                    "USING ERRCODE = 'P0001'; END IF; "
                    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.description


# --- Jobs (prestations réalisées) ----------------------------------------------------------


class JobStatus(models.TextChoices):
    PLANNED = "planned", _("Prévue")
    DONE = "done", _("Réalisée")
    INVOICED = "invoiced", _("Facturée")
    CANCELLED = "cancelled", _("Annulée")


class JobQuerySet(models.QuerySet["Job"]):
    def in_cohorts(self, cohort_ids: Iterable[int]) -> JobQuerySet:
        return self.filter(cohort_id__in=cohort_ids)


class Job(models.Model):
    """A piece of work a cohort does for a client, planned in time slots, done by members.

    It carries what it will be invoiced for (quantity times unit price, at a VAT rate), copied from
    the quote line or the service it comes from, and editable until it is done.
    """

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("coopérative")
    )
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("client")
    )
    quote_line = models.ForeignKey(
        QuoteLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("ligne de devis"),
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("prestation"),
    )
    title = models.CharField(_("intitulé"), max_length=300)
    place = models.CharField(_("lieu"), max_length=250, blank=True)
    status = models.CharField(
        _("statut"), max_length=9, choices=JobStatus.choices, default=JobStatus.PLANNED
    )
    quantity = models.DecimalField(_("quantité facturée"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("unité"), max_length=4, choices=ServiceUnit.choices)
    unit_price_excl_vat = models.DecimalField(
        _("prix unitaire HT (€)"), max_digits=10, decimal_places=2
    )
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=4, decimal_places=1)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    done_at = models.DateTimeField(_("réalisée le"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("prestation réalisée")
        verbose_name_plural = _("prestations réalisées")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0),
                name="commerce_job_positive_quantity",
                violation_error_message=_("Une quantité est positive."),
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price_excl_vat__gte=0),
                name="commerce_job_price_not_negative",
                violation_error_message=_("Un prix ne peut pas être négatif."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[JobStatus.DONE, JobStatus.INVOICED])
                | models.Q(done_at__isnull=False),
                name="commerce_job_done_has_a_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class JobSlot(models.Model):
    """One time slot of a job in the calendar (a job may take several mornings)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="slots")
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))

    class Meta:
        verbose_name = _("créneau")
        verbose_name_plural = _("créneaux")
        ordering = ["date", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="commerce_jobslot_ends_after_it_starts",
                violation_error_message=_("Un créneau finit après avoir commencé."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.starts_at}-{self.ends_at}"


class JobAssignment(models.Model):
    """A member working on a job, and the hours they actually worked (recorded afterwards)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="assignments")
    member = models.ForeignKey(
        "people.Member",
        on_delete=models.PROTECT,
        related_name="job_assignments",
        verbose_name=_("coopérant·e"),
    )
    hours_worked = models.DecimalField(
        _("heures travaillées"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("affectation")
        verbose_name_plural = _("affectations")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "member"],
                name="commerce_jobassignment_once_per_job",
                violation_error_message=_("Cette personne est déjà affectée à la prestation."),
            ),
            models.CheckConstraint(
                condition=models.Q(hours_worked__isnull=True)
                | models.Q(hours_worked__gte=0, hours_worked__lte=24 * 31),
                name="commerce_jobassignment_hours_in_range",
                violation_error_message=_("Les heures travaillées sont comprises entre 0 et 744."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.job_id}"
