"""The hash-chained journal of payments from private individuals.

Each entry's hash covers its own fields and the previous entry's hash, so that any later
change, removal or insertion shows when the chain is verified. Entries are appended in the
transaction that records the payment; the sequence number is taken from a locked counter row
(like invoice numbers), which also serialises concurrent appends: each one reads the entry
before it only once that one is committed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tenants.billing.models import Payment, PaymentJournalEntry, Refund
from tenants.billing.numbering import number_next

GENESIS = "0" * 64
_SEQUENCE_KEY = "payment-journal"


def _digest(entry: PaymentJournalEntry) -> str:
    content = {
        "sequence": entry.sequence,
        "payment": entry.payment_id,
        "refund": entry.refund_id,
        "recorded_at": entry.recorded_at.isoformat(),
        "occurred_on": entry.occurred_on.isoformat(),
        "amount": f"{entry.amount:.2f}",
        "method": entry.method,
        "invoice": entry.invoice_number,
        "payer": entry.payer,
        "previous": entry.previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def is_individual_payment(payment: Payment) -> bool:
    """Whether the payment came from a private individual (the buyer frozen on the invoice)."""
    return bool(payment.invoice.buyer.get("kind") == "individual")


@transaction.atomic
def payment_journal_append(
    *, payment: Payment | None = None, refund: Refund | None = None
) -> PaymentJournalEntry:
    """Append a payment received from, or a refund made to, a private individual."""
    if refund is not None and payment is None:
        paid, occurred_on, amount = refund.payment, refund.refunded_on, -refund.amount
    elif payment is not None and refund is None:
        paid, occurred_on, amount = payment, payment.received_on, payment.amount
    else:
        raise ValueError("One payment or one refund.")
    sequence = number_next(key=_SEQUENCE_KEY)
    previous = PaymentJournalEntry.objects.filter(sequence=sequence - 1).first()
    entry = PaymentJournalEntry(
        sequence=sequence,
        payment=payment,
        refund=refund,
        recorded_at=timezone.now().replace(microsecond=0),
        occurred_on=occurred_on,
        amount=amount,
        method=paid.method,
        invoice_number=paid.invoice.number,
        payer=str(paid.invoice.buyer.get("name", "")),
        previous_hash=previous.hash if previous is not None else GENESIS,
    )
    entry.hash = _digest(entry)
    entry.full_clean()
    entry.save()
    return entry


@dataclass(frozen=True)
class Verification:
    entries: int
    first_broken: int | None  # the sequence number where the chain stops holding

    @property
    def intact(self) -> bool:
        return self.first_broken is None


def payment_journal_verify() -> Verification:
    """Recompute the whole chain: every hash, every link, and no number missing."""
    previous_hash, expected_sequence, count = GENESIS, 1, 0
    for entry in PaymentJournalEntry.objects.order_by("sequence").iterator():
        count += 1
        if (
            entry.sequence != expected_sequence
            or entry.previous_hash != previous_hash
            or entry.hash != _digest(entry)
        ):
            return Verification(entries=count, first_broken=expected_sequence)
        previous_hash, expected_sequence = entry.hash, expected_sequence + 1
    return Verification(entries=count, first_broken=None)
