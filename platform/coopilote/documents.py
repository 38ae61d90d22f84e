"""PDF documents (invoices, credit notes, quotes): a Django template rendered by WeasyPrint.

Every document is a PDF/A-3b (the archival variant Factur-X builds on), in French, on A4, with
the shared print stylesheet `documents/print.css` and fonts installed on the system (DejaVu
Sans), embedded in the file. Rendering is offline: the only resources a template may use are
`data:` URLs and the project's static files (`{% static %}`), read from disk through Django's
staticfiles finders; any other address (http, https, a file elsewhere) stops the rendering.
"""

from __future__ import annotations

import io
import logging
import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML, Attachment
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from coopilote.tenancy import current_site
from coopilote.totals import Line, Totals, line_amount

logger = logging.getLogger(__name__)

PRINT_STYLESHEET = "documents/print.css"
PDF_VARIANT = "pdf/a-3b"
# Relative and root-relative addresses in templates resolve against this base, so that
# `{% static "x.png" %}` ("/static/x.png") becomes file:///static/x.png, served by the finders.
_BASE_URL = "file:///"


class DocumentRenderingError(RuntimeError):
    """A document could not be rendered (a template asked for a resource it may not use)."""


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in a PDF/A-3 document (PDF/A-3 allows any file, with its relation)."""

    name: str
    content: bytes
    description: str = ""
    relationship: str = "Unspecified"  # ISO 32000-2 §7.11.3: Source, Data, Alternative…


class OfflineFetcher(URLFetcher):
    """Serves `data:` URLs and static files from disk; refuses everything else."""

    def __init__(self) -> None:
        # An error stops the rendering: a document silently missing a part is worse than none.
        super().__init__(allowed_protocols=("data", "file"), fail_on_errors=True)

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = _static_file_path(url)
        if path is None:
            raise ValueError(f"documents are rendered offline, refused: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def _static_file_path(url: str) -> Path | None:
    """The file on disk behind a static-file address of a template, None for any other one."""
    static_url = str(settings.STATIC_URL)
    if url.startswith(static_url) and "://" in static_url:
        relative = url[len(static_url) :]  # an absolute STATIC_URL (a CDN): read locally
    else:
        parts = urlsplit(url)
        static_path = urlsplit(static_url).path
        if parts.scheme != "file" or not unquote(parts.path).startswith(static_path):
            return None
        relative = unquote(parts.path)[len(static_path) :]
    relative = relative.split("?")[0].split("#")[0]
    if not relative or ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    return Path(found) if isinstance(found, str) else None


def pdf_render(
    *,
    template_name: str,
    context: dict[str, Any],
    attachments: Sequence[PdfAttachment] = (),
) -> bytes:
    """Render `template_name` with `context` to a PDF/A-3b document, in French.

    `attachments` are embedded files; a Factur-X step run afterwards (facturx's
    `generate_from_binary`) replaces the document's attachment list, so give the extra files to
    that step instead.
    """
    fetcher = OfflineFetcher()
    with translation.override("fr"):
        html = render_to_string(template_name, context)
        stylesheet = render_to_string(PRINT_STYLESHEET)
    try:
        return bytes(
            HTML(string=html, base_url=_BASE_URL, url_fetcher=fetcher).write_pdf(
                stylesheets=[CSS(string=stylesheet, base_url=_BASE_URL, url_fetcher=fetcher)],
                pdf_variant=PDF_VARIANT,
                attachments=[
                    Attachment(
                        file_obj=io.BytesIO(attachment.content),
                        name=attachment.name,
                        description=attachment.description or None,
                        relationship=attachment.relationship,
                    )
                    for attachment in attachments
                ],
            )
        )
    except FatalURLFetchingError as error:
        logger.warning("Document %s refused a resource: %s", template_name, error.__cause__)
        raise DocumentRenderingError(str(error.__cause__ or error)) from error


# --- What documents show: parties, lines, VAT breakdown ------------------------------------

# The CAE identity a document prints (the same fields an invoice freezes when it is issued).
SELLER_IDENTITY_FIELDS = (
    "name",
    "legal_form",
    "siren",
    "siret",
    "vat_number",
    "vat_regime",
    "address",
    "postcode",
    "city",
    "rcs_city",
)
VAT_FRANCHISE = "franchise"


@dataclass(frozen=True)
class DocumentParty:
    """A seller or a buyer as printed: the identity French law asks for on the document."""

    name: str
    address: str
    postcode: str
    city: str
    legal_form: str = ""  # printed label, e.g. "SCOP SA à capital variable"
    registration: str = ""  # e.g. "RCS Vannes 123 456 789" (Code de commerce, R. 123-237)
    siren: str = ""
    siret: str = ""
    vat_number: str = ""
    is_business: bool = True


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: Decimal
    unit: str
    unit_price_excl_vat: Decimal
    vat_rate: Decimal
    amount_excl_vat: Decimal


@dataclass(frozen=True)
class VatLine:
    """One VAT rate of a document: the base it applies to and the VAT it gives."""

    rate: Decimal
    base: Decimal
    vat: Decimal


def cae_identity(cae: Any) -> dict[str, str]:
    """The identity of a CAE (a registry `Cae` row) as a document prints it."""
    return {field: str(getattr(cae, field)) for field in SELLER_IDENTITY_FIELDS}


def seller_party(identity: Mapping[str, Any]) -> DocumentParty:
    """The seller of a document from a CAE identity (frozen on an invoice, or `cae_identity`)."""
    return DocumentParty(
        name=str(identity.get("name", "")),
        legal_form=_legal_form_label(str(identity.get("legal_form", ""))),
        address=str(identity.get("address", "")),
        postcode=str(identity.get("postcode", "")),
        city=str(identity.get("city", "")),
        siren=str(identity.get("siren", "")),
        siret=str(identity.get("siret", "")),
        vat_number=str(identity.get("vat_number", "")),
        registration=_registration(identity),
    )


def _registration(identity: Mapping[str, Any]) -> str:
    """ "RCS Vannes 123 456 789": the trade register's town and the SIREN, spaced."""
    siren, town = str(identity.get("siren", "")), str(identity.get("rcs_city", ""))
    if not (siren and town):
        return ""
    return f"RCS {town} {siren[:3]} {siren[3:6]} {siren[6:]}"


def _legal_form_label(code: str) -> str:
    """ "scop_sa" → "SCOP SA à capital variable" (a cooperative's capital is variable).

    The labels come from the site model's own choices, so the kernel imports no domain app.
    """
    if not code or code == "other":
        return ""
    site_model = type(current_site())
    labels = {
        str(value): str(label)
        for value, label in site_model._meta.get_field("legal_form").flatchoices
    }
    return f"{labels.get(code, code)} à capital variable"


def document_lines(lines: Iterable[Line]) -> list[DocumentLine]:
    return [
        DocumentLine(
            description=str(getattr(line, "description", "")),
            quantity=line.quantity,
            unit=str(getattr(line, "unit", "")),
            unit_price_excl_vat=line.unit_price_excl_vat,
            vat_rate=line.vat_rate,
            amount_excl_vat=line_amount(line),
        )
        for line in lines
    ]


def vat_lines(totals: Totals) -> list[VatLine]:
    return [
        VatLine(rate=rate, base=base, vat=vat)
        for rate, (base, vat) in sorted(totals.vat_by_rate.items())
    ]


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """A PDF shown in the browser (`inline`), saved under `filename` if downloaded."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
