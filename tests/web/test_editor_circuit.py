"""The circuit-breaker banner in Chromium: it appears live when the circuit opens, Reset clears it."""

from datetime import UTC, datetime

from playwright.sync_api import expect

from apps.execution.services.protection import circuit_on_finish
from apps.workflows.models import Workflow
from tests.factories import WorkflowExecutionFactory
from tests.support.worker import wait_until


def test_open_circuit_banner_appears_live_and_reset_clears_it(editor):
    page = editor
    banner = page.locator("#circuit-banner")
    expect(banner).to_be_hidden()

    # A failed run reaches the threshold: the finish hook opens the circuit and broadcasts the workflow.
    Workflow.objects.filter(pk=page.workflow.pk).update(circuit_failure_threshold=1)
    circuit_on_finish(WorkflowExecutionFactory(workflow=page.workflow, status="failed"))
    expect(banner).to_be_visible(timeout=15_000)
    expect(banner).to_contain_text("Circuit open")
    expect(banner).to_contain_text("1 consecutive failed run")

    # Opened fresh, the page shows the same banner from the server, with when it opened.
    Workflow.objects.filter(pk=page.workflow.pk).update(
        circuit_opened_at=datetime(2026, 11, 26, 3, 15, tzinfo=UTC), consecutive_failures=5
    )
    page.reload()
    expect(page.locator("#socket-state")).to_have_text("live")
    expect(banner).to_contain_text("5 consecutive failed runs")
    expect(banner.locator("time")).to_have_attribute("datetime", "2026-11-26T03:15:00+00:00")

    page.get_by_role("button", name="Reset the circuit breaker").click()
    expect(banner).to_be_hidden()
    wait_until(lambda: Workflow.objects.get(pk=page.workflow.pk).circuit_opened_at is None)
    assert Workflow.objects.get(pk=page.workflow.pk).consecutive_failures == 0
    page.reload()
    expect(page.locator("#socket-state")).to_have_text("live")
    expect(banner).to_be_hidden()
