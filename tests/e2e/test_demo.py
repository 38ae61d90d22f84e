"""`make demo`'s launcher from nothing: embedded PostgreSQL and broker in an empty data folder,
the demo network, web + worker + beat; the pages answer, a browser signs in, a client pays an
invoice online through the worker, Ctrl-C stops all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyotp
import pytest
from django.conf import settings
from playwright.sync_api import Browser, expect

from frontend.management.commands.demo_setup import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.e2e.conftest import free_port, http_get, wait_for_http

pytestmark = pytest.mark.browser


def test_demo_runs_on_embedded_defaults_and_stops_on_ctrl_c(
    browser: Browser, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment |= {"COOPILOTE_DATA_DIR": str(tmp_path / "data"), "COOPILOTE_DEMO_PORT": str(port)}
    with log.open("w") as output:
        demo = subprocess.Popen(
            [sys.executable, "infra/demo.py"],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_http("localhost", port, "/", seconds=180, process=demo, log=log)
        for host, path in (
            ("localhost", "/"),
            ("sitelle.localhost", "/"),
            ("sitelle.localhost", "/api/docs/"),
        ):
            assert http_get(host, port, path) == 200, (host, path)
        assert "admin@sitelle.localhost" in log.read_text()
        # Beat and the worker start beside the web server; give them time to fail, if they do.
        deadline = time.monotonic() + 60
        while "beat: Starting" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)
        assert demo.poll() is None, log.read_text()[-3000:]  # web, worker and beat all still up

        page = browser.new_page(locale="fr-FR")
        page.goto(f"http://sitelle.localhost:{port}/connexion/")
        page.get_by_label("Adresse e-mail").fill("admin@sitelle.localhost")
        page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        assert f"« {DEMO_TOTP_SECRET} »" in log.read_text()  # the key the demo prints
        page.get_by_label("Code à 6 chiffres ou code de secours").fill(
            pyotp.TOTP(DEMO_TOTP_SECRET).now()
        )
        page.get_by_role("button", name="Valider").click()
        expect(page.locator("h1")).to_have_text("CAE Sitelle (Vannes)")
        expect(page.get_by_role("cell", name="La Belle Coop")).to_be_visible()

        # A client pays 10 € of an overdue invoice by card (dummy provider); the worker
        # applies the signed events and the payment shows on the CAE's invoice page.
        page.goto(f"http://sitelle.localhost:{port}/factures/?statut=issued")
        overdue = page.get_by_role("row").filter(has_text="En retard de paiement").first
        overdue.get_by_role("link").click()
        invoice_page = page.url
        page.get_by_role("link", name="La facture telle que le client la voit").click()
        page.get_by_label("Montant à payer (€)").fill("10,00")
        page.get_by_role("button", name="Payer par carte").click()
        page.get_by_role("button", name="Payer avec la carte de test").click()
        expect(page.get_by_text("Merci !")).to_be_visible()
        deadline = time.monotonic() + 60
        page.goto(invoice_page)
        card_payment = "10,00\u00a0€ (Carte bancaire, pi_dummy_"
        while card_payment not in page.content() and time.monotonic() < deadline:
            time.sleep(1)
            page.reload()
        expect(
            page.get_by_role("listitem").filter(has_text="(Carte bancaire, pi_dummy_")
        ).to_be_visible()
        page.close()
    finally:
        demo.send_signal(signal.SIGINT)
        exit_code = demo.wait(timeout=60)

    assert exit_code == 0, log.read_text()[-3000:]
    assert "Coopilote arrêté." in log.read_text()
    assert not (tmp_path / "data" / "postgres" / "postmaster.pid").exists()
