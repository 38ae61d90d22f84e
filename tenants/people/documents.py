"""The printable copy of a member's personal data (RGPD right of access), as a PDF."""

from __future__ import annotations

from coopilote.documents import pdf_render
from coopilote.tenancy import current_cae
from tenants.people.models import Member
from tenants.people.privacy import MemberExport


def member_export_pdf(*, member: Member, export: MemberExport) -> bytes:
    """The export of `member` as a PDF document, to hand to the person."""
    cae = current_cae()
    return pdf_render(
        template_name="people/documents/member_data.html",
        context={
            "member": member,
            "export": export,
            "cae_name": getattr(cae, "name", ""),
        },
    )
