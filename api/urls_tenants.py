from django.urls import include, path

from api.urls_docs import docs_patterns
from api.v1 import (
    audit,
    billing,
    commerce,
    committees,
    governance,
    indicators,
    jobs,
    ledger,
    pay,
    people,
    purchases,
    quotes,
    reports,
    skills,
    trainings,
)
from api.v1.cohorts import (
    CohortAnimateursApi,
    CohortDetailApi,
    CohortListApi,
    CohortTransitionApi,
)
from api.v1.root import root_view
from api.v1.team import TeamApi

app_name = "api"

v1 = [
    path("", root_view("cohort-list", "member-list", "team").as_view(), name="root"),
    path("cohorts/", CohortListApi.as_view(), name="cohort-list"),
    path("cohorts/<int:cohort_id>/", CohortDetailApi.as_view(), name="cohort-detail"),
    path(
        "cohorts/<int:cohort_id>/transitions/",
        CohortTransitionApi.as_view(),
        name="cohort-transitions",
    ),
    path(
        "cohorts/<int:cohort_id>/animateurs/",
        CohortAnimateursApi.as_view(),
        name="cohort-animateurs",
    ),
    *people.urlpatterns,
    *commerce.urlpatterns,
    *quotes.urlpatterns,
    *jobs.urlpatterns,
    *billing.urlpatterns,
    *ledger.urlpatterns,
    *pay.urlpatterns,
    *governance.urlpatterns,
    *trainings.urlpatterns,
    *purchases.urlpatterns,
    *skills.urlpatterns,
    *committees.urlpatterns,
    *indicators.urlpatterns,
    *reports.urlpatterns,
    *audit.urlpatterns,
    path("team/", TeamApi.as_view(), name="team"),
]

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    *docs_patterns("coopilote.urls_tenants"),
]
