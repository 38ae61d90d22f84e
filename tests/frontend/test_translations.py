"""French is the source; English must be complete and compiled (no stale .mo)."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "frontend/locale/en/LC_MESSAGES"


def _entries() -> list[dict[str, str]]:
    entries = []
    for block in (CATALOGUE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {"flags": " ".join(re.findall(r"^#, (.*)$", block, re.M))}
        for name, body in re.findall(
            r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) ((?:".*"\n?)+)', block, re.M
        ):
            fields[name] = "".join(ast.literal_eval(part) for part in body.split("\n") if part)
        if fields.get("msgid"):
            entries.append(fields)
    return entries


def test_every_message_has_an_english_translation() -> None:
    entries = _entries()
    untranslated = [
        e["msgid"]
        for e in entries
        if not (e.get("msgstr") or e.get("msgstr[0]")) or "fuzzy" in e["flags"]
    ]

    assert len(entries) > 300
    assert untranslated == []


def test_the_compiled_catalogue_matches_the_source() -> None:
    with (CATALOGUE / "django.mo").open("rb") as catalogue:
        translations = gettext.GNUTranslations(catalogue)

    def translated(entry: dict[str, str]) -> str:
        if "msgctxt" in entry:
            return translations.pgettext(entry["msgctxt"], entry["msgid"])
        return translations.gettext(entry["msgid"])

    stale = [e["msgid"] for e in _entries() if "msgstr" in e and translated(e) != e["msgstr"]]

    assert stale == []


def test_french_counts_zero_and_one_in_the_singular() -> None:
    from django.utils import translation

    # French is the source language: without its own catalogue of plural messages, gettext
    # would use English's rule and write "0 personnes ont voté"
    singular, plural = "%(counter)s personne a voté.", "%(counter)s personnes ont voté."
    with translation.override("fr"):
        assert [translation.ngettext(singular, plural, n) for n in (0, 1, 2)] == [
            singular,
            singular,
            plural,
        ]
    with translation.override("en"):
        assert translation.ngettext(singular, plural, 0) == "%(counter)s people have voted."


def test_the_french_plural_catalogue_is_written_from_the_english_one() -> None:
    import sys

    sys.path.insert(0, str(Path(settings.BASE_DIR) / "infra"))
    try:
        from french_plurals import french_plurals
    finally:
        sys.path.pop(0)
    french = Path(settings.BASE_DIR) / "frontend/locale/fr/LC_MESSAGES"
    english = (CATALOGUE / "django.po").read_text(encoding="utf-8")

    # `make messages` ran infra/french_plurals.py: one entry per plural message, compiled
    assert (french / "django.po").read_text(encoding="utf-8") == french_plurals(english)
    assert english.count("msgid_plural") == (french / "django.po").read_text().count("msgid_plural")
    with (french / "django.mo").open("rb") as catalogue:
        compiled = gettext.GNUTranslations(catalogue)
    assert compiled.ngettext("%(total)s changement", "%(total)s changements", 0) == (
        "%(total)s changement"
    )
