"""A session belongs to the site it was signed in on: its cookie copied to another CAE's host (or
to the national site) signs nobody in there, for pages and API alike, and the session keeps
working on its own site."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from coopilote.accounts.middleware import SESSION_HOST_KEY
from coopilote.accounts.models import Role, User
from coopilote.tenancy import site_host
from network.registry.models import Cae
from tests.conftest import PASSWORD, account, grant, sign_in, site_client


def _with_cookie_of(client: Client, host: str) -> Client:
    """A client on `host` presenting the session cookie of `client` (copied by hand)."""
    thief = Client(HTTP_HOST=host)
    thief.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return thief


def _staff_of_both(cae_alpha: Cae, cae_beta: Cae) -> User:
    """Staff of alpha and of beta: signed in, either site would open to them."""
    user = account("deux-sites@example.org")
    grant(user, cae_alpha, Role.CAE_STAFF)
    grant(user, cae_beta, Role.CAE_STAFF)
    return user


def test_the_sign_in_binds_the_session_to_its_host(cae_alpha: Cae) -> None:
    user = account("membre@example.org")
    client = site_client(cae_alpha)

    response = client.post("/connexion/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session[SESSION_HOST_KEY] == site_host("alpha")


def test_a_cookie_copied_to_another_cae_opens_neither_its_pages_nor_its_api(
    cae_alpha: Cae, cae_beta: Cae
) -> None:
    user = _staff_of_both(cae_alpha, cae_beta)
    owner = sign_in(site_client(cae_alpha), user)
    assert owner.get("/membres/").status_code == 200  # the first use binds it to alpha
    assert owner.session[SESSION_HOST_KEY] == site_host("alpha")
    on_beta = _with_cookie_of(owner, site_host("beta"))

    page = on_beta.get("/membres/")
    api = on_beta.get("/api/v1/cohorts/")

    assert page.status_code == 302
    assert page["Location"].startswith("/connexion/")
    assert not page.wsgi_request.user.is_authenticated
    assert api.status_code == 403
    assert not api.wsgi_request.user.is_authenticated
    # The same person signed in on beta itself is let in: the refusal is the host check's.
    assert sign_in(site_client(cae_beta), user).get("/membres/").status_code == 200
    # The session still serves its own site, untouched by the attempt.
    assert owner.get("/membres/").status_code == 200
    assert owner.get("/api/v1/cohorts/").status_code == 200


def test_a_cae_session_does_not_sign_in_on_the_national_site_nor_the_reverse(
    cae_alpha: Cae,
) -> None:
    coordinator = account("coordination@example.org", is_coordinator=True)
    national = sign_in(site_client(None), coordinator)
    assert national.get("/caes/").status_code == 200
    cae_staff = account("equipe@example.org")
    grant(cae_staff, cae_alpha, Role.CAE_STAFF)
    on_alpha = sign_in(site_client(cae_alpha), cae_staff)
    assert on_alpha.get("/membres/").status_code == 200

    national_on_alpha = _with_cookie_of(national, site_host("alpha")).get("/api/v1/cohorts/")
    alpha_on_national = _with_cookie_of(on_alpha, settings.BASE_HOST).get("/caes/")

    assert national_on_alpha.status_code == 403
    assert not national_on_alpha.wsgi_request.user.is_authenticated
    assert alpha_on_national.status_code == 302
    assert not alpha_on_national.wsgi_request.user.is_authenticated


def test_a_sign_in_on_the_other_host_starts_its_own_session(cae_alpha: Cae, cae_beta: Cae) -> None:
    user = _staff_of_both(cae_alpha, cae_beta)
    owner = sign_in(site_client(cae_alpha), user)
    owner.get("/membres/")
    alpha_key = owner.cookies[settings.SESSION_COOKIE_NAME].value
    on_beta = _with_cookie_of(owner, site_host("beta"))

    on_beta.post("/connexion/", {"username": user.email, "password": PASSWORD})

    beta_key = on_beta.cookies[settings.SESSION_COOKIE_NAME].value
    assert beta_key != alpha_key
    assert on_beta.session[SESSION_HOST_KEY] == site_host("beta")
    assert owner.session[SESSION_HOST_KEY] == site_host("alpha")
