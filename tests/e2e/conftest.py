"""Browser tests: Playwright for Python driving Debian's chromium, headless and offline."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import start_on_test_database

CHROMIUM = "/usr/bin/chromium"
# Chromium must not reach out: this machine's network is closed and the product works offline.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def outside_event_loop[T](function: Callable[[], T]) -> T:
    """Run database set-up in a plain thread: Playwright's sync API keeps an event loop running
    in the test thread, where Django (rightly) refuses synchronous ORM calls."""

    def run() -> T:
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(run).result()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_get(host: str, port: int | str, path: str = "/") -> int:
    """GET on loopback with the given Host (Python's resolver, unlike Chromium's and curl's,
    does not map *.localhost to 127.0.0.1); returns the status code."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": f"{host}:{port}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def wait_for_http(
    host: str,
    port: int | str,
    path: str,
    *,
    seconds: float,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            if http_get(host, port, path) == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    details = log.read_text()[-3000:] if log else ""
    pytest.fail(f"http://{host}:{port}{path} did not answer within {seconds} s.\n{details}")


@pytest.fixture(scope="package")
def browser(django_db_setup: None) -> Iterator[Browser]:
    # The database is set up before Playwright starts its event loop in this thread.
    if not (shutil.which("chromium") or os.path.exists(CHROMIUM)):
        pytest.fail(
            "Debian's chromium is missing: run 'sudo apt-get install chromium' "
            "(make test installs it when run as root)."
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR")
    opened = context.new_page()
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        opened.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        (ARTIFACTS / f"{request.node.name}.html").write_text(opened.content())
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def web_server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gunicorn serving the test database; returns the port."""
    port = free_port()
    log = tmp_path_factory.mktemp("web") / "gunicorn.log"
    # The links the server builds outside a request's host (the payment checkout, emails) carry
    # its port, as the demo's do.
    os.environ["COOPILOTE_SITE_PORT"] = str(port)
    try:
        process = start_on_test_database(
            f"gunicorn coopilote.wsgi --bind 127.0.0.1:{port} --workers 1 --no-control-socket", log
        )
    finally:
        del os.environ["COOPILOTE_SITE_PORT"]
    wait_for_http("localhost", port, "/healthz", seconds=60, process=process, log=log)
    yield str(port)
    process.terminate()
    process.wait(timeout=30)
