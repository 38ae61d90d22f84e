"""PgBouncer in front of the CAE schemas: which pooling mode keeps every query in its CAE.

A real pgbouncer (Debian's package) is started with its own ini, in front of the test
PostgreSQL (the embedded one is reached by its unix socket), with a pool of one or two server
connections. Several client connections, each a django-tenants connection set to a CAE the way a
request is (`connection.set_tenant` → `SET search_path`), run queries interleaved across threads,
and every answer is checked against the schema the query was meant for.

What is proven (docs/scaling.md, "PgBouncer"):
- session pooling: a client keeps its server connection, the search_path stays its own; a
  server handed to the next client is reset (DISCARD ALL);
- transaction pooling: the `SET search_path` and the next query are two transactions, so they
  can land on two server connections: a client of CAE alpha reads CAE beta's rows;
- transaction pooling is safe only if every query runs inside a transaction that sets the
  search_path itself (`ATOMIC_REQUESTS` everywhere and `TENANT_LIMIT_SET_CALLS = False`, or a
  `SET LOCAL`): the cost is measured here, and any query outside a transaction (middleware,
  Celery, management commands) is still exposed.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext, override_settings

from coopilote.accounts.models import Role
from network.registry.models import Cae
from tenants.cohorts.models import Cohort
from tests.conftest import account, grant, sign_in, site_client

INSTALL = "install pgbouncer (apt-get install pgbouncer)"
PORT = 6432
ALPHA, BETA = "cae_alpha", "cae_beta"
MARKERS = {ALPHA: "PGBOUNCER-ALPHA", BETA: "PGBOUNCER-BETA"}


# --- A pgbouncer of our own ------------------------------------------------------------------


def _pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found is None:
        pytest.fail(INSTALL, pytrace=False)
    return found


@dataclass
class Bouncer:
    folder: Path
    mode: str
    port: int

    def log(self) -> str:
        log = self.folder / "pgbouncer.log"
        return log.read_text() if log.exists() else ""


def _run_as(backend_host: str) -> str | None:
    """pgbouncer refuses to run as root: as root, run it as the owner of the database's socket
    folder (the embedded PostgreSQL's own user), else as nobody."""
    if os.geteuid() != 0:
        return None
    if backend_host.startswith("/"):
        owner = pwd.getpwuid(Path(backend_host).stat().st_uid).pw_name
        if owner != "root":
            return owner
    return "nobody"


def pgbouncer(mode: str, pool_size: int) -> AbstractContextManager[Bouncer]:
    return pgbouncer_on(PORT, mode, pool_size)


@contextmanager
def pgbouncer_on(port: int, mode: str, pool_size: int) -> Iterator[Bouncer]:
    """A pgbouncer listening on a unix socket (named after `port`) in a folder of its own, in
    front of the test database, in `mode` (session or transaction) with `pool_size` server
    connections."""
    binary = _pgbouncer_binary()
    backend = connection.get_connection_params()
    host = str(backend.get("host") or "127.0.0.1")
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o755)
    user = _run_as(host)
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"coopilote = host={host} port={backend.get('port') or 5432} "
        f"dbname={backend['dbname']} user={backend['user']}"
        + (f" password={backend['password']}" if backend.get("password") else "")
        + "\n\n[pgbouncer]\n"
        "listen_addr =\n"
        f"listen_port = {port}\n"
        f"unix_socket_dir = {folder}\n"
        "auth_type = any\n"
        f"pool_mode = {mode}\n"
        f"default_pool_size = {pool_size}\n"
        "min_pool_size = 0\n"
        "reserve_pool_size = 0\n"
        "max_client_conn = 100\n"
        "server_reset_query = DISCARD ALL\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        f"pidfile = {folder / 'pgbouncer.pid'}\n"
    )
    command = [binary, str(folder / "pgbouncer.ini")]
    if user is not None:
        uid = pwd.getpwnam(user).pw_uid
        os.chown(folder, uid, -1)
        command[1:1] = ["-u", user]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    bouncer = Bouncer(folder=folder, mode=mode, port=port)
    try:
        socket = folder / f".s.PGSQL.{port}"
        deadline = time.monotonic() + 10
        while not socket.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"pgbouncer did not start: {output}\n{bouncer.log()}")
            time.sleep(0.05)
        yield bouncer
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def through(bouncer: Bouncer) -> Iterator[str]:
    """A database alias reaching the test database through `bouncer`, with the project's own
    engine (django-tenants): each thread gets its own connection, as each web worker does."""
    alias = f"bouncer_{bouncer.mode}"
    connections.settings[alias] = {
        **connection.settings_dict,
        "HOST": str(bouncer.folder),
        "PORT": str(bouncer.port),
        "NAME": "coopilote",
        "CONN_MAX_AGE": 0,
        # psycopg prepares a statement run 5 times; pgbouncer 1.18 in transaction mode
        # cannot follow prepared statements across server connections.
        "OPTIONS": {**connection.settings_dict.get("OPTIONS", {}), "prepare_threshold": None},
    }
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]  # this thread's wrapper; the threads' went with them
        del connections.settings[alias]


