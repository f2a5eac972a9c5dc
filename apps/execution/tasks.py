"""Celery tasks: thin adapters that take ids and call a service."""

from celery import shared_task

from .services import executions


@shared_task(name="pipelit.execute_workflow", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_workflow(execution_id: str) -> None:
    executions.execution_run(execution_id=execution_id)


@shared_task(name="pipelit.schedules_tick", ignore_result=True)
def schedules_tick() -> None:
    """Sent by beat every PIPELIT_SCHEDULE_TICK_SECONDS; fires due scheduled jobs (see services.schedules)."""
    from .services import schedules

    schedules.schedules_tick()
