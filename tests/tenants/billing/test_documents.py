"""Invoice and credit-note PDFs: every mandatory mention, a valid Factur-X EN 16931, PDF/A-3b."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any, cast

import facturx
import pytest
from django.db import connection
from django.test import override_settings
from lxml import etree
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from coopilote.accounts.models import User
from coopilote.documents import DocumentRenderingError, PdfAttachment, pdf_render
from coopilote.errors import ApplicationError
from coopilote.money import format_euros
from network.registry.models import Cae
from tenants.billing.documents import credit_note_pdf, invoice_pdf, invoice_preview_pdf
from tenants.billing.models import Invoice
from tenants.billing.services import (
    credit_note_issue,
    invoice_draft_create,
    invoice_issue,
    invoice_line_add,
    invoice_submit,
)
from tenants.commerce.models import ClientKind
from tests.tenants.commerce.factories import COMPANY, ClientFactory
from tests.tenants.people.factories import CohortFactory

D = datetime.date
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def _draft(
    *, client_kind: str = ClientKind.COMPANY, vat_rates: tuple[str, str] = ("20.0", "5.5")
) -> Invoice:
    client = (
        ClientFactory.create()
        if client_kind == ClientKind.COMPANY
        else ClientFactory.create(kind=client_kind, name="Jeanne Martin", siret="", vat_number="")
    )
    invoice = invoice_draft_create(
        cohort=CohortFactory.create(), client=client, sale_date=D(2027, 7, 20)
    )
    invoice_line_add(
        invoice=invoice,
        description="Tonte de pelouse",
        quantity=Decimal("3"),
        unit="hour",
        unit_price_excl_vat=Decimal("15.50"),
        vat_rate=Decimal(vat_rates[0]),
    )
    invoice_line_add(
        invoice=invoice,
        description="Livraison de flyers",
        quantity=Decimal("1"),
        unit="flat",
        unit_price_excl_vat=Decimal("12.35"),
        vat_rate=Decimal(vat_rates[1]),
    )
    return invoice


def _issued(person: User, **draft: Any) -> Invoice:
    invoice = _draft(**draft)
    invoice_submit(invoice=invoice, by=person)
    return invoice_issue(invoice=invoice, by=person, issued_on=D(2027, 7, 31))


def _under_franchise(cae: Cae) -> None:
    Cae.objects.filter(pk=cae.pk).update(vat_regime="franchise")
    connection.tenant.refresh_from_db()  # type: ignore[attr-defined]


def _text(pdf: bytes) -> str:
    """The PDF's text, whitespace (no-break spaces included) folded to single spaces."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _euros(amount: str) -> str:
    return " ".join(format_euros(Decimal(amount)).split())


def _xml(pdf: bytes) -> Any:
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=False)
    assert filename == "factur-x.xml"
    return etree.fromstring(xml)


def _values(root: Any, path: str) -> list[str]:
    return [str(node.text) for node in root.xpath(path, namespaces=NS)]


SUMMATION = (
    "//ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
)


def test_an_issued_invoice_pdf_carries_every_mandatory_mention(in_alpha: Cae, person: User) -> None:
    in_alpha.rcs_city = "Vannes"  # the trade register, frozen with the seller at issue
    invoice = _issued(person)

    text = _text(invoice_pdf(invoice=invoice))

    # The document: its number, issue date, date of the service, due date.
    assert "Facture n° F2027-00001" in text
    assert "Date d'émission : 31/07/2027" in text
    assert "Date de la prestation : 20/07/2027" in text
    assert "Échéance : 30/08/2027" in text
    assert "Date d'échéance du paiement : 30/08/2027" in text
    # The seller, as frozen at issue.
    assert in_alpha.name in text
    assert "SCOP SA à capital variable" in text
    assert "1 rue de la Coopération 56000 Vannes" in text
    assert f"SIREN {in_alpha.siren} · SIRET {in_alpha.siret}" in text
    siren = in_alpha.siren
    assert f"RCS Vannes {siren[:3]} {siren[3:6]} {siren[6:]}" in text
    assert f"N° de TVA intracommunautaire : {in_alpha.vat_number}" in text
    # The business buyer: name, address, SIREN and VAT number.
    assert "CLIENT Boulangerie Le Fournil 3 place des Lices 56000 Vannes" in text
    assert f"SIREN {COMPANY['siren']} · SIRET {COMPANY['siret']}" in text
    assert f"N° de TVA intracommunautaire : {COMPANY['vat_number']}" in text
    # The lines: description, quantity, unit, unit price excl. VAT, VAT rate, total excl. VAT.
    assert f"Tonte de pelouse 3 heure {_euros('15.50')} 20 % {_euros('46.50')}" in text
    assert f"Livraison de flyers 1 forfait {_euros('12.35')} 5,5 % {_euros('12.35')}" in text
    # Totals: excl. VAT, VAT per rate, incl. VAT.
    assert f"Total HT {_euros('58.85')}" in text
    assert f"TVA 5,5 % sur {_euros('12.35')} {_euros('0.68')}" in text
    assert f"TVA 20 % sur {_euros('46.50')} {_euros('9.30')}" in text
    assert f"Total TVA {_euros('9.98')}" in text
    assert f"Total TTC {_euros('68.83')}" in text
    # Payment terms: no discount, late penalties, the 40 € indemnity of a business client.
    assert "Pas d'escompte pour paiement anticipé." in text
    assert "des pénalités de retard sont exigibles au taux annuel de 10 %" in text
    assert "indemnité forfaitaire pour frais de recouvrement de 40 €" in text
    assert "293 B" not in text
    # The cooperative that did the work.
    assert "Coopérative Jeunesse de Services « CJS de Vannes »" in text


