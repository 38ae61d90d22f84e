"""Parental authorisations: only a real PDF, JPEG or PNG of at most 5 MB is kept."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coopilote.errors import ApplicationError
from network.registry.models import Cae
from tenants.people.models import Guardian, Member
from tenants.people.services import guardian_record
from tenants.people.validators import MAX_DOCUMENT_SIZE, validate_document_file
from tests.tenants.people.factories import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    MemberFactory,
    born_aged,
)

NOT_A_DOCUMENT = (
    "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG : seul son contenu compte, pas son nom."
)


def _record(member: Member, upload: SimpleUploadedFile) -> Guardian:
    return guardian_record(
        member=member,
        full_name="Anne Le Goff",
        relationship="mère",
        phone="0600000000",
        email="anne@example.org",
        authorisation_file=upload,
        authorisation_signed_on=datetime.date(2020, 5, 4),
    )


def _stored_files(media_root: Path) -> list[Path]:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


@pytest.mark.parametrize(
    ("name", "content", "extension"),
    [
        ("autorisation.pdf", PDF_BYTES, "pdf"),
        ("scan.jpeg", JPEG_BYTES, "jpg"),
        ("photo.PNG", PNG_BYTES, "png"),
        # Judged by content: a PNG sent with a .pdf name is a PNG.
        ("autorisation-lina.pdf", PNG_BYTES, "png"),
    ],
)
def test_a_pdf_jpeg_or_png_is_stored_in_the_cae_folder_under_a_neutral_name(
    in_alpha: Cae, media_root: Path, name: str, content: bytes, extension: str
) -> None:
    member = MemberFactory.create(birth_date=born_aged(16))

    guardian = _record(member, SimpleUploadedFile(name, content))

    (stored,) = _stored_files(media_root)
    assert stored.parent == media_root / in_alpha.schema_name / "autorisations-parentales"
    assert stored.suffix == f".{extension}"
    assert "lina" not in stored.name
    assert stored.read_bytes() == content
    assert guardian.authorisation_file.name == f"autorisations-parentales/{stored.name}"
    assert list(member.guardians.all()) == [guardian]


@pytest.mark.parametrize(
    "content",
    [
        b"Ceci n'est pas un PDF, juste du texte.",
        b"<html><body>%PDF-</body></html>",
        b"PK\x03\x04 an archive",
        b"GIF89a an image of another kind",
    ],
)
def test_a_file_named_pdf_whose_content_is_not_a_document_is_refused(
    in_alpha: Cae, media_root: Path, content: bytes
) -> None:
    member = MemberFactory.create(birth_date=born_aged(16))

    with pytest.raises(ApplicationError) as refusal:
        _record(member, SimpleUploadedFile("autorisation.pdf", content))

    assert refusal.value.message == (
        "Ce ou cette représentant·e légal·e ne peut pas être enregistré·e."
    )
    assert refusal.value.details == {"authorisation_file": [NOT_A_DOCUMENT]}
    assert not Guardian.objects.exists()
    assert _stored_files(media_root) == []


def test_a_file_over_5_mb_is_refused(in_alpha: Cae, media_root: Path) -> None:
    member = MemberFactory.create(birth_date=born_aged(16))
    too_big = PDF_BYTES + b"\x00" * (MAX_DOCUMENT_SIZE + 1 - len(PDF_BYTES))

    with pytest.raises(ApplicationError) as refusal:
        _record(member, SimpleUploadedFile("autorisation.pdf", too_big))

    assert refusal.value.details == {
        "authorisation_file": ["Ce fichier est trop lourd : 5 Mo au maximum."]
    }
    assert not Guardian.objects.exists()
    assert _stored_files(media_root) == []


def test_a_file_of_exactly_5_mb_is_accepted() -> None:
    exactly = PDF_BYTES + b"\x00" * (MAX_DOCUMENT_SIZE - len(PDF_BYTES))

    validate_document_file(SimpleUploadedFile("autorisation.pdf", exactly))


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(ValidationError) as refusal:
        validate_document_file(SimpleUploadedFile("autorisation.pdf", b""))

    assert refusal.value.messages == ["Ce fichier est vide."]


def test_the_file_can_still_be_read_from_the_start_after_the_check() -> None:
    upload = SimpleUploadedFile("autorisation.pdf", PDF_BYTES)

    validate_document_file(upload)

    assert upload.read() == PDF_BYTES


def test_an_authorisation_cannot_be_signed_in_the_future(in_alpha: Cae, media_root: Path) -> None:
    member = MemberFactory.create(birth_date=born_aged(16))

    with pytest.raises(ApplicationError) as refusal:
        guardian_record(
            member=member,
            full_name="Anne Le Goff",
            relationship="mère",
            phone="0600000000",
            email="",
            authorisation_file=SimpleUploadedFile("autorisation.pdf", PDF_BYTES),
            authorisation_signed_on=timezone.localdate() + datetime.timedelta(days=2),
        )

    assert refusal.value.details == {
        "authorisation_signed_on": ["Une autorisation ne peut pas être signée dans le futur."]
    }
    assert not Guardian.objects.exists()
    assert _stored_files(media_root) == []
