"""Browser fixtures: Debian's Chromium driven by sync Playwright, one browser per session."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory, WorkflowFactory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/web/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(SCREENSHOT_DIR / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def editor(page, asgi_server, transactional_db):
    """Signed in as the owner of an empty workflow, with its editor open and live."""
    user = UserFactory(username="casey")
    workflow = WorkflowFactory(owner=user, slug="canvas-flow", name="Canvas flow")
    # A freshly started daphne can take a while to answer its first request on a busy machine.
    page.goto(f"{asgi_server.url}/login/?next=/workflows/canvas-flow/", timeout=60_000)
    page.get_by_label("Username").fill("casey")
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{asgi_server.url}/workflows/canvas-flow/")
    expect(page.locator("body")).to_have_attribute("data-canvas-ready", "true")
    expect(page.locator("#socket-state")).to_have_text("live")
    page.workflow = workflow
    page.user = user
    return page
