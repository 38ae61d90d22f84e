"""Invoice and credit-note PDFs: every mention French law asks for, and Factur-X EN 16931.

An issued invoice or a credit note is printed from what was frozen when it was issued (the
parties' identities, the lines, the totals), never from today's CAE or client records. Its PDF
is a Factur-X: a PDF/A-3b carrying the same invoice as CII XML, built by the `factur-x` package
from a data dict, checked against the XSD offline, then embedded. A draft only gets a preview,
marked as such on every page, without Factur-X.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import facturx
from django.utils import translation
from django.utils.translation import gettext as _

from coopilote.documents import (
    VAT_FRANCHISE,
    DocumentLine,
    DocumentParty,
    cae_identity,
    document_lines,
    pdf_render,
    seller_party,
    vat_lines,
)
from coopilote.errors import ApplicationError
from coopilote.tenancy import current_cae
from coopilote.totals import Totals, totals_of
from tenants.billing.models import CreditNote, Invoice, InvoiceStatus
from tenants.cohorts.models import Cohort
from tenants.commerce.models import Client, ClientKind

FACTURX_FLAVOR = "factur-x"
FACTURX_LEVEL = "en16931"
INVOICE_TYPE_CODE = "380"  # UNTDID 1001: commercial invoice
CREDIT_NOTE_TYPE_CODE = "381"  # UNTDID 1001: credit note
FRANCHISE_MENTION = "TVA non applicable, art. 293 B du CGI"
FRANCHISE_EXEMPTION_CODE = "VATEX-FR-FRANCHISE"
# UN/ECE Recommendation 20 codes for our units (BT-130).
UNIT_CODES = {"hour": "HUR", "flat": "LS", "item": "H87"}
DEFAULT_UNIT_CODE = "C62"  # "one"


# Legal documents are in French whatever the reader's language.
@translation.override("fr")
def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The issued invoice as a Factur-X PDF (PDF/A-3b with its EN 16931 XML)."""
    if invoice.status != InvoiceStatus.ISSUED:
        raise ApplicationError(
            _("Seule une facture émise a un PDF ; un brouillon n'a qu'un aperçu.")
        )
    cohort = invoice.cohort
    seller, buyer = seller_party(invoice.seller), _buyer_party(invoice.buyer)
    lines = list(invoice.lines.all())
    totals = _checked_totals(lines, invoice)
    franchise = invoice.seller.get("vat_regime") == VAT_FRANCHISE
    pdf = pdf_render(
        template_name="billing/documents/invoice.html",
        context=_context(
            cohort=cohort,
            seller=seller,
            buyer=buyer,
            lines=document_lines(lines),
            totals=totals,
            franchise=franchise,
            invoice=invoice,
            preview=False,
        ),
    )
    assert invoice.issued_on is not None  # issued: the database checks both dates
    assert invoice.due_on is not None
    data = _facturx_data(
        type_code=INVOICE_TYPE_CODE,
        number=invoice.number,
        issued_on=invoice.issued_on,
        seller=seller,
        buyer=buyer,
        lines=document_lines(lines),
        totals=totals,
        franchise=franchise,
        notes=[*_payment_notes(invoice=invoice, buyer=buyer), _cohort_note(cohort, seller)],
    )
    data["BT-9"] = invoice.due_on
    data["BT-20"] = _("Paiement à %(days)s jours, au plus tard le %(date)s.") % {
        "days": invoice.payment_terms_days,
        "date": invoice.due_on.strftime("%d/%m/%Y"),
    }
    data["BT-72"] = invoice.sale_date
    return _facturx_embed(
        pdf=pdf,
        data=data,
        metadata={
            "author": seller.name,
            "keywords": "Factur-X, facture",
            "title": f"Facture {invoice.number}",
            "subject": f"Facture {invoice.number} du {invoice.issued_on:%d/%m/%Y}, "
            f"émise par {seller.name}",
        },
    )


@translation.override("fr")
def invoice_preview_pdf(*, invoice: Invoice) -> bytes:
    """A draft or submitted invoice as it would look, marked "BROUILLON" on every page: not an
    invoice (no number, no Factur-X), with the CAE's and client's details of today."""
    if invoice.status == InvoiceStatus.ISSUED:
        raise ApplicationError(_("Cette facture est émise : téléchargez la facture elle-même."))
    cae = current_cae()
    lines = list(invoice.lines.all())
    identity = cae_identity(cae) if cae is not None else {}
    return pdf_render(
        template_name="billing/documents/invoice.html",
        context=_context(
            cohort=invoice.cohort,
            seller=seller_party(identity),
            buyer=_client_party(invoice.client),
            lines=document_lines(lines),
            totals=totals_of(lines),
            franchise=identity.get("vat_regime") == VAT_FRANCHISE,
            invoice=invoice,
            preview=True,
        ),
    )


