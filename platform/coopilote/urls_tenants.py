"""URLs of a CAE's site (its schema, `<slug>.<base host>`)."""

from django.urls import include, path

urlpatterns = [
    path("api/", include("api.urls_tenants")),
    path("", include("frontend.urls_tenants")),
]
