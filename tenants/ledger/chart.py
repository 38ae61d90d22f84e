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
}

# billing.PaymentMethod value → treasury account receiving (or paying back) the money.
PAYMENT_METHOD_ACCOUNTS: dict[str, str] = {
    "transfer": BANK,
    "cheque": CHEQUES_TO_DEPOSIT,
    "cash": CASH,
    "card": PAYMENT_PROVIDER,
    "online": PAYMENT_PROVIDER,
}

# Accounts whose movements are money in or out (the cash position).
TREASURY_ACCOUNTS = (BANK, CHEQUES_TO_DEPOSIT, PAYMENT_PROVIDER, CASH)


def client_auxiliary_number(client_id: int) -> str:
    """The client's sub-account (FEC CompAuxNum), e.g. C000042."""
    return f"C{client_id:06d}"
