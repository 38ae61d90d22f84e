#!/usr/bin/env python
import os
import sys
from pathlib import Path

# `platform/` holds the kernel package `coopilote`; it is never a package itself.
sys.path.insert(0, str(Path(__file__).resolve().parent / "platform"))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coopilote.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
