"""OpenAPI schema and its interactive docs (Swagger UI and Redoc from the sidecar, no CDN)."""

from __future__ import annotations

from django.urls import URLPattern, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView


def docs_patterns(urlconf: str) -> list[URLPattern]:
    return [
        path("schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="schema"),
        path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
        path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    ]
