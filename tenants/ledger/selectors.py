"""Reading the books per cohort: its profit and loss and cash over a period (from the ledger),
and its unpaid invoices by age (from billing). One query per figure or list, never per row."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coopilote.access import Action, cohort_scope
from coopilote.money import to_cents
from tenants.billing.models import CreditNote, Invoice, InvoiceStatus, Payment, Refund
from tenants.billing.selectors import Balance, invoice_balance
from tenants.cohorts.models import Cohort
from tenants.ledger import chart
from tenants.ledger.models import Purchase, PurchaseStatus

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class ProfitAndLoss:
    """A cohort's result over a period: revenue, purchases, provider fees and the CAE's
    contribution; before members' pay."""

    start: datetime.date
    end: datetime.date
    sales: Decimal  # 706 credited by invoices (HT)
    credit_notes: Decimal  # 706 debited by credit notes (HT)
    purchases: Decimal  # 6068, 6251, 628: the cohort's purchases paid (HT)
    fees: Decimal  # 627: the online payment provider's fees
    contribution_rate: Decimal  # the cohort's CAE contribution rate, in percent
    cash_in: Decimal  # money received on the treasury accounts
    cash_out: Decimal  # money given back, paid for purchases or kept as fees

    @property
    def revenue(self) -> Decimal:
        return self.sales - self.credit_notes

    @property
    def contribution(self) -> Decimal:
        """The CAE's share of the revenue: computed here, not booked (docs/ledger.md)."""
        return to_cents(self.revenue * self.contribution_rate / 100)

    @property
    def result(self) -> Decimal:
        return self.revenue - self.purchases - self.fees - self.contribution

    @property
    def cash_net(self) -> Decimal:
        return self.cash_in - self.cash_out


def _total(side: str, condition: Q) -> Coalesce:
    return Coalesce(Sum(side, filter=condition), Value(ZERO), output_field=_MONEY)


def cohort_profit_and_loss(
    *, cohort_id: int, start: datetime.date, end: datetime.date
) -> ProfitAndLoss:
    """Revenue net of credit notes, purchases, provider fees, the CAE's contribution, result and
    cash of a cohort, from the analytic axis of the ledger lines dated from `start` to `end`
    and the cohort's contribution rate (one query)."""
    # From the cohort, joined to its lines: the rate comes with the totals even when the
    # period has no line. Each sum filters on the period itself.
    period = Q(entry_lines__entry__date__gte=start, entry_lines__entry__date__lte=end)

    def total(side: str, accounts: Q) -> Coalesce:
        return _total(f"entry_lines__{side}", period & accounts)

    sales = Q(entry_lines__account__number=chart.SERVICES_SOLD)
    purchases = Q(entry_lines__account__number__in=chart.EXPENSE_ACCOUNTS)
    fees = Q(entry_lines__account__number=chart.BANK_FEES)
    treasury = Q(entry_lines__account__number__in=chart.TREASURY_ACCOUNTS)
    totals = Cohort.objects.filter(pk=cohort_id).aggregate(
        rate=Max("cae_contribution_rate"),
        sales_credit=total("credit", sales),
        sales_debit=total("debit", sales),
        purchases_debit=total("debit", purchases),
        purchases_credit=total("credit", purchases),
        fees_debit=total("debit", fees),
        fees_credit=total("credit", fees),
        cash_in=total("debit", treasury),
        cash_out=total("credit", treasury),
    )
    return ProfitAndLoss(
        start=start,
        end=end,
        sales=totals["sales_credit"],
        credit_notes=totals["sales_debit"],
        purchases=totals["purchases_debit"] - totals["purchases_credit"],
        fees=totals["fees_debit"] - totals["fees_credit"],
        contribution_rate=totals["rate"] if totals["rate"] is not None else ZERO,
        cash_in=totals["cash_in"],
        cash_out=totals["cash_out"],
    )


class Ageing(StrEnum):
    NOT_DUE = "not_due"
    OVERDUE_0_30 = "overdue_0_30"
    OVERDUE_31_60 = "overdue_31_60"
    OVERDUE_61_90 = "overdue_61_90"
    OVERDUE_OVER_90 = "overdue_over_90"


AGEING_LABELS = {
    Ageing.NOT_DUE: _("Pas encore échues"),
    Ageing.OVERDUE_0_30: _("En retard de 0 à 30 jours"),
    Ageing.OVERDUE_31_60: _("En retard de 31 à 60 jours"),
    Ageing.OVERDUE_61_90: _("En retard de 61 à 90 jours"),
    Ageing.OVERDUE_OVER_90: _("En retard de plus de 90 jours"),
}


