import os
import subprocess
import sys

from django.conf import settings
from django.test import Client


def test_liveness_answers_on_any_host_without_touching_a_tenant() -> None:
    response = Client(HTTP_HOST="10.0.0.7").get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_checks_database_and_broker(db: None) -> None:
    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_readiness_is_503_with_the_reason_when_the_database_is_down() -> None:
    # A real process whose database does not answer (nothing listens on port 1).
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/readyz'); print(r.status_code, json.dumps(r.json()))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coopilote.settings.test",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/coopilote",
    }

    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    status, _, body = result.stdout.strip().partition(" ")
    assert status == "503"
    assert '"database": "base de donn\\u00e9es injoignable"' in body
    assert '"broker": "ok"' in body
