"""What an uploaded file really is, judged by its first bytes, never by its name or the
browser's word: a renamed script or archive must not pass as a signed document or a photo."""

from __future__ import annotations

from typing import Any

from django.core.files import File

# first bytes, extension, content type
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)
IMAGE_EXTENSIONS = frozenset({"jpg", "png"})
_SIGNATURE_LENGTH = max(len(signature) for signature, _extension, _type in SIGNATURES)


def file_kind(file: File[Any]) -> tuple[str, str] | None:
    """(extension, content type) of a PDF, JPEG or PNG by its content, or None; the file's
    position is left where it was."""
    position = file.tell() if not file.closed else 0
    file.seek(0)
    head = file.read(_SIGNATURE_LENGTH)
    file.seek(position)
    if not isinstance(head, bytes):
        return None
    for signature, extension, content_type in SIGNATURES:
        if head.startswith(signature):
            return extension, content_type
    return None