def test_an_individual_gets_no_recovery_indemnity_nor_company_numbers(
    in_alpha: Cae, person: User
) -> None:
    invoice = _issued(person, client_kind=ClientKind.INDIVIDUAL)

    text = _text(invoice_pdf(invoice=invoice))

    assert "CLIENT Jeanne Martin 3 place des Lices 56000 Vannes" in text
    assert "pénalités de retard" in text
    assert "40 €" not in text
    assert "recouvrement" not in text
    assert text.count("SIREN") == 1  # the seller's only
    buyer = _xml(invoice_pdf(invoice=invoice)).xpath("//ram:BuyerTradeParty", namespaces=NS)[0]
    assert _values(buyer, "ram:Name") == ["Jeanne Martin"]
    assert not buyer.xpath("ram:SpecifiedLegalOrganization", namespaces=NS)
    assert not buyer.xpath("ram:SpecifiedTaxRegistration", namespaces=NS)


def test_under_the_vat_franchise_the_invoice_says_no_vat_applies(
    in_alpha: Cae, person: User
) -> None:
    _under_franchise(in_alpha)
    invoice = _issued(person, vat_rates=("0.0", "0.0"))

    pdf = invoice_pdf(invoice=invoice)

    text = _text(pdf)
    assert "TVA non applicable, art. 293 B du CGI" in text
    assert "TVA 20" not in text
    assert "Total TTC" not in text
    assert f"Total HT {_euros('58.85')} Net à payer {_euros('58.85')}" in text
    root = _xml(pdf)
    assert _values(root, "//ram:CategoryCode") == ["E", "E", "E"]  # two lines, one breakdown
    tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
    assert _values(root, tax + "ram:ExemptionReason") == ["TVA non applicable, art. 293 B du CGI"]
    assert _values(root, tax + "ram:ExemptionReasonCode") == ["VATEX-FR-FRANCHISE"]
    assert _values(root, SUMMATION + "ram:TaxTotalAmount") == ["0.00"]
    assert facturx.xml_check_xsd(etree.tostring(root), flavor="factur-x", level="en16931")


