"""Shared set-up of the public page tests."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from frontend.showcase_forms import started_token
from tenants.cohorts.models import Cohort
from tenants.showcase.models import PublicPage
from tenants.showcase.services import page_save, page_set_published

SLUG = "belle-coop"


def published_page(cohort: Cohort, *, slug: str = SLUG, published: bool = True) -> PublicPage:
    page = page_save(
        cohort=cohort,
        by=None,
        slug=slug,
        headline="Jardins, vitres et petits travaux",
        description="Douze jeunes de Vannes qui travaillent pour leur quartier.",
        area_served="Vannes et Séné",
    )
    if published:
        page = page_set_published(page=page, by=None, published=True)
    return page


def request_data(**changes: Any) -> dict[str, Any]:
    """A genuine visitor's request, filled in 10 seconds."""
    data = {
        "kind": "individual",
        "name": "Jeanne Voisine",
        "email": "jeanne.voisine@example.org",
        "phone": "06 11 22 33 44",
        "siret": "",
        "need": "Tondre la pelouse et tailler la haie du jardin.",
        "wished_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(),
        "address": "4 rue des Lilas",
        "postcode": "56000",
        "city": "Vannes",
        "site_web": "",
        "started": started_token(10),
    }
    data.update(changes)
    return data
