"""The accounts of the French chart (PCG) Coopilote books to, and where each means of payment
lands. docs/ledger.md explains each choice."""

from __future__ import annotations

CLIENTS = "411"
SERVICES_SOLD = "706"
VAT_COLLECTED = "44571"
BANK = "512"
CHEQUES_TO_DEPOSIT = "5112"
PAYMENT_PROVIDER = "517"
CASH = "530"
BANK_FEES = "627"
OTHER_SUPPLIES = "6068"
TRAVEL = "6251"
MISCELLANEOUS_EXPENSES = "628"
VAT_DEDUCTIBLE = "44566"

# Number → label; each account is created on first use (see services._accounts).
CHART: dict[str, str] = {
    CLIENTS: "Clients",
    SERVICES_SOLD: "Prestations de services",
    VAT_COLLECTED: "TVA collectée",
    BANK: "Banque",
    CHEQUES_TO_DEPOSIT: "Chèques à encaisser",
    PAYMENT_PROVIDER: "Prestataire de paiement en ligne",
    CASH: "Caisse",
    BANK_FEES: "Services bancaires et assimilés",
    OTHER_SUPPLIES: "Autres matières et fournitures",
    TRAVEL: "Voyages et déplacements",
    MISCELLANEOUS_EXPENSES: "Divers",
    VAT_DEDUCTIBLE: "TVA sur autres biens et services",
}

# billing.PaymentMethod value → treasury account receiving (or paying back) the money.
PAYMENT_METHOD_ACCOUNTS: dict[str, str] = {
    "transfer": BANK,
    "cheque": CHEQUES_TO_DEPOSIT,
    "cash": CASH,
    "card": PAYMENT_PROVIDER,
    "online": PAYMENT_PROVIDER,
}

# ledger.PurchaseCategory value → expense account a cohort's purchase is booked to.
PURCHASE_CATEGORY_ACCOUNTS: dict[str, str] = {
    "materials": OTHER_SUPPLIES,
    "travel": TRAVEL,
    "other": MISCELLANEOUS_EXPENSES,
}
EXPENSE_ACCOUNTS = tuple(PURCHASE_CATEGORY_ACCOUNTS.values())

# ledger.PurchasePaymentMethod value → treasury account the money leaves. The same accounts as
# PAYMENT_METHOD_ACCOUNTS, except the card: a purchase paid by card is paid with the CAE's bank
# card, debited on its bank account (512), whereas a card payment *received* is held by the
# online payment provider (517) first.
PURCHASE_PAYMENT_ACCOUNTS: dict[str, str] = {
    "transfer": PAYMENT_METHOD_ACCOUNTS["transfer"],
    "card": BANK,
    "cash": PAYMENT_METHOD_ACCOUNTS["cash"],
}

# Accounts whose movements are money in or out (the cash position).
TREASURY_ACCOUNTS = (BANK, CHEQUES_TO_DEPOSIT, PAYMENT_PROVIDER, CASH)


def client_auxiliary_number(client_id: int) -> str:
    """The client's sub-account (FEC CompAuxNum), e.g. C000042."""
    return f"C{client_id:06d}"
