"""The national indicators store: one row of facts per cohort of every CAE (public schema).

Fed by the CAEs' schemas through `coopilote.facts` (after each change, and by a full rebuild);
the dashboard, exports and API read only this table, with a bounded number of queries whatever
the number of CAEs. Counts and sums only: no person is stored here.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


def _count(label: Any) -> Any:
    return models.PositiveIntegerField(label, default=0)


def _amount(label: Any) -> Any:
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=0)


class CohortFact(models.Model):
    cae = models.ForeignKey(
        "registry.Cae", on_delete=models.CASCADE, related_name="cohort_facts", verbose_name=_("CAE")
    )
    cohort_id = models.PositiveBigIntegerField(_("coopérative"))
    # Copied from the CAE when stored, so that filters need no join.
    region = models.CharField(_("région"), max_length=3, blank=True)
    department = models.CharField(_("département"), max_length=3, blank=True)
    network = models.CharField(_("réseau"), max_length=10, blank=True)
    # The cohort
    name = models.CharField(_("nom"), max_length=200)
    programme = models.CharField(_("programme"), max_length=3)
    status = models.CharField(_("statut"), max_length=10)
    territory_kind = models.CharField(_("territoire"), max_length=5)
    town = models.CharField(_("commune"), max_length=100, blank=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    year = models.PositiveSmallIntegerField(_("année"), db_index=True)  # of its start
    # Recruitment and people
    people_informed = _count(_("personnes informées"))
    applicants = _count(_("candidat·es"))
    members = _count(_("coopérant·es"))
    withdrawn = _count(_("sorti·es en cours de route"))
    completed = _count(_("allé·es au bout"))
    women = _count(_("femmes"))
    men = _count(_("hommes"))
    gender_other = _count(_("autre genre ou non précisé"))
    age_under_18 = _count(_("moins de 18 ans"))
    age_18_25 = _count(_("18 à 25 ans"))
    age_over_25 = _count(_("plus de 25 ans"))
    qpv_residents = _count(_("habitant un QPV"))
    entry_school = _count(_("scolaires ou étudiant·es à l'entrée"))
    entry_jobseeker = _count(_("demandeur·ses d'emploi à l'entrée"))
    entry_employed = _count(_("en emploi à l'entrée"))
    entry_other = _count(_("autre situation à l'entrée"))
    outcome_job = _count(_("sortie vers l'emploi"))
    outcome_training = _count(_("sortie vers une formation"))
    outcome_business = _count(_("sortie vers une création d'activité"))
    outcome_other = _count(_("autre sortie"))
    # Economy
    jobs_done = _count(_("prestations réalisées"))
    clients_individual = _count(_("clients particuliers"))
    clients_company = _count(_("clients entreprises"))
    clients_association = _count(_("clients associations"))
    clients_public_body = _count(_("clients organismes publics"))
    revenue_excl_vat = _amount(_("chiffre d'affaires HT"))
    collected = _amount(_("encaissé"))
    expenses_excl_vat = _amount(_("charges"))
    pay_total = _amount(_("rémunérations versées"))
    members_paid = _count(_("coopérant·es rémunéré·es"))
    hours_worked = _amount(_("heures travaillées"))
    # Cooperative life
    training_sessions = _count(_("ateliers"))
    training_member_hours = _amount(_("heures de formation suivies"))
    meetings = _count(_("réunions"))
    # Freshness: when the CAE computed these facts (a late message never overwrites newer ones)
    computed_at = models.DateTimeField(_("calculé le"))
    stored_at = models.DateTimeField(_("enregistré le"), auto_now=True)

    class Meta:
        verbose_name = _("faits d'une coopérative")
        verbose_name_plural = _("faits des coopératives")
        constraints = [
            models.UniqueConstraint(fields=["cae", "cohort_id"], name="indicators_fact_unique")
        ]
        indexes = [models.Index(fields=["programme", "year"], name="indicators_fact_prog_year")]

    def __str__(self) -> str:
        return f"{self.cae_id}:{self.cohort_id} {self.name}"


# The facts' columns, as the CAEs' side computes them (tenants/cohorts/facts.py).
FACT_FIELDS = tuple(
    field.name
    for field in CohortFact._meta.local_fields
    if field.name
    not in {"id", "cae", "region", "department", "network", "year", "computed_at", "stored_at"}
)
