"""The CAE's entries in the layout of the Fichier des Écritures Comptables (LPF art. A47 A-1),
for its accountant to import: the 18 legal columns, tab-separated, one header line.

Choices (docs/ledger.md): ISO-8859-15 (characters outside it are transliterated), CRLF line
ends, amounts with a decimal comma and both Debit and Credit filled ("0,00" on the empty side),
entries in the order they were validated (posted), each entry's lines consecutive.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation

from coopilote.errors import ApplicationError
from coopilote.tenancy import current_cae
from tenants.ledger.models import EntryLine, Journal

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
SEPARATOR = "\t"
LINE_END = "\r\n"
ENCODING = "iso-8859-15"


@dataclass(frozen=True)
class FecFile:
    filename: str
    content: bytes


def _text(value: str) -> str:
    """A label as the FEC wants it: one line, no separator, in the file's character set."""
    value = " ".join(value.replace("|", " ").split())
    characters = []
    for character in value:
        try:
            character.encode(ENCODING)
        except UnicodeEncodeError:
            folded = unicodedata.normalize("NFKD", character).encode("ascii", "ignore").decode()
            character = folded or "?"
        characters.append(character)
    return "".join(characters)


def _date(value: datetime.date) -> str:
    return value.strftime("%Y%m%d")


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def fiscal_year_start_of(fiscal_year_end: datetime.date) -> datetime.date:
    """The first day of the twelve-month year closing on `fiscal_year_end`."""
    try:
        previous_end = fiscal_year_end.replace(year=fiscal_year_end.year - 1)
    except ValueError:  # 29 February
        previous_end = fiscal_year_end.replace(year=fiscal_year_end.year - 1, day=28)
    return previous_end + datetime.timedelta(days=1)


def fec_export(
    *, fiscal_year_end: datetime.date, fiscal_year_start: datetime.date | None = None
) -> FecFile:
    """The FEC of the entries dated within the fiscal year, named <SIREN>FEC<closing date>.txt."""
    start = fiscal_year_start or fiscal_year_start_of(fiscal_year_end)
    if start > fiscal_year_end:
        raise ApplicationError(translation.gettext("L'exercice commence après sa clôture."))
    cae: Any = current_cae()
    siren = getattr(cae, "siren", "") or ""
    if not siren:
        raise ApplicationError(translation.gettext("La CAE n'a pas de SIREN."))
    lines = (
        EntryLine.objects.filter(entry__date__gte=start, entry__date__lte=fiscal_year_end)
        .select_related("entry", "account")
        .order_by("entry__posted_at", "entry_id", "pk")
    )
    with translation.override("fr"):
        journal_labels = {code: str(label) for code, label in Journal.choices}
    rows = [SEPARATOR.join(COLUMNS)]
    for line in lines:
        entry = line.entry
        fields = (
            entry.journal,
            journal_labels[entry.journal],
            entry.number,
            _date(entry.date),
            line.account.number,
            _text(line.account.label),
            _text(line.auxiliary_number),
            _text(line.auxiliary_label),
            _text(entry.piece_reference),
            _date(entry.piece_date),
            _text(line.label or entry.label),
            _amount(line.debit),
            _amount(line.credit),
            "",
            "",
            _date(timezone.localdate(entry.posted_at)),
            "",
            "",
        )
        rows.append(SEPARATOR.join(fields))
    content = LINE_END.join(rows) + LINE_END
    return FecFile(
        filename=f"{siren}FEC{_date(fiscal_year_end)}.txt",
        content=content.encode(ENCODING),
    )
