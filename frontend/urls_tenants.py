from django.contrib.auth import views as auth_views
from django.urls import include, path

from frontend import views

app_name = "frontend"

urlpatterns = [
    path("", views.cae_home, name="home"),
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
]
