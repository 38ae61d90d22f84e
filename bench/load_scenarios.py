"""What the load test's simulated people do, written once for locust and for the self-test.

Nothing here imports locust (it patches the standard library with gevent) nor Django: each
scenario talks to an `Http` adapter. `bench/locustfile.py` wraps them in locust users over
FastHttp; `tests/platform/test_load_script.py` runs every task through Django's test client so
that a renamed route or a changed form cannot rot the load test silently.

Every request goes to 127.0.0.1 with the site's `Host` header (Python's resolver does not map
`*.localhost` to loopback) and never follows redirects by itself: each hop is measured, and an
absolute `Location` on a CAE's host is followed on that same host.

The data (accounts, ids, invoice links) comes from `bench/load_setup.py` as a JSON document.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import itertools
import json
import random
import re
import time
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Protocol
from urllib.parse import urlencode, urlsplit

import pyotp

# Groups of endpoints reported together in bench/load.json.
SIGN_IN = "sign-in"
DASHBOARD = "national dashboard"
INDICATORS_API = "indicators API"
API_LIST = "API lists"
API_DETAIL = "API details"
PAGES = "pages"
PAYMENT = "online payment"
WEBHOOK = "payment webhook"

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
AMOUNT_FIELD = re.compile(r'<input[^>]*name="amount"[^>]*value="([^"]*)"')
# A client pays part of what is due, so the demo's invoices last through a 10-minute soak.
PAYMENT_AMOUNT = Decimal("0.50")


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    location: str  # the redirect's target as a path on the same host ("" when none)


class Http(Protocol):
    """One simulated person's connection to one site (its cookies, its host)."""

    host: str

    def send(
        self,
        method: str,
        path: str,
        *,
        name: str,
        expect: Collection[int],
        form: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send one request; a status outside `expect` is recorded as a failure."""
        ...


def label(group: str, method: str, template: str) -> str:
    """The statistics name of a request: its group, method and route with ids as [id]."""
    return f"{group} | {method} {template}"


def group_of(name: str) -> str:
    return name.split(" | ", 1)[0]


def path_of(location: str) -> str:
    """A redirect target as a path (Django writes some absolute: the invoice's link)."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def csrf_token(text: str) -> str:
    match = CSRF_FIELD.search(text)
    return match.group(1) if match else ""


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header: HMAC-SHA256 of "timestamp.body" (as the provider signs)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# Each persona hands out its accounts in turn: people who need a second factor get one account
# each (a TOTP code is accepted once per account), the others may share.
_NUMBERS: dict[str, itertools.count[int]] = {}


def next_number(persona: str) -> int:
    return next(_NUMBERS.setdefault(persona, itertools.count()))


class Scenario:
    """A persona: `start()` once (signing in), then weighted tasks chosen at random."""

    persona: ClassVar[str]
    weight: ClassVar[int]  # share of the simulated users in the default mix
    tasks: ClassVar[dict[str, int]]  # method name → weight
    # The CAE's site, or the national one.
    national: ClassVar[bool] = False

    def __init__(self, *, http_for: Callable[[str], Http], fixtures: Mapping[str, Any]) -> None:
        self.fixtures = fixtures
        self.number = next_number(self.persona)
        caes = fixtures["caes"]
        self.cae: Mapping[str, Any] = caes[self.number % len(caes)]
        self.http = http_for(fixtures["national_host"] if self.national else self.cae["host"])
        self.random = random.Random(self.number)  # noqa: S311 - not security

    def start(self) -> None:
        """Before the tasks (signing in)."""

    def get(
        self, path: str, *, group: str, template: str, expect: Collection[int] = (200,)
    ) -> Reply:
        return self.http.send("GET", path, name=label(group, "GET", template), expect=expect)

    def post_form(
        self,
        path: str,
        form: Mapping[str, str],
        *,
        group: str,
        template: str,
        expect: Collection[int] = (302,),
    ) -> Reply:
        return self.http.send(
            "POST", path, name=label(group, "POST", template), expect=expect, form=form
        )

    def sign_in(self, email: str, *, second_factor: bool) -> None:
        """The real sign-in: password (Argon2, slow on purpose), then the TOTP code. A page
        that did not load is loaded again (as a person would), its failure still counted."""
        for _attempt in range(3):
            page = self.get("/connexion/", group=SIGN_IN, template="/connexion/")
            if page.status == 200:
                break
        reply = self.post_form(
            "/connexion/",
            {
                "csrfmiddlewaretoken": csrf_token(page.text),
                "username": email,
                "password": self.fixtures["password"],
            },
            group=SIGN_IN,
            template="/connexion/",
        )
        if reply.status != 302 or not second_factor:
            return
        page = self.get("/compte/verification/", group=SIGN_IN, template="/compte/verification/")
        self.post_form(
            "/compte/verification/",
            {
                "csrfmiddlewaretoken": csrf_token(page.text),
                "code": pyotp.TOTP(self.fixtures["totp_secret"]).now(),
            },
            group=SIGN_IN,
            template="/compte/verification/",
        )

    def pick(self, values: list[Any]) -> Any:
        return self.random.choice(values)


class Coordinator(Scenario):
    """The national coordination: its dashboard and the indicators API."""

    persona = "coordinator"
    weight = 3
    national = True
    tasks = {"dashboard": 3, "indicators_summary": 3, "indicators_table": 2, "cae_index": 1}

    def start(self) -> None:
        accounts = self.fixtures["coordinators"]
        self.sign_in(accounts[self.number % len(accounts)], second_factor=True)

    def dashboard(self) -> None:
        self.get("/indicateurs/", group=DASHBOARD, template="/indicateurs/")

    def indicators_summary(self) -> None:
        self.get("/api/v1/indicators/", group=INDICATORS_API, template="/api/v1/indicators/")

    def indicators_table(self) -> None:
        group_by = self.pick(["year", "programme", "region", "cae"])
        self.get(
            f"/api/v1/indicators/table/?group_by={group_by}",
            group=INDICATORS_API,
            template="/api/v1/indicators/table/",
        )

    def cae_index(self) -> None:
        self.get("/caes/", group=PAGES, template="/caes/")


class CaeStaff(Scenario):
    """A CAE's staff: invoices (list, detail), cohorts, clients; pages and API."""

    persona = "staff"
    weight = 15
    tasks = {
        "invoice_list_page": 3,
        "invoice_detail_page": 3,
        "invoice_list_api": 3,
        "invoice_detail_api": 3,
        "cohort_page": 2,
        "cohort_list_api": 2,
        "cohort_detail_api": 2,
        "client_list_page": 1,
        "client_list_api": 1,
    }

    def start(self) -> None:
        accounts = self.cae["staff"]
        # One account per simulated person: the CAEs take turns, then their accounts.
        account = accounts[(self.number // len(self.fixtures["caes"])) % len(accounts)]
        self.sign_in(account, second_factor=True)

    def invoice_list_page(self) -> None:
        self.get("/factures/", group=PAGES, template="/factures/")

    def invoice_detail_page(self) -> None:
        invoice = self.pick(self.cae["invoices"])
        self.get(f"/factures/{invoice}/", group=PAGES, template="/factures/[id]/")

    def invoice_list_api(self) -> None:
        self.get("/api/v1/invoices/", group=API_LIST, template="/api/v1/invoices/")

    def invoice_detail_api(self) -> None:
        invoice = self.pick(self.cae["invoices"])
        self.get(
            f"/api/v1/invoices/{invoice}/", group=API_DETAIL, template="/api/v1/invoices/[id]/"
        )

    def cohort_page(self) -> None:
        cohort = self.pick(self.cae["cohorts"])
        self.get(f"/cooperatives/{cohort}/", group=PAGES, template="/cooperatives/[id]/")

    def cohort_list_api(self) -> None:
        self.get("/api/v1/cohorts/", group=API_LIST, template="/api/v1/cohorts/")

    def cohort_detail_api(self) -> None:
        cohort = self.pick(self.cae["cohorts"])
        self.get(f"/api/v1/cohorts/{cohort}/", group=API_DETAIL, template="/api/v1/cohorts/[id]/")

    def client_list_page(self) -> None:
        self.get("/clients/", group=PAGES, template="/clients/")

    def client_list_api(self) -> None:
        self.get("/api/v1/clients/", group=API_LIST, template="/api/v1/clients/")


class CohortMember(Scenario):
    """A coopérant·e: the cohort's jobs, planning and quotes."""

    persona = "member"
    weight = 15
    tasks = {
        "planning_page": 3,
        "job_page": 2,
        "quote_list_page": 2,
        "quote_page": 1,
        "job_list_api": 2,
        "job_detail_api": 2,
        "calendar_api": 2,
        "quote_list_api": 1,
    }

    def start(self) -> None:
        members = self.cae["members"]
        self.member: Mapping[str, Any] = members[
            (self.number // len(self.fixtures["caes"])) % len(members)
        ]
        self.cohort = self.member["cohort"]
        self.sign_in(self.member["email"], second_factor=False)

    def planning_page(self) -> None:
        week = self.member["first_day"]
        self.get(
            f"/cooperatives/{self.cohort}/planning/?{urlencode({'semaine': week})}",
            group=PAGES,
            template="/cooperatives/[id]/planning/",
        )

    def job_page(self) -> None:
        job = self.pick(self.member["jobs"])
        self.get(f"/interventions/{job}/", group=PAGES, template="/interventions/[id]/")

    def quote_list_page(self) -> None:
        self.get(
            f"/cooperatives/{self.cohort}/devis/", group=PAGES, template="/cooperatives/[id]/devis/"
        )

    def quote_page(self) -> None:
        if not self.member["quotes"]:
            self.quote_list_page()
            return
        quote = self.pick(self.member["quotes"])
        self.get(f"/devis-internes/{quote}/", group=PAGES, template="/devis-internes/[id]/")

    def job_list_api(self) -> None:
        self.get(
            f"/api/v1/cohorts/{self.cohort}/jobs/",
            group=API_LIST,
            template="/api/v1/cohorts/[id]/jobs/",
        )

    def job_detail_api(self) -> None:
        job = self.pick(self.member["jobs"])
        self.get(f"/api/v1/jobs/{job}/", group=API_DETAIL, template="/api/v1/jobs/[id]/")

    def calendar_api(self) -> None:
        start = datetime.date.fromisoformat(self.member["first_day"])
        query = urlencode(
            {
                "start": start.isoformat(),
                "end": (start + datetime.timedelta(days=30)).isoformat(),
                "cohort": self.cohort,
            }
        )
        self.get(f"/api/v1/calendar/?{query}", group=API_LIST, template="/api/v1/calendar/")

    def quote_list_api(self) -> None:
        self.get(
            f"/api/v1/cohorts/{self.cohort}/quotes/",
            group=API_LIST,
            template="/api/v1/cohorts/[id]/quotes/",
        )


class CommitteePartner(Scenario):
    """A local committee's partner: the activity of the cohorts the committee follows."""

    persona = "partner"
    weight = 5
    tasks = {"activity_page": 3, "activity_api": 2, "home_page": 1}

    def start(self) -> None:
        self.partner: Mapping[str, Any] = self.pick(self.cae["partners"])
        self.sign_in(self.partner["email"], second_factor=False)

    def activity_page(self) -> None:
        cohort = self.pick(self.partner["cohorts"])
        self.get(
            f"/cooperatives/{cohort}/activite/",
            group=PAGES,
            template="/cooperatives/[id]/activite/",
        )

    def activity_api(self) -> None:
        cohort = self.pick(self.partner["cohorts"])
        self.get(
            f"/api/v1/cohorts/{cohort}/activity/",
            group=API_DETAIL,
            template="/api/v1/cohorts/[id]/activity/",
        )

    def home_page(self) -> None:
        self.get("/", group=PAGES, template="/")


class PayingClient(Scenario):
    """A client (no account): opens the invoice's link, pays part of it with the dummy provider
    (its checkout page, whose signed events reach the platform's webhook), comes back."""

    persona = "client"
    weight = 3
    tasks = {"pay": 1, "view": 2}
    exhausted: ClassVar[set[str]] = set()  # links with nothing left to pay

    def _link(self) -> str:
        links = [link for link in self.cae["invoice_links"] if link not in self.exhausted]
        return str(self.pick(links or self.cae["invoice_links"]))

    def view(self) -> None:
        self.get(self._link(), group=PAYMENT, template="/factures/consulter/[token]/")

    def pay(self) -> None:
        link = self._link()
        page = self.get(link, group=PAYMENT, template="/factures/consulter/[token]/")
        amount = _amount(page.text)
        if page.status != 200 or amount is None or amount <= 0:
            self.exhausted.add(link)
            return
        paid = min(amount, PAYMENT_AMOUNT)
        reply = self.post_form(
            f"{link}payer/",
            {
                "csrfmiddlewaretoken": csrf_token(page.text),
                "amount": f"{paid:.2f}".replace(".", ","),
            },
            group=PAYMENT,
            template="/factures/consulter/[token]/payer/",
        )
        if "/paiements/simulation/" not in reply.location:
            return
        checkout_path = reply.location
        checkout = self.get(
            checkout_path, group=PAYMENT, template="/paiements/simulation/[attempt]/"
        )
        reply = self.post_form(
            checkout_path,
            {"csrfmiddlewaretoken": csrf_token(checkout.text), "choice": "pay"},
            group=PAYMENT,
            template="/paiements/simulation/[attempt]/",
        )
        if reply.location:
            self.get(
                reply.location,
                group=PAYMENT,
                template="/factures/consulter/[token]/?paiement=merci",
            )


def _amount(text: str) -> Decimal | None:
    match = AMOUNT_FIELD.search(text)
    if match is None:
        return None
    written = match.group(1).replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    try:
        return Decimal(written.replace(",", "."))
    except InvalidOperation:
        return None


class PaymentProvider(Scenario):
    """The payment provider calling the platform's webhook (national site): new events, the
    redelivery of one already received, and now and then a forged signature (refused)."""

    persona = "provider"
    weight = 2
    national = True
    tasks = {"event": 3, "redelivery": 2, "forged": 1}
    path = "/paiements/webhook/dummy/"
    template = "/paiements/webhook/[provider]/"

    def start(self) -> None:
        self.sent: bytes = b""

    def _post(self, payload: bytes, signature: str, expect: Collection[int]) -> Reply:
        return self.http.send(
            "POST",
            self.path,
            name=label(WEBHOOK, "POST", self.template),
            expect=expect,
            body=payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
        )

    def event(self) -> None:
        """A checkout session that expired unpaid (Stripe sends many): stored once, applied by
        a task in the CAE's schema."""
        cae = self.pick(self.fixtures["caes"])
        payload = json.dumps(
            {
                "id": f"evt_load_{uuid.uuid4().hex}",
                "object": "event",
                "type": "checkout.session.expired",
                "account": cae["payment_account"],
                "created": int(time.time()),
                "livemode": False,
                "data": {
                    "object": {
                        "id": f"cs_load_{uuid.uuid4().hex}",
                        "object": "checkout.session",
                        "metadata": {"schema": cae["schema"]},
                    }
                },
            }
        ).encode()
        self._post(payload, stripe_signature(payload, self.fixtures["webhook_secret"]), (200,))
        self.sent = payload

    def redelivery(self) -> None:
        if not self.sent:
            self.event()
            return
        self._post(self.sent, stripe_signature(self.sent, self.fixtures["webhook_secret"]), (200,))

    def forged(self) -> None:
        payload = self.sent or b'{"id": "evt_forged"}'
        self._post(payload, stripe_signature(payload, "whsec_not_the_secret"), (400,))


class ApiReader(Scenario):
    """`make bench`'s API figures: staff reading the main list and detail endpoints, no pause.
    Not in the default mix (weight 0)."""

    persona = "api-reader"
    weight = 0
    tasks = {
        "invoice_list_api": 1,
        "invoice_detail_api": 1,
        "cohort_list_api": 1,
        "cohort_detail_api": 1,
    }

    def __init__(self, *, http_for: Callable[[str], Http], fixtures: Mapping[str, Any]) -> None:
        super().__init__(http_for=http_for, fixtures=fixtures)
        # One CAE for comparable figures (the one the raw SQL is captured in).
        self.cae = fixtures["caes"][0]
        self.http = http_for(self.cae["host"])

    def start(self) -> None:
        accounts = self.cae["staff"]
        self.sign_in(accounts[-1 - self.number % len(accounts)], second_factor=True)

    def invoice_list_api(self) -> None:
        self.get("/api/v1/invoices/", group=API_LIST, template="/api/v1/invoices/")

    def invoice_detail_api(self) -> None:
        invoice = self.cae["bench_invoice"]
        self.get(
            f"/api/v1/invoices/{invoice}/", group=API_DETAIL, template="/api/v1/invoices/[id]/"
        )

    def cohort_list_api(self) -> None:
        self.get("/api/v1/cohorts/", group=API_LIST, template="/api/v1/cohorts/")

    def cohort_detail_api(self) -> None:
        cohort = self.cae["bench_cohort"]
        self.get(f"/api/v1/cohorts/{cohort}/", group=API_DETAIL, template="/api/v1/cohorts/[id]/")


MIX: tuple[type[Scenario], ...] = (
    Coordinator,
    CaeStaff,
    CohortMember,
    CommitteePartner,
    PayingClient,
    PaymentProvider,
)
SCENARIOS: tuple[type[Scenario], ...] = (*MIX, ApiReader)
# The locust user class of each persona in bench/locustfile.py (named on locust's command line).
CLASS_NAMES = {scenario.persona: f"{scenario.__name__}User" for scenario in SCENARIOS}
