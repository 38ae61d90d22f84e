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
from django.db import models
from django.utils.translation import gettext_lazy as _


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
