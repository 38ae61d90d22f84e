"""OpenAPI schema and its interactive docs (Swagger UI from the sidecar package, no CDN)."""

from __future__ import annotations

from django.conf import settings
from django.urls import URLPattern, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

# Swagger UI's script comes from a URL of ours (the "split" view), but its React components set
# inline styles: the docs page alone allows them.
DOCS_CSP: dict[str, list[str]] = {
    **settings.SECURE_CSP,
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
}


def docs_patterns(urlconf: str) -> list[URLPattern]:
    return [
        path("schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="schema"),
        path(
            "docs/",
            csp_override(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
            name="docs",
        ),
    ]
