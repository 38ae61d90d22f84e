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