def test_the_factur_x_xml_is_valid_en16931_and_matches_the_invoice(
    in_alpha: Cae, person: User
) -> None:
    invoice = _issued(person)

    pdf = invoice_pdf(invoice=invoice)

    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)
    assert facturx.get_flavor(root) == "factur-x"
    assert facturx.get_level(root) == "en16931"
    assert _values(root, "//rsm:ExchangedDocument/ram:ID") == [invoice.number]
    assert _values(root, "//rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert _values(root, SUMMATION + "ram:LineTotalAmount") == [str(invoice.total_excl_vat)]
    assert _values(root, SUMMATION + "ram:TaxBasisTotalAmount") == [str(invoice.total_excl_vat)]
    assert _values(root, SUMMATION + "ram:TaxTotalAmount") == [str(invoice.total_vat)]
    assert _values(root, SUMMATION + "ram:GrandTotalAmount") == [str(invoice.total_incl_vat)]
    assert _values(root, SUMMATION + "ram:DuePayableAmount") == [str(invoice.total_incl_vat)]
    tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
    assert _values(root, tax + "ram:RateApplicablePercent") == ["5.50", "20.00"]
    assert _values(root, tax + "ram:BasisAmount") == ["12.35", "46.50"]
    assert _values(root, tax + "ram:CalculatedAmount") == ["0.68", "9.30"]
    assert _values(root, tax + "ram:CategoryCode") == ["S", "S"]
    seller = "//ram:SellerTradeParty/"
    assert _values(root, seller + "ram:SpecifiedLegalOrganization/ram:ID") == [in_alpha.siren]
    assert _values(root, seller + "ram:GlobalID") == [in_alpha.siret]
    assert _values(root, seller + "ram:SpecifiedTaxRegistration/ram:ID") == [in_alpha.vat_number]
    buyer = "//ram:BuyerTradeParty/"
    assert _values(root, buyer + "ram:SpecifiedLegalOrganization/ram:ID") == [COMPANY["siren"]]
    assert _values(root, buyer + "ram:SpecifiedTaxRegistration/ram:ID") == [COMPANY["vat_number"]]
    assert _values(root, "//ram:DueDateDateTime/*") == ["20270830"]
    assert _values(root, "//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/*") == [
        "20270720"
    ]
    assert _values(root, "//ram:IncludedSupplyChainTradeLineItem//ram:BilledQuantity") == [
        "3.00",
        "1.00",
    ]
    units = root.xpath("//ram:BilledQuantity/@unitCode", namespaces=NS)
    assert units == ["HUR", "LS"]


def _fonts(reader: PdfReader) -> list[DictionaryObject]:
    fonts: list[DictionaryObject] = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():  # type: ignore[index]
            font = font.get_object()
            fonts.extend(part.get_object() for part in font.get("/DescendantFonts", [font]))
    return fonts


def test_the_invoice_pdf_is_a_pdf_a_3b_factur_x_with_embedded_fonts(
    in_alpha: Cae, person: User
) -> None:
    invoice = _issued(person)

    reader = PdfReader(io.BytesIO(invoice_pdf(invoice=invoice)))

    metadata = reader.xmp_metadata
    assert metadata is not None
    xmp = metadata.rdf_root.toxml()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    root = cast(DictionaryObject, reader.trailer["/Root"].get_object())
    intents = cast(list[DictionaryObject], root["/OutputIntents"])
    assert [str(intent["/S"]) for intent in intents] == ["/GTS_PDFA1"]
    assert str(root["/Lang"]) == "fr-FR"
    assert list(reader.attachments) == ["factur-x.xml"]
    assert reader.metadata is not None
    assert reader.metadata.title == "Facture F2027-00001"
    fonts = _fonts(reader)
    assert fonts
    for font in fonts:
        assert "DejaVu" in str(font["/BaseFont"])
        descriptor = cast(DictionaryObject, font["/FontDescriptor"].get_object())
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor


def test_a_draft_has_no_invoice_pdf_only_a_preview_saying_it_is_not_an_invoice(
    in_alpha: Cae, person: User
) -> None:
    invoice = _draft()

    with pytest.raises(ApplicationError, match="Seule une facture émise a un PDF"):
        invoice_pdf(invoice=invoice)
    preview = invoice_preview_pdf(invoice=invoice)

    text = _text(preview)
    assert "BROUILLON — aperçu, sans valeur : ce document n'est pas une facture." in text
    assert "Aperçu de facture" in text
    assert "Facture n°" not in text
    assert f"Total TTC {_euros('68.83')}" in text
    assert facturx.get_xml_from_pdf(preview, check_xsd=False) == (False, False)
    invoice.refresh_from_db()
    assert invoice.number == ""


def test_an_issued_invoice_has_no_preview(in_alpha: Cae, person: User) -> None:
    invoice = _issued(person)

    with pytest.raises(ApplicationError, match="téléchargez la facture"):
        invoice_preview_pdf(invoice=invoice)


def test_a_credit_note_pdf_references_its_invoice_with_a_381_factur_x(
    in_alpha: Cae, person: User
) -> None:
    invoice = _issued(person)
    note = credit_note_issue(
        invoice=invoice,
        by=person,
        reason="Prestation annulée par la pluie",
        issued_on=D(2027, 8, 5),
    )

    pdf = credit_note_pdf(credit_note=note)

    text = _text(pdf)
    assert f"Avoir n° {note.number}" in text
    assert "Date d'émission : 05/08/2027" in text
    assert "Avoir sur la facture n° F2027-00001 du 31/07/2027." in text
    assert "Motif : Prestation annulée par la pluie" in text
    assert f"SIREN {in_alpha.siren} · SIRET {in_alpha.siret}" in text
    assert "CLIENT Boulangerie Le Fournil" in text
    assert f"Tonte de pelouse 3 heure {_euros('15.50')} 20 % {_euros('46.50')}" in text
    assert f"Total TTC {_euros('68.83')}" in text
    filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)
    assert _values(root, "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert _values(root, "//rsm:ExchangedDocument/ram:ID") == [note.number]
    assert _values(root, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [invoice.number]
    assert _values(root, "//ram:InvoiceReferencedDocument/ram:FormattedIssueDateTime/*") == [
        "20270731"
    ]
    assert _values(root, SUMMATION + "ram:GrandTotalAmount") == [str(note.total_incl_vat)]


@override_settings(
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "remote.html": '<p>x</p><img src="https://example.org/spy.png">',
                            "local.html": '<p>x</p><img src="file:///etc/passwd">',
                        },
                    ),
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ]
)
@pytest.mark.parametrize("template_name", ["remote.html", "local.html"])
def test_rendering_is_offline_and_refuses_any_other_resource(template_name: str) -> None:
    with pytest.raises(DocumentRenderingError, match="refused"):
        pdf_render(template_name=template_name, context={})


@override_settings(
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {"static.html": '<img src="/static/rest_framework/img/grid.png">'},
                    ),
                    "django.template.loaders.app_directories.Loader",
                ],
            },
        }
    ]
)
def test_rendering_reads_static_files_from_disk_and_embeds_attachments() -> None:
    pdf = pdf_render(
        template_name="static.html",
        context={},
        attachments=[PdfAttachment(name="notes.txt", content=b"bonjour", description="Notes")],
    )

    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.pages[0]["/Resources"]["/XObject"])  # type: ignore[index]  # the image
    assert reader.attachments["notes.txt"] == [b"bonjour"]