# --- Marker rows, committed, and removed afterwards ------------------------------------------


@pytest.fixture
def markers(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """One cohort in each of alpha's and beta's schemas, named after its CAE, committed so that
    other connections (through pgbouncer) see it; both are removed at the end."""
    with django_db_blocker.unblock():
        for schema, name in MARKERS.items():
            connection.set_schema(schema)  # type: ignore[attr-defined]
            Cohort.objects.filter(name=name).delete()
            Cohort.objects.create(
                name=name, programme="CT", starts_on="2027-01-04", ends_on="2027-05-28"
            )
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        try:
            yield
        finally:
            for schema, name in MARKERS.items():
                connection.set_schema(schema)  # type: ignore[attr-defined]
                Cohort.objects.filter(name=name).delete()
            connection.set_schema_to_public()  # type: ignore[attr-defined]
            connections.close_all()


# --- Clients ---------------------------------------------------------------------------------


def _caes() -> dict[str, Cae]:
    return {cae.schema_name: cae for cae in Cae.objects.filter(schema_name__in=[ALPHA, BETA])}


def _tenant(alias: str, cae: Cae) -> BaseDatabaseWrapper:
    """This thread's connection on `alias`, set to `cae` as a request is (set_tenant: the
    next cursor issues `SET search_path`)."""
    wrapper = connections[alias]
    wrapper.set_tenant(cae)  # type: ignore[attr-defined]
    return wrapper


def _raw(bouncer: Bouncer) -> psycopg.Connection[Any]:
    """A plain client of `bouncer`, without django-tenants."""
    return psycopg.connect(
        host=str(bouncer.folder),
        port=bouncer.port,
        dbname="coopilote",
        user=connection.get_connection_params()["user"],
        autocommit=True,
        prepare_threshold=None,
    )


def _read_marker(alias: str) -> str:
    """The marker cohort the client's unqualified query finds: its CAE's, or another's."""
    return ",".join(
        Cohort.objects.using(alias)
        .filter(name__startswith="PGBOUNCER-")
        .values_list("name", flat=True)
    )


@dataclass
class Tally:
    right: int = 0
    wrong: int = 0
    first_wrong: str = ""


def _interleave(
    alias: str, rounds: int, read: Callable[[str, str], str], clients: int = 2
) -> dict[str, Tally]:
    """`clients` threads, alternately of alpha and beta, each reading `rounds` times in step
    with the others (a barrier between rounds); each answer is checked against its CAE."""
    schemas = [ALPHA if number % 2 == 0 else BETA for number in range(clients)]
    caes = _caes()
    barrier = threading.Barrier(clients)
    tallies = {f"{schema}#{number}": Tally() for number, schema in enumerate(schemas)}
    failures: list[BaseException] = []

    def client(number: int, schema: str) -> None:
        tally = tallies[f"{schema}#{number}"]
        try:
            _tenant(alias, caes[schema])
            for _round in range(rounds):
                barrier.wait(timeout=30)
                answer = read(alias, schema)
                if answer == MARKERS[schema]:
                    tally.right += 1
                else:
                    tally.wrong += 1
                    tally.first_wrong = tally.first_wrong or answer
        except BaseException as error:
            failures.append(error)
            barrier.abort()
        finally:
            connections[alias].close()

    threads = [
        threading.Thread(target=client, args=(number, schema))
        for number, schema in enumerate(schemas)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    return tallies


def _marker_read(alias: str, _schema: str) -> str:
    return _read_marker(alias)


def _marker_read_in_transaction(alias: str, _schema: str) -> str:
    with transaction.atomic(using=alias):
        return _read_marker(alias)


def _summary(tallies: dict[str, Tally]) -> str:
    return ", ".join(
        f"{client}: {tally.right} right / {tally.wrong} wrong"
        + (f" (read {tally.first_wrong!r})" if tally.wrong else "")
        for client, tally in tallies.items()
    )


# --- Session pooling -------------------------------------------------------------------------


@pytest.mark.parametrize("limit_set_calls", [False, True])
def test_session_pooling_keeps_every_query_in_its_cae(
    markers: None, django_db_blocker: Any, limit_set_calls: bool
) -> None:
    """Two server connections, clients of alpha and beta reading in step: always their own."""
    with (
        django_db_blocker.unblock(),
        override_settings(TENANT_LIMIT_SET_CALLS=limit_set_calls),
        pgbouncer("session", pool_size=2) as bouncer,
        through(bouncer) as alias,
    ):
        tallies = _interleave(alias, rounds=100, read=_marker_read)

        # A server connection given to a new client after alpha's client left starts clean.
        with _raw(bouncer) as leaving:
            leaving.execute(f"SET search_path = {ALPHA}, public")
        with _raw(bouncer) as next_client:
            left_over = str(next_client.execute("SHOW search_path").fetchone()[0])  # type: ignore[index]

    print(f"\nsession pooling (limit_set_calls={limit_set_calls}): {_summary(tallies)}")
    assert all(tally.wrong == 0 and tally.right == 100 for tally in tallies.values()), tallies
    assert ALPHA not in left_over  # DISCARD ALL reset it; django-tenants then sets its own


# --- Transaction pooling ---------------------------------------------------------------------


def test_transaction_pooling_sends_a_query_to_another_cae_s_schema(
    markers: None, django_db_blocker: Any
) -> None:
    """One server connection: alpha's `SET search_path` and its query are two transactions;
    beta's SET lands in between, and alpha's client reads beta's cohort. Step by step first,
    then with threads."""
    caes = _caes()
    with (
        django_db_blocker.unblock(),
        override_settings(
            TENANT_LIMIT_SET_CALLS=False
        ),  # django-tenants' default: a SET per cursor
        pgbouncer("transaction", pool_size=1) as bouncer,
        through(bouncer) as alias,
    ):
        alpha_client = connections.create_connection(alias)
        beta_client = connections.create_connection(alias)
        try:
            alpha_client.set_tenant(caes[ALPHA])  # type: ignore[attr-defined]
            beta_client.set_tenant(caes[BETA])  # type: ignore[attr-defined]
            alpha_cursor = alpha_client.cursor()  # django-tenants: SET search_path = cae_alpha…
            beta_client.cursor().close()  # SET search_path = cae_beta…, on the same server
            alpha_cursor.execute(
                "SELECT current_schema(), string_agg(name, ',') FROM cohorts_cohort "
                "WHERE name LIKE 'PGBOUNCER-%%'"
            )
            step_by_step = alpha_cursor.fetchone()
            alpha_cursor.close()
        finally:
            alpha_client.close()
            beta_client.close()

        tallies = _interleave(alias, rounds=100, read=_marker_read, clients=4)

    print(f"\ntransaction pooling, step by step: alpha's client read {step_by_step}")
    print(f"transaction pooling, 4 clients on 1 server: {_summary(tallies)}")
    assert step_by_step == (BETA, MARKERS[BETA])
    assert sum(tally.wrong for tally in tallies.values()) > 0


def test_transaction_pooling_with_limited_set_calls_keeps_the_last_client_s_schema(
    markers: None, django_db_blocker: Any
) -> None:
    """With TENANT_LIMIT_SET_CALLS (one SET per connection), even queries inside a transaction
    run in whatever schema the server connection was last set to."""
    with (
        django_db_blocker.unblock(),
        override_settings(TENANT_LIMIT_SET_CALLS=True),
        pgbouncer("transaction", pool_size=1) as bouncer,
        through(bouncer) as alias,
    ):
        tallies = _interleave(alias, rounds=100, read=_marker_read_in_transaction, clients=4)

    print(f"\ntransaction pooling, limited SET calls, atomic: {_summary(tallies)}")
    assert sum(tally.wrong for tally in tallies.values()) > 0


def test_transaction_pooling_is_safe_only_when_each_transaction_sets_its_search_path(
    markers: None, django_db_blocker: Any
) -> None:
    """Every query inside `transaction.atomic` and a SET at every cursor (django-tenants'
    default, TENANT_LIMIT_SET_CALLS = False): the SET and the query share a transaction, hence
    a server connection. Also a `SET LOCAL` ends with its transaction, so nothing is left on the
    server for the next client."""
    with (
        django_db_blocker.unblock(),
        override_settings(TENANT_LIMIT_SET_CALLS=False),
        pgbouncer("transaction", pool_size=1) as bouncer,
        through(bouncer) as alias,
    ):
        tallies = _interleave(alias, rounds=100, read=_marker_read_in_transaction, clients=4)

        # A plain SET outlives its transaction: the next client of the server inherits it.
        with _raw(bouncer) as setter:
            setter.execute(f"SET search_path = {ALPHA}, public")
        with _raw(bouncer) as next_client:
            inherited = str(next_client.execute("SHOW search_path").fetchone()[0])  # type: ignore[index]
            next_client.execute("RESET search_path")
        # SET LOCAL holds for its transaction only: nothing is left for the next client.
        with _raw(bouncer) as local, local.transaction():
            local.execute(f"SET LOCAL search_path = {ALPHA}, public")
            inside = str(local.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
        with _raw(bouncer) as next_client:
            after = str(next_client.execute("SHOW search_path").fetchone()[0])  # type: ignore[index]

    print(f"\ntransaction pooling, SET inside each transaction: {_summary(tallies)}")
    assert all(tally.wrong == 0 and tally.right == 100 for tally in tallies.values()), tallies
    assert ALPHA in inherited
    assert inside == ALPHA
    assert ALPHA not in after


# --- What the safe transaction mode costs ----------------------------------------------------


def _timed(alias: str, work: Callable[[], Any], rounds: int) -> tuple[float, int]:
    """Seconds per round and statements per round of `work`, on this thread's connection."""
    with CaptureQueriesContext(connections[alias]) as captured:
        started = time.perf_counter()
        for _round in range(rounds):
            work()
        elapsed = time.perf_counter() - started
    return elapsed / rounds, len(captured) // rounds


def test_what_safe_transaction_pooling_costs(markers: None, django_db_blocker: Any) -> None:
    """The same read in session mode with one SET per connection (what we run), and in
    transaction mode with a transaction and a SET around every read (the only safe way there):
    both pgbouncers run at once and batches of 100 reads alternate, the fastest batch of each
    counts. A figure, not an assertion of speed; the statements per read are exact."""
    alpha = _caes()[ALPHA]
    with (
        django_db_blocker.unblock(),
        pgbouncer("session", pool_size=1) as session_bouncer,
        pgbouncer_on(PORT + 1, "transaction", pool_size=1) as transaction_bouncer,
        through(session_bouncer) as session_alias,
        through(transaction_bouncer) as transaction_alias,
    ):
        _tenant(session_alias, alpha)
        _tenant(transaction_alias, alpha)

        def read_in_session() -> None:
            _read_marker(session_alias)

        def read_in_transaction() -> None:
            with transaction.atomic(using=transaction_alias):
                _read_marker(transaction_alias)

        batches: dict[str, list[tuple[float, int]]] = {"session": [], "transaction": []}
        for batch in range(6):  # the first batch of each connects and is left out
            with override_settings(TENANT_LIMIT_SET_CALLS=True):
                session = _timed(session_alias, read_in_session, 100)
            with override_settings(TENANT_LIMIT_SET_CALLS=False):
                in_transactions = _timed(transaction_alias, read_in_transaction, 100)
            if batch:
                batches["session"].append(session)
                batches["transaction"].append(in_transactions)

    session_seconds, session_statements = min(batches["session"])
    transaction_seconds, transaction_statements = min(batches["transaction"])
    print(
        f"\nread through pgbouncer: session mode {session_seconds * 1000:.3f} ms, "
        f"{session_statements} statement(s); transaction mode + atomic + SET "
        f"{transaction_seconds * 1000:.3f} ms, {transaction_statements} statement(s) "
        f"(x{transaction_seconds / session_seconds:.2f})"
    )
    assert session_statements == 1  # the SELECT; the SET was issued once, when connecting
    assert transaction_statements == 4  # BEGIN, SET search_path, SELECT, COMMIT


# --- ATOMIC_REQUESTS alone does not put a request in one transaction ------------------------


@pytest.mark.django_db
def test_atomic_requests_leave_the_middleware_s_queries_outside_the_view_s_transaction(
    cae_alpha: Cae,
) -> None:
    """With ATOMIC_REQUESTS, only the view runs in a transaction: the queries made before it
    (session, account, site, second factor, audit context…) and after it run in autocommit,
    hence on any server connection in transaction pooling mode."""
    admin = account("atomic-admin@example.org")
    grant(admin, cae_alpha, Role.CAE_ADMIN)
    client = sign_in(site_client(cae_alpha), admin)
    client.get("/membres/")  # warm
    depth_outside_views = len(connection.atomic_blocks)  # the test's own transaction
    inside: list[str] = []
    outside: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not sql.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):  # the view's transaction
            in_view = len(connection.atomic_blocks) > depth_outside_views
            (inside if in_view else outside).append(sql)
        return execute(sql, params, many, context)

    connection.settings_dict["ATOMIC_REQUESTS"] = True
    try:
        with connection.execute_wrapper(record):
            response = client.get("/membres/")
    finally:
        connection.settings_dict["ATOMIC_REQUESTS"] = False

    print(
        f"\nATOMIC_REQUESTS, /membres/: {len(inside)} statements inside the view's transaction, "
        f"{len(outside)} outside: " + "; ".join(sql[:70] for sql in outside)
    )
    assert response.status_code == 200
    assert inside  # the view's own queries
    assert outside  # the middleware's, in autocommit in production
