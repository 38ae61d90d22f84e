"""URLs of the national site (public schema, base host)."""

from django.urls import include, path

urlpatterns = [
    path("paiements/", include("api.urls_webhooks")),
    path("api/", include("api.urls_public")),
    path("", include("frontend.urls_public")),
]
