"""Coopilote's kernel: settings, routing, Celery app and cross-cutting apps."""

from coopilote.celery import app as celery_app

__all__ = ["celery_app"]
