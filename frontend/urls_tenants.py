from django.contrib.auth import views as auth_views
from django.urls import include, path

from frontend import members, team, views

app_name = "frontend"

urlpatterns = [
    path("", views.cae_home, name="home"),
    path("cooperatives/nouvelle/", views.cohort_new, name="cohort-new"),
    path("cooperatives/<int:cohort_id>/", views.cohort_detail, name="cohort-detail"),
    path(
        "cooperatives/<int:cohort_id>/animateurs/",
        views.cohort_animateur_add,
        name="cohort-animateur-add",
    ),
    path(
        "cooperatives/<int:cohort_id>/comites/",
        views.cohort_committees,
        name="cohort-committees",
    ),
    path("equipe/", team.team, name="team"),
    path("membres/", members.member_index, name="member-index"),
    path("membres/nouveau/", members.member_new, name="member-new"),
    path("membres/<int:member_id>/", members.member_detail, name="member-detail"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("activation/<str:uidb64>/<str:token>/", views.activation, name="activation"),
    path("i18n/", include("django.conf.urls.i18n")),
]
