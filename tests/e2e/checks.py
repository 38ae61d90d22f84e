"""What every journey checks on every page it visits, and the steps all journeys share.

- Accessibility: axe-core (vendored, see vendor/README.md) runs in the page; violations of
  impact "serious" or "critical" fail the journey, each with its rule, target and address.
- Phone width: at 375 x 740 the page must not scroll sideways, and axe runs again.
- Screenshots for the guides: with COOPILOTE_SCREENSHOTS=<folder>, named steps are kept there
  (1280 x 800, the visible part only, so that the PNGs stay small).
- Mail: the web server and the worker started by the tests write their mail to files
  (COOPILOTE_TEST_MAIL_FILES, see the test settings); a journey follows a link as its reader would.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
from django.conf import settings
from playwright.sync_api import ConsoleMessage, Page, expect

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
FAILING_IMPACTS = ("serious", "critical")
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"

AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    targets: violation.nodes.slice(0, 5).map((node) => node.target.join(" ")),
  }));
}"""

# The widest elements sticking out of the viewport, to say what makes a page scroll sideways.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    const spills = element.clientWidth > 0 && element.scrollWidth > element.clientWidth + 1
      && getComputedStyle(element).overflowX === "visible";
    if ((box.right > width + 1 && box.width > 0) || spills) {
      const name = element.tagName.toLowerCase()
        + (element.id ? "#" + element.id : "")
        + (element.classList.length ? "." + [...element.classList].join(".") : "");
      wide.push(name + " (" + Math.round(box.right) + "px"
        + (spills ? ", content " + element.scrollWidth + "px" : "") + ")");
    }
  }
  return {scroll: document.scrollingElement.scrollWidth, width: width, wide: wide.slice(0, 5)};
}"""


@dataclass
class Journey:
    """A browser page walked through a journey, with the checks made on each page it reaches."""

    page: Page
    name: str
    problems: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    reached: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)  # older mail is another run's

    def __post_init__(self) -> None:
        # axe is added to every document before its own scripts, outside the page's CSP.
        self.page.context.add_init_script(path=str(AXE))
        self.page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
        self.page.set_default_timeout(10_000)
        self.page.set_default_navigation_timeout(30_000)  # a busy 2-core machine
        self.page.on("framenavigated", self._remember)
        self.page.on("console", self._keep_error)

    def _remember(self, frame: object) -> None:
        if frame is self.page.main_frame:
            self.reached.append(page_key(self.page.url))

    def _keep_error(self, message: ConsoleMessage) -> None:
        # Chromium logs the 4xx statuses (the favicon, a refused page) as errors: expected.
        if message.type == "error" and not re.search(r"\b40[0345]\b", message.text):
            self.console_errors.append(f"{message.text} ({self.page.url})")

    def check(self) -> None:
        """Accessibility and phone width of the page now shown (once per address)."""
        self.page.wait_for_load_state("load")
        key = page_key(self.page.url)
        if key in self.checked:
            return
        self.checked.add(key)
        self._axe("1280px")
        self.page.set_viewport_size(PHONE)  # type: ignore[arg-type]
        try:
            overflow = self.page.evaluate(OVERFLOW)
            if overflow["scroll"] > overflow["width"] + 1:
                self.problems.append(
                    f"{key}: scrolls sideways at 375px (scrollWidth {overflow['scroll']}); "
                    f"too wide: {', '.join(overflow['wide'])}"
                )
            self._axe("375px")
        finally:
            self.page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]

    def _axe(self, width: str) -> None:
        key = page_key(self.page.url)
        if not self.page.evaluate("typeof axe !== 'undefined'"):  # a document written in place
            self.page.add_script_tag(path=str(AXE))
        for violation in self.page.evaluate(AXE_RUN):
            if violation["impact"] in FAILING_IMPACTS:
                self.problems.append(
                    f"{key} at {width}: axe {violation['impact']} {violation['id']} "
                    f"({violation['help']}) on {violation['targets']}"
                )

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.check()

    def shot(self, step: str) -> None:
        """Keep the page as a picture for the guides, when COOPILOTE_SCREENSHOTS names a folder."""
        folder = os.environ.get("COOPILOTE_SCREENSHOTS")
        if not folder:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(Path(folder) / f"{self.name}-{step}.png"))

    def sign_in(self, site: str, email_address: str, password: str, totp: str = "") -> None:
        """Sign in on `site` through the form (and the second factor with the TOTP key)."""
        self.goto(f"{site}/connexion/")
        self.page.get_by_label("Adresse e-mail").fill(email_address)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        if totp:
            expect(self.page.locator("h1")).to_have_text("Double authentification")
            self.check()
            self.page.get_by_label("Code à 6 chiffres ou code de secours").fill(totp_code(totp))
            self.page.get_by_role("button", name="Valider").click()
        expect(self.page.locator(".who")).to_have_text(email_address)
        self.check()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Se déconnecter").click()
        self.page.wait_for_load_state("load")

    def mail_to(self, address: str, *, subject_contains: str = "") -> EmailMessage:
        """The latest email to `address` written during this journey."""
        return mail_to(address, subject_contains=subject_contains, since=self.started)

    def finish(self) -> None:
        """Fail on what the pages showed: accessibility, phone width, unchecked pages, errors."""
        unchecked = sorted(set(self.reached) - self.checked - {"about:blank", "chromewebdata/"})
        report = list(self.problems)
        if unchecked:
            report.append(f"pages reached but never checked: {unchecked}")
        report.extend(f"console error: {error}" for error in self.console_errors)
        assert not report, f"{self.name}:\n" + "\n".join(report)


TOTP_STEP = 30
_used_steps: dict[str, int] = {}


def totp_code(key: str) -> str:
    """A code of the authenticator app with this key, never one already used: the server
    refuses a code twice, and journeys sign the same person in within 30 s. The next step's
    code is accepted too (one step of clock drift), so a second sign-in rarely waits."""
    step = max(int(time.time()) // TOTP_STEP, _used_steps.get(key, -1) + 1)
    while step > int(time.time()) // TOTP_STEP + 1:
        time.sleep(1)
    _used_steps[key] = step
    return str(pyotp.TOTP(key).at(step * TOTP_STEP))


def page_key(url: str) -> str:
    """An address without its query and fragment: one check per page, whatever its filters."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}" if parts.netloc else url