@translation.override("fr")
def credit_note_pdf(*, credit_note: CreditNote) -> bytes:
    """The credit note (avoir) as a Factur-X PDF, type 381, referencing its invoice."""
    invoice = credit_note.invoice
    cohort = invoice.cohort
    seller, buyer = seller_party(credit_note.seller), _buyer_party(credit_note.buyer)
    lines = list(credit_note.lines.all())
    totals = _checked_totals(lines, credit_note)
    franchise = credit_note.seller.get("vat_regime") == VAT_FRANCHISE
    pdf = pdf_render(
        template_name="billing/documents/credit_note.html",
        context=_context(
            cohort=cohort,
            seller=seller,
            buyer=buyer,
            lines=document_lines(lines),
            totals=totals,
            franchise=franchise,
            credit_note=credit_note,
            invoice=invoice,
        ),
    )
    data = _facturx_data(
        type_code=CREDIT_NOTE_TYPE_CODE,
        number=credit_note.number,
        issued_on=credit_note.issued_on,
        seller=seller,
        buyer=buyer,
        lines=document_lines(lines),
        totals=totals,
        franchise=franchise,
        notes=[
            {"BT-21": "AAI", "BT-22": _("Motif : %s") % credit_note.reason},
            _cohort_note(cohort, seller),
        ],
    )
    data["BG-3"] = [{"BT-25": invoice.number, "BT-26": invoice.issued_on}]
    # The service the credit note is about (the XSD also refuses an empty delivery block).
    data["BT-72"] = invoice.sale_date
    data["BT-20"] = _("Avoir sur la facture %(number)s, à déduire de son montant.") % {
        "number": invoice.number
    }
    return _facturx_embed(
        pdf=pdf,
        data=data,
        metadata={
            "author": seller.name,
            "keywords": "Factur-X, avoir",
            "title": f"Avoir {credit_note.number}",
            "subject": f"Avoir {credit_note.number} du {credit_note.issued_on:%d/%m/%Y} "
            f"sur la facture {invoice.number}, émis par {seller.name}",
        },
    )


# --- Printed parties and context ------------------------------------------------------------


def _buyer_party(buyer: Mapping[str, Any]) -> DocumentParty:
    """The buyer frozen on an issued invoice or credit note."""
    siret = str(buyer.get("siret", ""))
    return DocumentParty(
        name=str(buyer.get("name", "")),
        address=str(buyer.get("address", "")),
        postcode=str(buyer.get("postcode", "")),
        city=str(buyer.get("city", "")),
        siren=siret[:9],
        siret=siret,
        vat_number=str(buyer.get("vat_number", "")),
        is_business=buyer.get("kind") != ClientKind.INDIVIDUAL,
    )


def _client_party(client: Client) -> DocumentParty:
    return DocumentParty(
        name=client.name,
        address=client.address,
        postcode=client.postcode,
        city=client.city,
        siren=client.siren,
        siret=client.siret,
        vat_number=client.vat_number,
        is_business=client.kind != ClientKind.INDIVIDUAL,
    )


def _context(
    *,
    cohort: Cohort,
    seller: DocumentParty,
    buyer: DocumentParty,
    lines: list[DocumentLine],
    totals: Totals,
    franchise: bool,
    **document: Any,
) -> dict[str, Any]:
    return {
        "cohort": cohort,
        "cohort_programme": cohort.get_programme_display(),
        "seller": seller,
        "buyer": buyer,
        "lines": lines,
        "totals": totals,
        "vat_breakdown": vat_lines(totals),
        "vat_franchise": franchise,
        **document,
    }


def _checked_totals(lines: Sequence[Any], document: Invoice | CreditNote) -> Totals:
    """The totals of the lines, which must be the ones frozen on the document."""
    totals = totals_of(lines)
    frozen = (document.total_excl_vat, document.total_vat, document.total_incl_vat)
    if (totals.excl_vat, totals.vat, totals.incl_vat) != frozen:
        # Lines and totals are frozen together under database triggers: this is corruption.
        raise RuntimeError(f"{document}: frozen totals {frozen} disagree with its lines")
    return totals


def _payment_notes(*, invoice: Invoice, buyer: DocumentParty) -> list[dict[str, str]]:
    """The payment mentions of the PDF, as notes of the XML (UNTDID 4451 subject codes)."""
    rate = format(invoice.late_penalty_rate.normalize(), "f").replace(".", ",")
    notes = [
        {
            "BT-21": "PMD",
            "BT-22": _(
                "En cas de retard de paiement, des pénalités de retard sont exigibles au taux "
                "annuel de %(rate)s %%, à compter du jour suivant la date d'échéance."
            )
            % {"rate": rate},
        },
        {"BT-21": "AAB", "BT-22": _("Pas d'escompte pour paiement anticipé.")},
    ]
    if buyer.is_business:
        notes.append(
            {
                "BT-21": "PMT",
                "BT-22": _(
                    "Indemnité forfaitaire pour frais de recouvrement de 40 € due en cas de "
                    "retard de paiement (art. L441-10 et D441-5 du Code de commerce)."
                ),
            }
        )
    return notes


