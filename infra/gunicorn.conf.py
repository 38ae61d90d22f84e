"""gunicorn settings for Coopilote's web processes (`gunicorn --config infra/gunicorn.conf.py`).

Sized by the environment: WEB_CONCURRENCY workers (default: 2 per core + 1) of GUNICORN_THREADS
threads. Requests are short (PDFs are rendered by Celery workers), so the timeout stays low.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then: bounded memory, and connections per schema do not pile up.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# One JSON object per request, like the application's own log lines (LOG_FORMAT=json).
access_log_format = (
    '{"time": "%(t)s", "level": "INFO", "logger": "gunicorn.access", "host": "%({host}i)s", '
    '"method": "%(m)s", "path": "%(U)s", "status": %(s)s, "duration_ms": %(M)s}'
)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
