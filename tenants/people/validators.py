"""Checks on what people type or upload about members; reusable by any app of a CAE's schema."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from coopilote.files import file_kind

MAX_DOCUMENT_SIZE_MB = 5
MAX_DOCUMENT_SIZE = MAX_DOCUMENT_SIZE_MB * 1024 * 1024

validate_postcode = RegexValidator(
    r"^[0-9]{5}\Z",
    message=_("Un code postal s'écrit avec 5 chiffres, par exemple 56000."),
    code="invalid_postcode",
)


def document_extension(file: File[Any]) -> str | None:
    """The extension matching the file's content ("pdf", "jpg", "png"), or None if none does."""
    kind = file_kind(file)
    return kind[0] if kind else None


def validate_document_file(file: File[Any]) -> None:
    """Accept a scanned or signed document: a PDF, JPEG or PNG of at most 5 MB."""
    if file.size is None or file.size == 0:
        raise ValidationError(_("Ce fichier est vide."), code="empty_file")
    if file.size > MAX_DOCUMENT_SIZE:
        raise ValidationError(
            _("Ce fichier est trop lourd : %(limit)d Mo au maximum."),
            code="file_too_large",
            params={"limit": MAX_DOCUMENT_SIZE_MB},
        )
    if document_extension(file) is None:
        raise ValidationError(
            _(
                "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG : seul son contenu compte, "
                "pas son nom."
            ),
            code="invalid_document_type",
        )
