"""The national directory of published cohort pages (public schema).

Each CAE's side sends a row when one of its cohorts' pages is published, edited or hidden; the
national site reads only these rows, never a CAE's schema.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from network.registry.models import Cae


class PublishedCohortQuerySet(models.QuerySet["PublishedCohort"]):
    def filtered(self, *, programme: str = "", town: str = "") -> PublishedCohortQuerySet:
        rows = self
        if programme:
            rows = rows.filter(programme=programme)
        if town:
            rows = rows.filter(town__iexact=town.strip())
        return rows


class PublishedCohort(models.Model):
    cae = models.ForeignKey(Cae, on_delete=models.CASCADE, related_name="+")
    cohort_id = models.PositiveBigIntegerField()
    slug = models.SlugField(max_length=60)
    name = models.CharField(_("nom"), max_length=200)
    headline = models.CharField(_("accroche"), max_length=160, blank=True)
    programme = models.CharField(_("programme"), max_length=3)
    town = models.CharField(_("commune"), max_length=100, blank=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    url = models.URLField(_("adresse"), max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedCohortQuerySet.as_manager()

    class Meta:
        verbose_name = _("coopérative publiée")
        verbose_name_plural = _("coopératives publiées")
        ordering = ["town", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cae", "cohort_id"], name="showcase_directory_one_row_per_cohort"
            )
        ]

    def __str__(self) -> str:
        return self.name
