"""The quote PDF: number, dates, the CAE as seller, the client, lines, totals, "Bon pour accord"."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import facturx
from django.db import connection
from pypdf import PdfReader

from coopilote.money import format_euros
from network.registry.models import Cae
from tenants.commerce.documents import quote_pdf
from tenants.commerce.models import Quote, QuoteLine, QuoteStatus, ServiceUnit
from tests.tenants.commerce.factories import COMPANY, ClientFactory
from tests.tenants.people.factories import CohortFactory

D = datetime.date


def _quote() -> Quote:
    quote = Quote.objects.create(
        cohort=CohortFactory.create(),
        client=ClientFactory.create(),
        subject="Entretien du jardin de la boulangerie",
        notes="Intervention un matin de semaine.\nDéchets verts emportés.",
        valid_until=D(2027, 8, 15),
    )
    for position, (description, quantity, unit, price, rate) in enumerate(
        [
            ("Tonte de pelouse", "3", ServiceUnit.HOUR, "15.50", "20.0"),
            ("Livraison de flyers", "1", ServiceUnit.FLAT, "12.35", "5.5"),
        ],
        start=1,
    ):
        QuoteLine.objects.create(
            quote=quote,
            position=position,
            description=description,
            quantity=Decimal(quantity),
            unit=unit,
            unit_price_excl_vat=Decimal(price),
            vat_rate=Decimal(rate),
        )
    return quote


def _sent(quote: Quote) -> Quote:
    """As quote_send leaves it (number, date, frozen totals), without its email."""
    quote.status = QuoteStatus.SENT
    quote.number = "D2027-00001"
    quote.sent_at = datetime.datetime(2027, 7, 1, 8, 0, tzinfo=datetime.UTC)  # 10:00 in Paris
    quote.total_excl_vat, quote.total_vat = Decimal("58.85"), Decimal("9.98")
    quote.total_incl_vat = Decimal("68.83")
    quote.save()
    return quote


def _text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _euros(amount: str) -> str:
    return " ".join(format_euros(Decimal(amount)).split())


def test_a_sent_quote_pdf_shows_what_the_client_signs(in_alpha: Cae) -> None:
    quote = _sent(_quote())

    pdf = quote_pdf(quote=quote)

    text = _text(pdf)
    assert "Devis n° D2027-00001" in text
    assert "Date : 01/07/2027" in text
    assert "Valable jusqu'au : 15/08/2027" in text
    assert in_alpha.name in text
    assert f"SIREN {in_alpha.siren} · SIRET {in_alpha.siret}" in text
    assert f"N° de TVA intracommunautaire : {in_alpha.vat_number}" in text
    assert "CLIENT Boulangerie Le Fournil 3 place des Lices 56000 Vannes" in text
    assert f"SIREN {COMPANY['siren']}" in text
    assert "Objet : Entretien du jardin de la boulangerie" in text
    assert f"Tonte de pelouse 3 heure {_euros('15.50')} 20 % {_euros('46.50')}" in text
    assert f"Livraison de flyers 1 forfait {_euros('12.35')} 5,5 % {_euros('12.35')}" in text
    assert f"Total HT {_euros('58.85')}" in text
    assert f"TVA 20 % sur {_euros('46.50')} {_euros('9.30')}" in text
    assert f"Total TTC {_euros('68.83')}" in text
    assert "Intervention un matin de semaine. Déchets verts emportés." in text
    assert "BON POUR ACCORD" in text
    assert "« Bon pour accord »" in text
    assert "Coopérative Jeunesse de Services « CJS de Vannes »" in text
    assert "BROUILLON" not in text
    assert facturx.get_xml_from_pdf(pdf, check_xsd=False) == (False, False)  # not an invoice


def test_a_draft_quote_is_marked_as_such(in_alpha: Cae) -> None:
    quote = _quote()

    text = _text(quote_pdf(quote=quote))

    assert "Devis (brouillon)" in text
    assert "BROUILLON" in text
    assert f"Total TTC {_euros('68.83')}" in text


def test_a_quote_of_a_cae_under_the_vat_franchise_charges_no_vat(in_alpha: Cae) -> None:
    Cae.objects.filter(pk=in_alpha.pk).update(vat_regime="franchise")
    connection.tenant.refresh_from_db()  # type: ignore[attr-defined]
    quote = _quote()
    QuoteLine.objects.filter(quote=quote).update(vat_rate=Decimal("0.0"))

    text = _text(quote_pdf(quote=quote))

    assert "TVA non applicable, art. 293 B du CGI" in text
    assert "Total TTC" not in text
    assert f"Total {_euros('58.85')}" in text
