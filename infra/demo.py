"""`make demo`: prepare the embedded database and the demo network, then run web, worker and
beat in the foreground. Ctrl-C stops all of it (the embedded PostgreSQL too); running it again
reuses the data under .data/."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ENVIRONMENT = {**os.environ, "PYTHONUNBUFFERED": "1"}
ENVIRONMENT.setdefault("DJANGO_SETTINGS_MODULE", "coopilote.settings.local")
PORT = int(ENVIRONMENT.get("COOPILOTE_DEMO_PORT", "8000"))
ENVIRONMENT.setdefault("COOPILOTE_SITE_PORT", str(PORT))
BASE_HOST = ENVIRONMENT.get("COOPILOTE_BASE_HOST", "localhost")
DATA_DIR = Path(ENVIRONMENT.get("COOPILOTE_DATA_DIR", ROOT / ".data"))


def wait_for_web(web: subprocess.Popen[bytes], seconds: float = 60) -> bool:
    """Wait until the web server answers its liveness probe (or has died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and web.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def main() -> int:
    started = time.monotonic()
    subprocess.run([PYTHON, "manage.py", "demo_setup"], cwd=ROOT, env=ENVIRONMENT, check=True)
    commands = {
        "web": f"gunicorn coopilote.wsgi --bind 127.0.0.1:{PORT} --workers 2 "
        "--access-logfile - --graceful-timeout 5",
        "worker": "celery -A coopilote worker --concurrency 2 --loglevel INFO -n demo@%h",
        # In-memory schedule: the periodic tasks are declared in settings, nothing to persist
        # (a shelve file left half-written by an interrupted beat broke the next start).
        "beat": "celery -A coopilote beat --loglevel INFO --scheduler celery.beat:Scheduler",
    }
    processes = {
        name: subprocess.Popen([PYTHON, "-m", *command.split()], cwd=ROOT, env=ENVIRONMENT)
        for name, command in commands.items()
    }
    stopping = False
    exit_code = 0

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    if not wait_for_web(processes["web"]):
        stopping, exit_code = True, 1
    print(
        f"\nCoopilote tourne (prêt en {time.monotonic() - started:.1f} s) :\n"
        f"  site national      http://{BASE_HOST}:{PORT}/\n"
        f"  CAE Sitelle        http://sitelle.{BASE_HOST}:{PORT}/\n"
        f"  CAE de Lorient     http://lorient.{BASE_HOST}:{PORT}/\n"
        f"  API (docs)         http://sitelle.{BASE_HOST}:{PORT}/api/docs/\n"
        f"  e-mails envoyés    {DATA_DIR / 'mail'}/\n"
        "Ctrl-C pour tout arrêter.\n",
        flush=True,
    )
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} s'est arrêté (code {process.returncode}) : arrêt de la démo.")
                stopping, exit_code = True, 1
        time.sleep(0.5)
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    if not ENVIRONMENT.get("DATABASE_URL"):
        sys.path.insert(0, str(ROOT / "platform"))
        from coopilote.embedded import stop_postgres

        stop_postgres(DATA_DIR)
    print("Coopilote arrêté.")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
