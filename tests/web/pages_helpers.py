"""Helpers of the page tests: sign in through the real login form."""

from playwright.sync_api import expect


def sign_in(page, base_url: str, username: str, password: str = "password123") -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/")
