from django.urls import include, path

from api.urls_docs import docs_patterns
from api.v1 import audit, committees, indicators, reports, skills
from api.v1.caes import CaeDetailApi, CaeListApi
from api.v1.root import root_view

app_name = "api"

v1 = [
    path("", root_view("cae-list").as_view(), name="root"),
    path("caes/", CaeListApi.as_view(), name="cae-list"),
    path("caes/<int:cae_id>/", CaeDetailApi.as_view(), name="cae-detail"),
    *skills.public_urlpatterns,
    *committees.public_urlpatterns,
    *indicators.urlpatterns,
    *reports.public_urlpatterns,
    *audit.public_urlpatterns,
]

urlpatterns = [
    path("v1/", include((v1, "v1"))),
    *docs_patterns("coopilote.urls_public"),
]
