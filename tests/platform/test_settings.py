import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def _manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deploy_check_with_no_warning() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="coopilote.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        EMAIL_URL="smtp+tls://coopilote:secret@smtp.example.org:587",
        COOPILOTE_BASE_HOST="coopilote.example.org",
        DATABASE_URL="postgres://coopilote@db.internal:5432/coopilote",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key() -> None:
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "coopilote.settings.production",
            "DATABASE_URL": "postgres://coopilote@db.internal:5432/coopilote",
            "EMAIL_URL": "smtp://smtp.example.org:25",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_database_url() -> None:
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={
            **environment,
            "DJANGO_SETTINGS_MODULE": "coopilote.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode != 0
    assert "Set DATABASE_URL" in result.stderr


def test_every_variable_read_by_the_settings_is_documented() -> None:
    documented = (Path(settings.BASE_DIR) / ".env.example").read_text()
    sources = "".join(
        path.read_text()
        for path in (Path(settings.BASE_DIR) / "platform/coopilote/settings").glob("*.py")
    )
    import re

    variables = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', sources))
    assert variables, "the settings read no variable?"
    assert sorted(v for v in variables if v not in documented) == []
