"""Routing by host: the national site, each CAE's site, and 404 for anything else."""

import pytest
from django.test import Client

from coopilote.accounts.models import User
from network.registry.models import Cae, SiteStatus
from tests.conftest import PASSWORD, site_client


def test_national_home_lists_open_caes(db: None) -> None:
    response = site_client().get("/")

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    content = response.content.decode()
    assert "Les coopératives éphémères du réseau" in content
    assert '<a href="http://alpha.localhost/">CAE Alpha</a>' in content
    assert '<a href="http://beta.localhost/">CAE Beta</a>' in content


def test_cae_home_shows_the_cae(cae_alpha: Cae) -> None:
    response = site_client(cae_alpha).get("/")

    assert response.status_code == 200
    assert "<h1>CAE Alpha</h1>" in response.content.decode()


@pytest.mark.parametrize("host", ["inconnue.localhost", "modele.localhost", "evil.example.com"])
def test_unknown_or_foreign_hosts_get_404_not_500(db: None, host: str) -> None:
    for path in ("/", "/api/v1/", "/api/docs/", "/connexion/"):
        response = Client(HTTP_HOST=host).get(path)
        assert response.status_code == 404, (host, path)


def test_a_cae_not_yet_provisioned_is_not_served(cae_alpha: Cae) -> None:
    Cae.objects.filter(pk=cae_alpha.pk).update(status=SiteStatus.PROVISIONING)

    response = site_client(cae_alpha).get("/")

    assert response.status_code == 404
    assert "Site inconnu" in response.content.decode()


def test_one_account_signs_in_on_every_site(cae_alpha: Cae, cae_beta: Cae, person: User) -> None:
    for cae in (None, cae_alpha, cae_beta):
        client = site_client(cae)
        response = client.post("/connexion/", {"username": person.email, "password": PASSWORD})
        assert response.status_code == 302, cae
        assert person.email in client.get("/").content.decode()


def test_wrong_password_shows_a_french_message(cae_alpha: Cae, person: User) -> None:
    response = site_client(cae_alpha).post(
        "/connexion/", {"username": person.email, "password": "faux"}
    )

    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.content.decode()


def test_english_is_available(cae_alpha: Cae) -> None:
    client = site_client(cae_alpha)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get("/connexion/")

    assert response["Content-Language"] == "en"
    assert "Sign in" in response.content.decode()


def test_static_assets_and_api_docs_are_served_without_a_cdn(cae_alpha: Cae) -> None:
    client = site_client(cae_alpha)
    home = client.get("/").content.decode()
    docs = client.get("/api/docs/")

    assert "/static/frontend/vendor/htmx-2.0.11.min.js" in home
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()
    assert client.get("/static/frontend/vendor/htmx-2.0.11.min.js").status_code == 200


def test_openapi_schema_lists_the_sites_endpoints(cae_alpha: Cae) -> None:
    tenant_schema = site_client(cae_alpha).get("/api/schema/?format=json").json()
    national_schema = site_client().get("/api/schema/?format=json").json()

    assert "/api/v1/cohorts/" in tenant_schema["paths"]
    assert "/api/v1/caes/" in national_schema["paths"]
    assert "/api/v1/cohorts/" not in national_schema["paths"]