def _cohort_note(cohort: Cohort, seller: DocumentParty) -> dict[str, str]:
    return {
        "BT-21": "AAI",
        "BT-22": _(
            "Prestation réalisée par la %(programme)s « %(cohort)s », accompagnée par %(cae)s."
        )
        % {"programme": cohort.get_programme_display(), "cohort": cohort.name, "cae": seller.name},
    }


# --- Factur-X -------------------------------------------------------------------------------


def _amount(value: Decimal) -> str:
    """An amount or rate as the XML wants it: a decimal string with 2 decimals."""
    return f"{value:.2f}"


def _party(party: DocumentParty) -> dict[str, Any]:
    """A factur-x party dict (BG-4 seller, BG-7 buyer)."""
    data: dict[str, Any] = {
        "name": party.name,
        "addr_l1": party.address,
        "postcode": party.postcode,
        "city": party.city,
        "country_code": "FR",
    }
    if party.is_business and party.siren:
        data["legal_identifier"] = party.siren
        data["legal_identifier_schemeid"] = "0002"  # ICD 0002: SIREN
    if party.is_business and party.siret:
        data["identifiers"] = {"0009": party.siret}  # ICD 0009: SIRET
    if party.vat_number:
        data["vat_identifier"] = party.vat_number
    if party.legal_form:
        data["legal_info"] = party.legal_form
    return data


def _facturx_data(
    *,
    type_code: str,
    number: str,
    issued_on: datetime.date,
    seller: DocumentParty,
    buyer: DocumentParty,
    lines: list[DocumentLine],
    totals: Totals,
    franchise: bool,
    notes: list[dict[str, str]],
) -> dict[str, Any]:
    """The EN 16931 data dict factur-x builds the CII XML from (keys are BT-/BG- codes)."""
    if franchise and any(line.vat_rate != 0 for line in lines):
        raise RuntimeError(f"{number}: VAT charged by a CAE under the VAT franchise")
    category = "E" if franchise else "S"  # exempt (art. 293 B) or standard rated
    breakdown: list[dict[str, str]] = []
    for vat in vat_lines(totals):
        entry = {
            "BT-116": _amount(vat.base),
            "BT-117": _amount(vat.vat),
            "BT-118": category,
            "BT-119": _amount(vat.rate),
        }
        if franchise:
            entry["BT-120"] = FRANCHISE_MENTION
            entry["BT-121"] = FRANCHISE_EXEMPTION_CODE
        breakdown.append(entry)
    if franchise:
        notes = [*notes, {"BT-21": "TXD", "BT-22": FRANCHISE_MENTION}]
    return {
        "BT-1": number,
        "BT-2": issued_on,
        "BT-3": type_code,
        "BT-5": "EUR",
        "BG-1": notes,
        "BG-4": _party(seller),
        "BG-7": _party(buyer),
        "BG-23": breakdown,
        "BG-25": [
            {
                "BT-126": str(position),
                "BT-153": line.description,
                "BT-129": _amount(line.quantity),
                "BT-130": UNIT_CODES.get(line.unit, DEFAULT_UNIT_CODE),
                "BT-146": _amount(line.unit_price_excl_vat),
                "BT-131": _amount(line.amount_excl_vat),
                "BT-151": category,
                "BT-152": _amount(line.vat_rate),
            }
            for position, line in enumerate(lines, start=1)
        ],
        "BT-106": _amount(totals.excl_vat),
        "BT-109": _amount(totals.excl_vat),
        "BT-110": _amount(totals.vat),
        "BT-112": _amount(totals.incl_vat),
        "BT-115": _amount(totals.incl_vat),
    }


def _facturx_embed(*, pdf: bytes, data: dict[str, Any], metadata: dict[str, str]) -> bytes:
    """Build the CII XML from `data`, check it against the EN 16931 XSD (offline), and embed it
    into the PDF/A-3b `pdf` as factur-x.xml with the Factur-X XMP metadata."""
    xml = facturx.generate_cii_xml(
        data, level=FACTURX_LEVEL, check_xsd=False, check_schematron=False
    )
    facturx.xml_check_xsd(xml, flavor=FACTURX_FLAVOR, level=FACTURX_LEVEL)  # raises if invalid
    return bytes(
        facturx.generate_from_binary(
            pdf,
            xml,
            flavor=FACTURX_FLAVOR,
            level=FACTURX_LEVEL,
            check_xsd=False,  # checked just above
            check_schematron=False,  # needs a Saxon server over HTTP: a separate CI job
            pdf_metadata=metadata,
            lang="fr-FR",
        )
    )
