"""Fictional but valid legal identities, for the demo network and the tests."""

from __future__ import annotations

from typing import Any

from stdnum import luhn


def fictional_identity(number: int, *, department: str = "56") -> dict[str, Any]:
    """A CAE identity whose SIREN, SIRET and VAT number pass their check digits.

    The numbers start with 99, a range INSEE has not allocated, so they name no real company.
    """
    siren_base = f"99{number:06d}"
    siren = siren_base + luhn.calc_check_digit(siren_base)
    siret_base = siren + "0001"
    siret = siret_base + luhn.calc_check_digit(siret_base)
    vat_key = (12 + 3 * (int(siren) % 97)) % 97
    return {
        "legal_form": "scop_sa",
        "siren": siren,
        "siret": siret,
        "vat_number": f"FR{vat_key:02d}{siren}",
        "vat_regime": "standard",
        "address": "1 rue de la Coopération",
        "postcode": f"{department}000"[:5] if len(department) == 2 else "97400",
        "city": "Vannes" if department == "56" else "Ville",
        "rcs_city": "Vannes" if department == "56" else "Ville",
        "department": department,
        "contact_email": f"contact{number}@cae.example.org",
    }
