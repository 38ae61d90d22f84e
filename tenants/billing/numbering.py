"""Gap-free, chronological numbering of invoices and credit notes, per CAE.

A number is taken only when a document is issued, inside the issuing transaction: the counter
row is bumped with `INSERT … ON CONFLICT DO UPDATE … RETURNING`, which holds its lock until the
transaction ends. Concurrent issues of the same sequence therefore queue, and a rolled-back
issue gives its number back: no gap, no repeat (a PostgreSQL sequence would leave gaps).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils.translation import gettext as _

from coopilote.errors import ApplicationError

_TOKEN = re.compile(r"\{(YYYY|YY|MM|COHORT|SEQ|SEQYEAR|SEQCOHORT|SEQCOHORTYEAR)(?::([1-9]))?\}")
_SEQUENCE_SCOPES = {
    "SEQ": (),
    "SEQYEAR": ("year",),
    "SEQCOHORT": ("cohort",),
    "SEQCOHORTYEAR": ("cohort", "year"),
}
_ALLOWED_LITERALS = re.compile(r"^[A-Za-z0-9_\-/.]*$")


@dataclass(frozen=True)
class DocumentKind:
    code: str  # "invoice" or "credit_note": each kind has its own sequences


INVOICE = DocumentKind("invoice")
CREDIT_NOTE = DocumentKind("credit_note")
QUOTE = DocumentKind("quote")


def template_errors(template: str) -> list[str]:
    """What is wrong with a numbering template (empty list: it is usable)."""
    sequences = [
        match.group(1) for match in _TOKEN.finditer(template) if match.group(1).startswith("SEQ")
    ]
    errors = []
    if len(sequences) != 1:
        errors.append(
            _(
                "Le modèle contient exactement un compteur : {SEQ}, {SEQYEAR}, "
                "{SEQCOHORT} ou {SEQCOHORTYEAR}."
            )
        )
    if not _ALLOWED_LITERALS.match(_TOKEN.sub("", template)):
        errors.append(
            _(
                "En dehors des champs entre accolades, le modèle n'utilise que des "
                "lettres, des chiffres et - _ / ."
            )
        )
    if sequences and sequences[0] in ("SEQYEAR", "SEQCOHORTYEAR") and "{YY" not in template:
        errors.append(_("Un compteur annuel demande l'année dans le numéro ({YYYY} ou {YY})."))
    if sequences and "COHORT" in sequences[0] and "{COHORT}" not in template:
        errors.append(_("Un compteur par coopérative demande {COHORT} dans le numéro."))
    return errors


def number_next(*, key: str) -> int:
    """The next value of sequence `key`, locked until the current transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Numbers are taken inside the transaction that issues the document.")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO billing_numbercounter (key, last_value) VALUES (%s, 1) "
            "ON CONFLICT (key) DO UPDATE SET last_value = billing_numbercounter.last_value + 1 "
            "RETURNING last_value",
            [key],
        )
        (value,) = cursor.fetchone()
    return int(value)


def number_assign(
    *, template: str, kind: DocumentKind, issued_on: datetime.date, cohort_code: str = ""
) -> str:
    """Render the document number for `template`, taking the next value of its sequence."""
    errors = template_errors(template)
    if errors:
        raise ApplicationError(" ".join(errors))
    if "{COHORT" in template and not cohort_code:
        raise ApplicationError(
            _(
                "La coopérative n'a pas de code analytique : il faut en donner "
                "un pour numéroter ses factures."
            )
        )
    sequence = next(m for m in _TOKEN.finditer(template) if m.group(1).startswith("SEQ"))
    scope = {"year": str(issued_on.year), "cohort": cohort_code}
    key = ":".join(
        [
            kind.code,
            sequence.group(1),
            *(scope[part] for part in _SEQUENCE_SCOPES[sequence.group(1)]),
        ]
    )
    value = number_next(key=key)
    fields = {
        "YYYY": f"{issued_on.year:04d}",
        "YY": f"{issued_on.year % 100:02d}",
        "MM": f"{issued_on.month:02d}",
        "COHORT": cohort_code.upper(),
    }

    def render(match: re.Match[str]) -> str:
        name, width = match.group(1), int(match.group(2) or 1)
        return str(value).zfill(width) if name.startswith("SEQ") else fields[name]

    return _TOKEN.sub(render, template)
