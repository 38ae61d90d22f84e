"""The quote (devis) PDF: what the cohort offers, under the CAE's identity, for the client to sign.

A quote is no invoice: no Factur-X. The seller printed is the CAE of today (quotes freeze their
lines and totals when sent, not the CAE's identity).
"""

from __future__ import annotations

from django.utils import timezone

from coopilote.documents import (
    VAT_FRANCHISE,
    DocumentParty,
    cae_identity,
    document_lines,
    pdf_render,
    seller_party,
    vat_lines,
)
from coopilote.tenancy import current_cae
from coopilote.totals import totals_of
from tenants.commerce.models import ClientKind, Quote


def quote_pdf(*, quote: Quote) -> bytes:
    """The quote as a PDF/A-3b document, with a "Bon pour accord" box for the client."""
    cae = current_cae()
    identity = cae_identity(cae) if cae is not None else {}
    client = quote.client
    lines = list(quote.lines.all())
    totals = totals_of(lines)
    quote_date = timezone.localdate(quote.sent_at or quote.created_at)
    return pdf_render(
        template_name="commerce/documents/quote.html",
        context={
            "quote": quote,
            "quote_date": quote_date,
            "cohort": quote.cohort,
            "cohort_programme": quote.cohort.get_programme_display(),
            "seller": seller_party(identity),
            "buyer": DocumentParty(
                name=client.name,
                address=client.address,
                postcode=client.postcode,
                city=client.city,
                siren=client.siren,
                siret=client.siret,
                vat_number=client.vat_number,
                is_business=client.kind != ClientKind.INDIVIDUAL,
            ),
            "lines": document_lines(lines),
            "totals": totals,
            "vat_breakdown": vat_lines(totals),
            "vat_franchise": identity.get("vat_regime") == VAT_FRANCHISE,
        },
    )
