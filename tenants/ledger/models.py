"""The CAE's double-entry ledger: accounts of the French chart (PCG), journals, entries and their
lines, with the cohort as analytic axis.

The database keeps the books straight on its own, whatever code writes to them: an entry is
checked at COMMIT (deferred constraint triggers) to have at least two lines whose debits equal
its credits; lines are only added in the transaction that posts their entry; posted entries and
lines refuse UPDATE and DELETE. A mistake is corrected by another entry, never by an edit.
"""

from __future__ import annotations

from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from coopilote.audit import audited
from tenants.people.validators import validate_document_file


class TransactionTimestamp(models.Func):
    """PostgreSQL's transaction_timestamp(): the same value for every statement of a
    transaction (Django's Now() is the statement's time)."""

    template = "transaction_timestamp()"
    output_field = models.DateTimeField()


class Account(models.Model):
    """An account of the CAE's chart (PCG number), e.g. 411 Clients."""

    number = models.CharField(_("numéro de compte"), max_length=20, unique=True)
    label = models.CharField(_("libellé"), max_length=120)

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.label}"


class Journal(models.TextChoices):
    SALES = "VE", _("Ventes")
    BANK = "BQ", _("Banque")
    MISCELLANEOUS = "OD", _("Opérations diverses")


class SourceKind(models.TextChoices):
    """What an entry books; with the source id, posting the same thing twice is a no-op."""

    INVOICE = "invoice", _("Facture")
    CREDIT_NOTE = "credit_note", _("Avoir")
    PAYMENT = "payment", _("Paiement reçu")
    REFUND = "refund", _("Remboursement")
    FEE = "fee", _("Frais du prestataire de paiement")
    PURCHASE = "purchase", _("Achat d'une coopérative")


# Shared by both deferred triggers: the entries touched must have 2+ lines and balance. They
# run at COMMIT, when the search_path may name another schema (django-tenants switches it), so
# the tables are those of the trigger's own schema, named explicitly.
_BALANCE_CHECK = (
    "EXECUTE format('SELECT EXISTS (SELECT 1 FROM %1$I.ledger_journalentry e WHERE e.id = $1 "
    "AND (SELECT count(*) < 2 OR coalesce(sum(l.debit), 0) <> coalesce(sum(l.credit), 0) "
    "FROM %1$I.ledger_entryline l WHERE l.entry_id = e.id))', TG_TABLE_SCHEMA) "
    "INTO unbalanced USING {entry_id}; "
    "IF unbalanced THEN RAISE EXCEPTION "
    "'Coopilote: a ledger entry needs at least two lines and equal debits and credits' "
    "USING ERRCODE = '23514'; END IF; RETURN NULL;"
)


class JournalEntry(models.Model):
    """One accounting entry (écriture), numbered without gaps per journal and fiscal year."""

    journal = models.CharField(_("journal"), max_length=2, choices=Journal.choices)
    number = models.CharField(_("numéro d'écriture"), max_length=30, unique=True)
    date = models.DateField(_("date de comptabilisation"))
    label = models.CharField(_("libellé"), max_length=200)
    piece_reference = models.CharField(_("pièce justificative"), max_length=100)
    piece_date = models.DateField(_("date de la pièce"))
    cohort = models.ForeignKey(
        "cohorts.Cohort",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_entries",
        verbose_name=_("coopérative (analytique)"),
    )
    source_kind = models.CharField(_("origine"), max_length=12, choices=SourceKind.choices)
    source_id = models.CharField(_("identifiant de l'origine"), max_length=120)
    # The transaction's own timestamp (db default): lines may join their entry only within it.
    posted_at = models.DateTimeField(
        _("validée le"), db_default=TransactionTimestamp(), editable=False
    )

    class Meta:
        verbose_name = _("écriture")
        verbose_name_plural = _("écritures")
        ordering = ["posted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id"], name="ledger_journalentry_unique_source"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="posted_entry_is_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            pgtrigger.Trigger(
                name="entry_is_balanced_at_commit",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                declare=[("unbalanced", "boolean")],
                func=_BALANCE_CHECK.format(entry_id="NEW.id"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.label}"