def mail_folder() -> Path:
    return Path(settings.DATA_DIR) / "mail-test"


def mail_to(
    address: str, *, subject_contains: str = "", since: float = 0, seconds: float = 30
) -> EmailMessage:
    """The latest email written to `address` after `since` (waiting for the worker to send it)."""
    deadline = time.monotonic() + seconds
    while True:
        found = [
            message
            for message in mails(since=since)
            if address in str(message["To"]) and subject_contains in str(message["Subject"])
        ]
        if found:
            return found[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no email to {address} ({subject_contains!r}) in {seconds} s")
        time.sleep(0.2)


def mails(*, since: float = 0) -> list[EmailMessage]:
    """Every email of the mail folder written after `since`, oldest first."""
    folder = mail_folder()
    if not folder.exists():
        return []
    found: list[EmailMessage] = []
    paths = [path for path in folder.iterdir() if path.stat().st_mtime >= since]
    for path in sorted(paths, key=lambda path: path.stat().st_mtime):
        for chunk in path.read_bytes().split(MAIL_SEPARATOR):
            if chunk.strip():
                message = email.message_from_bytes(chunk, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                found.append(message)
    return found


def mail_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, message
    return str(body.get_content())


def link_in(message: EmailMessage, path_pattern: str) -> tuple[str, str]:
    """(host, path) of the first link of the email whose path matches `path_pattern` (the
    test server listens on its own port: the journey opens the path there)."""
    for url in re.findall(r"https?://\S+", mail_text(message)):
        parts = urlsplit(url)
        if re.search(path_pattern, parts.path):
            return parts.hostname or "", parts.path
    raise AssertionError(f"no link matching {path_pattern} in:\n{mail_text(message)}")
