"""Every page renders in a real browser under the Content-Security-Policy, with no console error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("host", "path", "heading"),
    [
        ("localhost", "/", "Les coopératives éphémères du réseau"),
        ("alpha.localhost", "/", "CAE Alpha"),
        ("alpha.localhost", "/connexion/", "Connexion"),
        ("inconnue.localhost", "/", "Site inconnu"),
    ],
)
def test_page_renders_without_console_errors(
    page: Page, web_server: str, host: str, path: str, heading: str
) -> None:
    errors: list[str] = []
    page.on("console", lambda message: _keep_errors(message, errors))

    page.goto(f"http://{host}:{web_server}{path}")

    expect(page.locator("h1")).to_have_text(heading)
    assert errors == []


def test_api_docs_render_offline_under_the_csp(page: Page, web_server: str) -> None:
    errors: list[str] = []
    page.on("console", lambda message: _keep_errors(message, errors))

    page.goto(f"http://alpha.localhost:{web_server}/api/docs/")

    expect(page.get_by_role("heading", name=re.compile("^Coopilote API"))).to_be_visible()
    expect(page.get_by_text("/api/v1/cohorts/").first).to_be_visible()
    assert errors == []


def _keep_errors(message: ConsoleMessage, errors: list[str]) -> None:
    # The unknown-site page answers 404: Chromium logs that status, which is the point.
    if message.type == "error" and "404" not in message.text:
        errors.append(message.text)