class EntryLine(models.Model):
    """A debit or a credit of one account within an entry."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="lines", verbose_name=_("écriture")
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="lines", verbose_name=_("compte")
    )
    label = models.CharField(_("libellé"), max_length=200)
    debit = models.DecimalField(
        _("débit"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    credit = models.DecimalField(
        _("crédit"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    cohort = models.ForeignKey(
        "cohorts.Cohort",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entry_lines",
        verbose_name=_("coopérative (analytique)"),
    )
    # Client sub-ledger (FEC CompAuxNum / CompAuxLib), frozen at posting.
    auxiliary_number = models.CharField(_("compte auxiliaire"), max_length=20, blank=True)
    auxiliary_label = models.CharField(_("libellé auxiliaire"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ligne d'écriture")
        verbose_name_plural = _("lignes d'écriture")
        ordering = ["entry", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(debit__gt=0, credit=0) | models.Q(debit=0, credit__gt=0),
                name="ledger_entryline_one_positive_side",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "account"])]
        triggers = [
            pgtrigger.Protect(
                name="posted_line_is_immutable", operation=pgtrigger.Update | pgtrigger.Delete
            ),
            # A posted entry takes no new lines, even balanced ones: only the transaction that
            # posted it (same transaction timestamp) may add them.
            pgtrigger.Trigger(
                name="line_joins_entry_while_posting",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                declare=[("refused", "boolean")],
                func=(
                    "EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %I.ledger_journalentry "
                    "WHERE id = $1 AND posted_at = transaction_timestamp())', TG_TABLE_SCHEMA) "
                    "INTO refused USING NEW.entry_id; IF refused THEN RAISE EXCEPTION "
                    "'Coopilote: a posted ledger entry takes no new lines' "
                    "USING ERRCODE = '23514'; END IF; RETURN NEW;"
                ),
            ),
            pgtrigger.Trigger(
                name="entry_of_line_is_balanced_at_commit",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                timing=pgtrigger.Deferred,
                declare=[("unbalanced", "boolean")],
                func=_BALANCE_CHECK.format(entry_id="NEW.entry_id"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} D {self.debit} C {self.credit}"


# --- Cohort purchases -----------------------------------------------------------------------


class PurchaseCategory(models.TextChoices):
    """What is bought; each category has its expense account (chart.PURCHASE_CATEGORY_ACCOUNTS)."""

    MATERIALS = "materials", _("Matériel et fournitures")
    TRAVEL = "travel", _("Déplacements")
    OTHER = "other", _("Autre")


class PurchaseStatus(models.TextChoices):
    REQUESTED = "requested", _("Demandé")
    APPROVED = "approved", _("Accepté")
    REFUSED = "refused", _("Refusé")
    PAID = "paid", _("Payé")


class PurchasePaymentMethod(models.TextChoices):
    """How the CAE pays; each has its treasury account (chart.PURCHASE_PAYMENT_ACCOUNTS)."""

    TRANSFER = "transfer", _("Virement")
    CARD = "card", _("Carte bancaire de la CAE")
    CASH = "cash", _("Espèces")


class PurchaseQuerySet(models.QuerySet["Purchase"]):
    def of_cohort(self, cohort_id: int) -> PurchaseQuerySet:
        return self.filter(cohort_id=cohort_id)


@audited()
class Purchase(models.Model):
    """A cohort's request to buy something (materials, travel…) with its receipt: CAE staff
    approve or refuse it, then pay it, which books it. Refused and paid purchases never change
    (the database refuses it)."""

    cohort = models.ForeignKey(
        "cohorts.Cohort",
        on_delete=models.PROTECT,
        related_name="purchases",
        verbose_name=_("coopérative"),
    )
    description = models.CharField(_("objet de l'achat"), max_length=300)
    supplier = models.CharField(_("fournisseur"), max_length=200)
    category = models.CharField(_("catégorie"), max_length=10, choices=PurchaseCategory.choices)
    amount_incl_vat = models.DecimalField(_("montant TTC"), max_digits=12, decimal_places=2)
    vat_amount = models.DecimalField(
        _("dont TVA"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    # Stored under the CAE's media folder (the storage prefixes the schema) with a random name;
    # never served by URL: downloads go through a view that checks the person's rights.
    receipt = models.FileField(
        _("justificatif"),
        upload_to="achats/",
        validators=[validate_document_file],
        help_text=_("Ticket ou facture : PDF, JPEG ou PNG, 5 Mo au maximum."),
    )
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=PurchaseStatus.choices,
        default=PurchaseStatus.REQUESTED,
    )
    # Accounts live in the public schema: DO_NOTHING, as for invoices.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+"
    )
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    refusal_reason = models.CharField(_("motif du refus"), max_length=500, blank=True)
    paid_on = models.DateField(_("payé le"), null=True, blank=True)
    payment_method = models.CharField(
        _("moyen de paiement"),
        max_length=10,
        choices=PurchasePaymentMethod.choices,
        blank=True,
    )
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
    )
    paid_at = models.DateTimeField(_("paiement enregistré le"), null=True, blank=True)

    objects = PurchaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("achat")
        verbose_name_plural = _("achats")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_incl_vat__gt=0),
                name="ledger_purchase_positive_amount",
                violation_error_message=_("Un achat a un montant positif."),
            ),
            models.CheckConstraint(
                condition=models.Q(vat_amount__gte=0)
                & models.Q(vat_amount__lte=models.F("amount_incl_vat")),
                name="ledger_purchase_vat_within_amount",
                violation_error_message=_(
                    "La TVA est comprise entre zéro et le montant TTC de l'achat."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(status="requested", decided_at__isnull=True)
                | (
                    ~models.Q(status="requested")
                    & models.Q(decided_at__isnull=False, decided_by__isnull=False)
                ),
                name="ledger_purchase_decided_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused") | ~models.Q(refusal_reason=""),
                name="ledger_purchase_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="paid", paid_on__isnull=False, paid_at__isnull=False)
                    & ~models.Q(payment_method="")
                )
                | (~models.Q(status="paid") & models.Q(paid_on__isnull=True)),
                name="ledger_purchase_paid_has_date_and_method",
            ),
        ]
        indexes = [models.Index(fields=["cohort", "status"])]
        triggers = [
            # A refused or paid purchase is settled: it never changes, even through raw SQL.
            pgtrigger.Protect(
                name="settled_purchase_is_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status__in=["refused", "paid"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.supplier})"

    @property
    def amount_excl_vat(self) -> Decimal:
        return self.amount_incl_vat - self.vat_amount

    @property
    def receipt_filename(self) -> str:
        """The name a downloaded receipt gets, e.g. justificatif-achat-42.pdf."""
        name = self.receipt.name or ""
        extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
        return f"justificatif-achat-{self.pk}.{extension}"
