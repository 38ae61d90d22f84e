"""Write the French catalogue of plural messages (`make messages` runs it after makemessages).

French is the source language, so it has no catalogue of its own, and gettext falls back to
English's rule for the messages it does not find: "0 personnes ont voté". French takes the
singular for 0 and 1. This catalogue holds only the plural messages, each translated by its own
two forms under French's rule (`plural=(n > 1)`); every other message needs no entry.

    python infra/french_plurals.py   # reads the English catalogue, writes the French one
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "frontend" / "locale"
HEADER = """# French plural forms of Coopilote's messages (French is the source language):
# written by infra/french_plurals.py from the English catalogue; do not edit.
msgid ""
msgstr ""
"Project-Id-Version: Coopilote\\n"
"Language: fr\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"""
# A keyword and its quoted lines: `msgid "…"` possibly continued by `"…"` lines.
FIELD = r'^{name} ((?:".*"\n?)+)'


def french_plurals(english: str) -> str:
    entries = [HEADER]
    for block in english.split("\n\n"):
        block = block.strip("\n") + "\n"
        plural = re.search(FIELD.format(name="msgid_plural"), block, re.M)
        if plural is None or block.startswith("#~"):
            continue
        singular = re.search(FIELD.format(name="msgid"), block, re.M)
        context = re.search(FIELD.format(name="msgctxt"), block, re.M)
        assert singular is not None
        lines = ["#, python-format"] if "python-format" in block else []
        if context:
            lines.append(f"msgctxt {context[1].rstrip()}")
        lines += [
            f"msgid {singular[1].rstrip()}",
            f"msgid_plural {plural[1].rstrip()}",
            f"msgstr[0] {singular[1].rstrip()}",
            f"msgstr[1] {plural[1].rstrip()}",
        ]
        entries.append("\n".join(lines) + "\n")
    return "\n".join(entries)


def main() -> int:
    english = (LOCALE / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    target = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(french_plurals(english), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
