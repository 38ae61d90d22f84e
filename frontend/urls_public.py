from django.contrib.auth import views as auth_views
from django.urls import include, path

from frontend import (
    account_security,
    audit,
    committees,
    indicators,
    reports,
    showcase,
    skills,
    views,
)

app_name = "frontend"

urlpatterns = [
    path("", views.national_home, name="home"),
    path("caes/", views.cae_index, name="cae-index"),
    path("caes/nouvelle/", views.cae_new, name="cae-new"),
    path("caes/<int:cae_id>/", views.cae_detail, name="cae-detail"),
    path("competences/", skills.skill_grid, name="skill-grid"),
    path("competences/<int:skill_id>/", skills.skill_edit, name="skill-edit"),
    path(
        "partenaires/",
        committees.partner_organisation_index,
        name="partner-organisation-index",
    ),
    *indicators.urlpatterns,
    *showcase.public_urlpatterns,
    path("bilans/", include(reports.public_urlpatterns)),
    path("journal-audit/", audit.network_audit_journal, name="network-audit-journal"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    *account_security.urlpatterns,
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("activation/<str:uidb64>/<str:token>/", views.activation, name="activation"),
    path("i18n/", include("django.conf.urls.i18n")),
]
