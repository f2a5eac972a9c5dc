"""Sign-in pages in Chromium against the live daphne server."""

from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.agents import services
from tests.factories import UserFactory
from tests.support.live import start_asgi_server


def test_login_form_lands_on_home_showing_the_username(page, asgi_server, transactional_db):
    UserFactory(username="dana")
    page.goto(f"{asgi_server.url}/")
    expect(page).to_have_url(f"{asgi_server.url}/login/?next=/")
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{asgi_server.url}/")
    expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()
    expect(page.get_by_text("Welcome, dana.")).to_be_visible()
    expect(page.get_by_test_id("current-username")).to_have_text("dana")


def test_wrong_password_shows_an_error(page, asgi_server, transactional_db):
    UserFactory(username="erin")
    page.goto(f"{asgi_server.url}/login/")
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")


def test_theme_toggle_switches_and_is_remembered(page, asgi_server, transactional_db):
    UserFactory(username="fay")
    page.goto(f"{asgi_server.url}/login/")
    html = page.locator("html")
    before = html.get_attribute("data-theme")
    page.get_by_role("button", name="Dark theme").click()
    after = html.get_attribute("data-theme")
    assert {before, after} == {"light", "dark"}
    page.reload()
    expect(html).to_have_attribute("data-theme", after)


def test_mfa_user_enters_the_totp_code_after_the_password(page, asgi_server, transactional_db):
    user = UserFactory(username="gil")
    secret, _ = services.mfa_setup(user=user)
    services.mfa_enable(user=user, code=pyotp.TOTP(secret).now())
    page.goto(f"{asgi_server.url}/login/")
    page.get_by_label("Username").fill("gil")
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    next_step = pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30))
    page.get_by_label("Authentication code").fill(next_step)
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{asgi_server.url}/")
    expect(page.get_by_test_id("current-username")).to_have_text("gil")


@pytest.fixture
def fresh_server(transactional_db):
    """Its own daphne: the session server may already have cached that a user exists."""
    server = start_asgi_server(name="daphne-setup")
    yield server
    server.process.stop()


def test_first_visit_without_users_goes_to_setup_and_creates_the_admin(page, fresh_server):
    page.goto(f"{fresh_server.url}/")
    expect(page).to_have_url(f"{fresh_server.url}/setup/")
    page.get_by_label("Admin username").fill("founder")
    page.get_by_label("Password", exact=True).fill("first-admin-pass")
    page.get_by_label("Confirm password").fill("first-admin-pass")
    page.get_by_role("button", name="Create admin account").click()
    expect(page).to_have_url(f"{fresh_server.url}/")
    expect(page.get_by_text("Welcome, founder.")).to_be_visible()
    # Sign out through the user menu (a POST form).
    page.get_by_label("User menu for founder").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{fresh_server.url}/login/")
