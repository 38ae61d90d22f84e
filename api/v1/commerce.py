"""Services offered by cohorts, and the CAE's clients."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
