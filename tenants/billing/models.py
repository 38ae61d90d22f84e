from __future__ import annotations

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coopilote.audit import audited


class NumberingSettings(models.Model):
    """How the CAE numbers its invoices and credit notes (one row per CAE schema)."""

    invoice_template = models.CharField(
        _("modèle des numéros de facture"),
        max_length=60,
        default="F{YYYY}-{SEQYEAR:5}",
        help_text=_(
            "Ex. F{YYYY}-{SEQYEAR:5} → F2026-00042 ; {COHORT} insère le code de la "
            "coopérative, {SEQCOHORTYEAR} numérote par coopérative et par année."
        ),
    )
    credit_note_template = models.CharField(
        _("modèle des numéros d'avoir"), max_length=60, default="A{YYYY}-{SEQYEAR:5}"
    )
    singleton = models.BooleanField(default=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("numérotation")
        verbose_name_plural = _("numérotations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(singleton=True), name="billing_numberingsettings_single_row"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_template} / {self.credit_note_template}"


class NumberCounter(models.Model):
    """The last number given in one sequence (e.g. invoices of 2026); bumped under a row lock
    in the transaction that issues the document, so a rollback gives the number back."""

    key = models.CharField(_("séquence"), max_length=120, unique=True)
    last_value = models.PositiveIntegerField(_("dernier numéro"))

    class Meta:
        verbose_name = _("compteur")
        verbose_name_plural = _("compteurs")

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Soumise à la CAE")
    ISSUED = "issued", _("Émise")


class Invoice(models.Model):
    """An invoice of the CAE for a cohort's work. Once issued, the database refuses any change:
    corrections are credit notes."""

    cohort = models.ForeignKey(
        "cohorts.Cohort",
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("coopérative"),
    )
    client = models.ForeignKey(
        "commerce.Client",
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("client"),
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    number = models.CharField(_("numéro"), max_length=60, blank=True)
    sale_date = models.DateField(_("date de la prestation"))
    issued_on = models.DateField(_("date d'émission"), null=True, blank=True)
    due_on = models.DateField(_("échéance"), null=True, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(
        _("délai de paiement (jours)"), default=30
    )
    late_penalty_rate = models.DecimalField(
        _("taux des pénalités de retard (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
    )
    # Frozen at issue: who sold and who bought, as the law requires them on the invoice.
    seller = models.JSONField(_("vendeur"), default=dict, blank=True)
    buyer = models.JSONField(_("acheteur"), default=dict, blank=True)
    total_excl_vat = models.DecimalField(
        _("total HT"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    total_vat = models.DecimalField(
        _("total TVA"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    total_incl_vat = models.DecimalField(
        _("total TTC"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("émise le"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=~models.Q(number=""),
                name="billing_invoice_unique_number",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status="issued",
                    issued_on__isnull=False,
                    due_on__isnull=False,
                    issued_at__isnull=False,
                )
                & ~models.Q(number="")
                | ~models.Q(status="issued"),
                name="billing_invoice_issued_has_number_and_dates",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="issued_invoice_is_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="issued"),
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"brouillon #{self.pk}"


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("désignation"), max_length=300)
    quantity = models.DecimalField(_("quantité"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("unité"), max_length=10)
    unit_price_excl_vat = models.DecimalField(
        _("prix unitaire HT"), max_digits=10, decimal_places=2
    )
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=4, decimal_places=1)
    job = models.ForeignKey(
        "commerce.Job",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
        verbose_name=_("prestation réalisée"),
    )

    class Meta:
        verbose_name = _("ligne de facture")
        verbose_name_plural = _("lignes de facture")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="billing_invoiceline_positive_quantity"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price_excl_vat__gte=0),
                name="billing_invoiceline_price_not_negative",
            ),
        ]
        triggers = [
            # Lines of a submitted or issued invoice never change, even through raw SQL.
            pgtrigger.Trigger(
                name="lines_follow_their_invoice",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func=(
                    "IF EXISTS (SELECT 1 FROM billing_invoice WHERE status <> 'draft' AND id IN "
                    "(NEW.invoice_id, OLD.invoice_id)) THEN RAISE EXCEPTION "
                    "'Coopilote: the lines of a submitted or issued invoice cannot change' "
                    "USING ERRCODE = 'P0001'; END IF; "
                    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.description


@audited(insert_only=True)
class CreditNote(models.Model):
    """An avoir: cancels all or part of an issued invoice. Issued in one step by CAE staff, with
    its own gap-free numbering; it never changes afterwards."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("facture")
    )
    number = models.CharField(_("numéro"), max_length=60, unique=True)
    reason = models.CharField(_("motif"), max_length=300)
    issued_on = models.DateField(_("date d'émission"))
    seller = models.JSONField(_("vendeur"), default=dict)
    buyer = models.JSONField(_("acheteur"), default=dict)
    total_excl_vat = models.DecimalField(_("total HT"), max_digits=12, decimal_places=2)
    total_vat = models.DecimalField(_("total TVA"), max_digits=12, decimal_places=2)
    total_incl_vat = models.DecimalField(_("total TTC"), max_digits=12, decimal_places=2)
    issued_at = models.DateTimeField(_("émis le"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+"
    )

    class Meta:
        verbose_name = _("avoir")
        verbose_name_plural = _("avoirs")
        ordering = ["issued_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_incl_vat__gt=0), name="billing_creditnote_positive_total"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="credit_note_is_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("désignation"), max_length=300)
    quantity = models.DecimalField(_("quantité"), max_digits=10, decimal_places=2)
    unit = models.CharField(_("unité"), max_length=10)
    unit_price_excl_vat = models.DecimalField(
        _("prix unitaire HT"), max_digits=10, decimal_places=2
    )
    vat_rate = models.DecimalField(_("taux de TVA (%)"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("ligne d'avoir")
        verbose_name_plural = _("lignes d'avoir")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="billing_creditnoteline_positive_quantity"
            ),
            models.CheckConstraint(
                condition=models.Q(unit_price_excl_vat__gte=0),
                name="billing_creditnoteline_price_not_negative",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="credit_note_line_is_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return self.description


class AttemptStatus(models.TextChoices):
    OPEN = "open", _("En cours")
    COMPLETED = "completed", _("Payé")
    EXPIRED = "expired", _("Abandonné")


class PaymentAttempt(models.Model):
    """One online checkout for an invoice (the client chose the amount: all or part of what is
    due). Created before the provider is called, with the idempotency key that call uses."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("facture")
    )
    public_id = models.UUIDField(unique=True, editable=False)
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2)
    provider = models.CharField(_("prestataire"), max_length=10)
    idempotency_key = models.CharField(max_length=120, unique=True)
    session_id = models.CharField(max_length=200, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    status = models.CharField(
        _("statut"), max_length=9, choices=AttemptStatus.choices, default=AttemptStatus.OPEN
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("paiement en ligne")
        verbose_name_plural = _("paiements en ligne")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="billing_paymentattempt_positive_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.session_id or self.public_id}"


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Virement")
    CHEQUE = "cheque", _("Chèque")
    CASH = "cash", _("Espèces")
    CARD = "card", _("Carte bancaire")


@audited(insert_only=True)
class Payment(models.Model):
    """Money received for an issued invoice (recorded by CAE staff, or by the online payment
    provider). Never changed: a mistake is corrected by a refund entry (issue 5)."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("facture")
    )
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2)
    received_on = models.DateField(_("reçu le"))
    method = models.CharField(_("moyen de paiement"), max_length=8, choices=PaymentMethod.choices)
    reference = models.CharField(_("référence"), max_length=100, blank=True)
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
    )
    # Online payments: the provider's payment id (one payment per id, whatever the events).
    provider_reference = models.CharField(_("référence du prestataire"), max_length=100, blank=True)
    attempt = models.ForeignKey(
        "PaymentAttempt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
    )

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["received_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="billing_payment_positive_amount"
            ),
            models.UniqueConstraint(
                fields=["provider_reference"],
                condition=~models.Q(provider_reference=""),
                name="billing_payment_unique_provider_reference",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="payment_is_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} € · {self.received_on}"


class InvoiceDispatch(models.Model):
    """An invoice sent to the client by email: asked by someone, then sent by a Celery task."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="dispatches", verbose_name=_("facture")
    )
    recipient = models.EmailField(_("destinataire"))
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("envoi de facture")
        verbose_name_plural = _("envois de facture")
        ordering = ["requested_at", "pk"]

    def __str__(self) -> str:
        return f"{self.invoice_id} → {self.recipient}"


class ArchivedDocument(models.Model):
    """The PDF of an issued invoice or credit note as first rendered: the legal copy the client
    received, kept and served as it is (never rendered again, even if the templates change)."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="archive"
    )
    credit_note = models.OneToOneField(
        CreditNote, on_delete=models.PROTECT, null=True, blank=True, related_name="archive"
    )
    pdf = models.FileField(_("PDF"), upload_to="factures/")
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("archivé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("document archivé")
        verbose_name_plural = _("documents archivés")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(invoice__isnull=False, credit_note__isnull=True)
                | models.Q(invoice__isnull=True, credit_note__isnull=False),
                name="billing_archiveddocument_one_document",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="archived_document_is_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return self.pdf.name or ""


@audited(insert_only=True)
class Refund(models.Model):
    """Money given back to the client on a payment (by the provider, or recorded by the CAE)."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("paiement")
    )
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2)
    refunded_on = models.DateField(_("remboursé le"))
    provider_reference = models.CharField(_("référence du prestataire"), max_length=100, blank=True)
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    class Meta:
        verbose_name = _("remboursement")
        verbose_name_plural = _("remboursements")
        ordering = ["refunded_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="billing_refund_positive_amount"
            ),
            models.UniqueConstraint(
                fields=["provider_reference"],
                condition=~models.Q(provider_reference=""),
                name="billing_refund_unique_provider_reference",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="refund_is_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"-{self.amount} € · {self.refunded_on}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Contestation ouverte")
    WON = "won", _("Contestation gagnée")
    LOST = "lost", _("Contestation perdue")


class Dispute(models.Model):
    """A card payment the client's bank contests (chargeback), as the provider reports it."""

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("paiement")
    )
    provider_reference = models.CharField(max_length=100, unique=True)
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("motif"), max_length=100, blank=True)
    status = models.CharField(
        _("statut"), max_length=4, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    opened_at = models.DateTimeField(_("ouverte le"), auto_now_add=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)

    class Meta:
        verbose_name = _("contestation")
        verbose_name_plural = _("contestations")
        ordering = ["opened_at", "pk"]

    def __str__(self) -> str:
        return self.provider_reference


class InvoiceReminder(models.Model):
    """A reminder emailed to the client of an overdue invoice (at most one a day)."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("facture")
    )
    recipient = models.EmailField(_("destinataire"))
    sent_on = models.DateField(_("envoyée le"))
    outstanding = models.DecimalField(_("reste dû (€)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("relance")
        verbose_name_plural = _("relances")
        ordering = ["sent_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "sent_on"], name="billing_invoicereminder_once_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} · {self.sent_on}"


class PaymentJournalEntry(models.Model):
    """The append-only journal of money received from (or given back to) private individuals.
    Each entry holds the SHA-256 of its content and of the previous entry: altering, removing
    or inserting an entry afterwards breaks the chain (`manage.py payment_journal_verify`)."""

    sequence = models.PositiveIntegerField(_("numéro d'ordre"), unique=True)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="journal_entry"
    )
    refund = models.OneToOneField(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="journal_entry"
    )
    recorded_at = models.DateTimeField(_("enregistré le"))
    occurred_on = models.DateField(_("date"))
    amount = models.DecimalField(_("montant (€)"), max_digits=12, decimal_places=2)
    method = models.CharField(_("moyen de paiement"), max_length=8)
    invoice_number = models.CharField(_("facture"), max_length=60)
    payer = models.CharField(_("payeur"), max_length=200)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("écriture du journal des encaissements")
        verbose_name_plural = _("journal des encaissements")
        ordering = ["sequence"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payment__isnull=False, refund__isnull=True)
                | models.Q(payment__isnull=True, refund__isnull=False),
                name="billing_paymentjournalentry_one_source",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="payment_journal_is_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} · {self.amount} €"
