"""Sign-in pages through Django's test client: first-run redirect, login with and without MFA, logout."""

from datetime import timedelta

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from apps.agents import services
from apps.agents.middleware import reset_setup_cache
from apps.agents.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_setup_cache():
    reset_setup_cache()
    yield
    reset_setup_cache()


@pytest.fixture
def browser_client():
    return Client(enforce_csrf_checks=True)


def _csrf(client, url) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


def test_every_page_redirects_to_setup_while_no_user_exists(browser_client):
    for path in ("/", "/login/", "/admin/", "/executions/"):
        response = browser_client.get(path)
        assert response.status_code == 302 and response["Location"] == "/setup/", path
    assert browser_client.get("/health").status_code == 200
    assert browser_client.get("/api/v1/auth/setup-status/").status_code == 200


def test_once_a_user_exists_the_setup_check_costs_no_query(browser_client, user, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert browser_client.get("/login/").status_code == 200
    with django_assert_num_queries(0):
        assert browser_client.get("/login/").status_code == 200


def test_setup_page_creates_the_first_admin_and_signs_in(browser_client):
    token = _csrf(browser_client, "/setup/")
    response = browser_client.post(
        "/setup/",
        {
            "username": "root",
            "password": "long-enough-1",
            "password_confirm": "long-enough-1",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert User.objects.get(username="root").role == Role.ADMIN
    home = browser_client.get("/")
    assert home.status_code == 200 and b"Welcome, root" in home.content


def test_setup_page_shows_errors_for_mismatched_passwords(browser_client):
    token = _csrf(browser_client, "/setup/")
    response = browser_client.post(
        "/setup/",
        {
            "username": "root",
            "password": "long-enough-1",
            "password_confirm": "other-pass-1",
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 200 and b"The two passwords differ." in response.content
    assert not User.objects.exists()


def test_setup_page_sends_to_login_once_a_user_exists(browser_client, user):
    assert browser_client.get("/setup/")["Location"] == "/login/"


def test_login_without_csrf_token_is_refused(browser_client, user):
    response = browser_client.post("/login/", {"username": user.username, "password": "password123"})
    assert response.status_code == 403


def test_login_lands_on_home_showing_the_username(browser_client, user):
    token = _csrf(browser_client, "/login/")
    response = browser_client.post(
        "/login/", {"username": user.username, "password": "password123", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert user.username.encode() in browser_client.get("/").content


def test_wrong_password_stays_on_login_with_an_error(browser_client, user):
    token = _csrf(browser_client, "/login/")
    response = browser_client.post(
        "/login/", {"username": user.username, "password": "nope-nope", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200 and b"form-error" in response.content
    assert browser_client.get("/").status_code == 302


def test_mfa_user_needs_the_code_after_the_password(browser_client, user):
    secret, _ = services.mfa_setup(user=user)
    totp = pyotp.TOTP(secret)
    services.mfa_enable(user=user, code=totp.now())
    token = _csrf(browser_client, "/login/")
    response = browser_client.post(
        "/login/", {"username": user.username, "password": "password123", "csrfmiddlewaretoken": token}
    )
    assert response["Location"].startswith("/login/mfa/")
    assert browser_client.get("/")["Location"].startswith("/login/")  # not signed in yet
    bad = browser_client.post(response["Location"], {"code": "000000", "csrfmiddlewaretoken": token})
    assert bad.status_code == 200 and b"Invalid code." in bad.content
    good = browser_client.post(
        response["Location"],
        {"code": totp.at(timezone.now() + timedelta(seconds=30)), "csrfmiddlewaretoken": token},
    )
    assert good.status_code == 302 and good["Location"] == "/"
    assert browser_client.get("/").status_code == 200


def test_mfa_step_without_a_password_step_goes_back_to_login(browser_client, user):
    assert browser_client.get("/login/mfa/")["Location"] == "/login/"


def test_logout_is_post_only(browser_client, user):
    browser_client.force_login(user)
    assert browser_client.get("/logout/").status_code == 405
    token = browser_client.cookies.get("csrftoken") and browser_client.cookies["csrftoken"].value
    token = token or _csrf(browser_client, "/")
    response = browser_client.post("/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert browser_client.get("/").status_code == 302


def test_home_page_links_to_api_docs_and_admin_for_admins(admin_user):
    client = Client()
    client.force_login(admin_user)
    body = client.get("/").content.decode()
    assert 'href="/api/docs/"' in body and 'href="/admin/"' in body
    for link in ('href="/executions/"', 'href="/credentials/"', 'href="/schedules/"'):
        assert link in body