def ageing_of(days_overdue: int) -> Ageing:
    """The bucket of an invoice `days_overdue` days past its due date (≤ 0: not due yet)."""
    if days_overdue <= 0:
        return Ageing.NOT_DUE
    if days_overdue <= 30:
        return Ageing.OVERDUE_0_30
    if days_overdue <= 60:
        return Ageing.OVERDUE_31_60
    if days_overdue <= 90:
        return Ageing.OVERDUE_61_90
    return Ageing.OVERDUE_OVER_90


@dataclass(frozen=True)
class UnpaidInvoice:
    invoice: Invoice
    balance: Balance
    days_overdue: int
    ageing: Ageing

    @property
    def outstanding(self) -> Decimal:
        return self.balance.outstanding


@dataclass(frozen=True)
class UnpaidReport:
    invoices: list[UnpaidInvoice]
    by_ageing: dict[Ageing, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.by_ageing.values(), ZERO)


def _sum_of(
    model: type[CreditNote] | type[Payment] | type[Refund], field: str, invoice: str = "invoice"
) -> Coalesce:
    amounts = (
        model.objects.filter(**{invoice: OuterRef("pk")})
        .order_by()
        .values(invoice)
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(amounts, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def _unpaid(cohort_id: int | None) -> QuerySet[Invoice]:
    # The amounts billing's selectors compute (paid: net of refunds), under the names
    # invoice_balance() reads, so that it makes no query per invoice.
    invoices = Invoice.objects.filter(status=InvoiceStatus.ISSUED).annotate(
        credited_amount=_sum_of(CreditNote, "total_incl_vat"),
        paid_amount=_sum_of(Payment, "amount")
        - _sum_of(Refund, "amount", invoice="payment__invoice"),
    )
    if cohort_id is not None:
        invoices = invoices.filter(cohort_id=cohort_id)
    left = ExpressionWrapper(
        F("total_incl_vat") - F("credited_amount") - F("paid_amount"), output_field=_MONEY
    )
    return (
        invoices.annotate(left_to_pay=left)
        .filter(left_to_pay__gt=0)
        .select_related("client", "cohort")
        .order_by("due_on", "number")
    )


def unpaid_invoices(
    *, cohort_id: int | None = None, today: datetime.date | None = None
) -> UnpaidReport:
    """Issued invoices with something left to pay (a cohort's, or all the CAE's), oldest due
    first, with their ageing and the totals per bucket (one query)."""
    today = today or timezone.localdate()
    rows = []
    by_ageing = dict.fromkeys(Ageing, ZERO)
    for invoice in _unpaid(cohort_id):
        assert invoice.due_on is not None  # issued invoices have one (database constraint)
        days = (today - invoice.due_on).days
        row = UnpaidInvoice(
            invoice=invoice,
            balance=invoice_balance(invoice=invoice),
            days_overdue=max(days, 0),
            ageing=ageing_of(days),
        )
        rows.append(row)
        by_ageing[row.ageing] += row.outstanding
    return UnpaidReport(invoices=rows, by_ageing=by_ageing)


# --- Cohort purchases -----------------------------------------------------------------------


def purchase_get(*, purchase_id: int) -> Purchase | None:
    return Purchase.objects.select_related("cohort").filter(pk=purchase_id).first()


def purchase_list(
    *,
    user: Any,
    cae: Any,
    cohort_id: int | None = None,
    status: PurchaseStatus | str | None = None,
) -> QuerySet[Purchase]:
    """The purchases the person may see (their cohorts', or all for CAE staff), newest first,
    optionally of one cohort or in one status."""
    purchases = Purchase.objects.select_related("cohort")
    scope = cohort_scope(user, Action.PURCHASE_REQUEST, cae=cae)
    if scope is not None:
        purchases = purchases.filter(cohort_id__in=scope)
    if cohort_id is not None:
        purchases = purchases.of_cohort(cohort_id)
    if status is not None:
        purchases = purchases.filter(status=status)
    return purchases


_RECEIPT_CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True)
class ReceiptFile:
    content: bytes
    filename: str
    content_type: str


def purchase_receipt(*, purchase: Purchase) -> ReceiptFile:
    """The purchase's receipt, for a download that the caller has allowed (at most 5 MB)."""
    with purchase.receipt.open("rb") as file:
        content = file.read()
    extension = purchase.receipt_filename.rsplit(".", 1)[-1]
    return ReceiptFile(
        content=content,
        filename=purchase.receipt_filename,
        # Only the types the upload accepted (checked on content); anything else is bytes.
        content_type=_RECEIPT_CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
