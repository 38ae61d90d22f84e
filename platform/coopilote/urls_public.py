"""URLs of the national site (public schema, base host)."""

from django.urls import include, path

urlpatterns = [
    path("api/", include("api.urls_public")),
    path("", include("frontend.urls_public")),
]
