"""Celery tasks: thin adapters that take ids and call a service."""

from celery import shared_task

from .services import executions, recovery


@shared_task(
    bind=True, name="pipelit.execute_workflow", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def execute_workflow(self, execution_id: str) -> None:
    executions.execution_run(execution_id=execution_id, worker=self.request.hostname)


@shared_task(
    bind=True, name="pipelit.resume_execution", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def resume_execution(self, execution_id: str, node_id: str | None = None, resume_input=None) -> None:
    executions.execution_resume_run(
        execution_id=execution_id, worker=self.request.hostname, node_id=node_id, resume_input=resume_input
    )


@shared_task(
    name="pipelit.execution_after_finish", acks_late=True, reject_on_worker_lost=True, ignore_result=True
)
def execution_after_finish_task(execution_id: str) -> None:
    """A run reached its final status: its finish hooks and error handler, off the run's own path."""
    executions.execution_after_finish(execution_id=execution_id)


@shared_task(bind=True, name="pipelit.subworkflow_notify_parent", ignore_result=True, max_retries=300)
def subworkflow_notify_parent(self, child_execution_id: str) -> None:
    """A child execution finished: resume its parent. While the parent is still on its way into the
    pause (e.g. a parallel branch is finishing), retry: 0.25 s, growing to every 30 s (~2.5 h in all)."""
    from .services import subworkflows

    if subworkflows.subworkflow_notify_parent(child_execution_id=child_execution_id) == subworkflows.RETRY:
        raise self.retry(countdown=min(0.25 * 1.5**self.request.retries, 30.0))


@shared_task(name=recovery.WATCHDOG_TASK_NAME, ignore_result=True)
def execution_watchdog() -> None:
    recovery.execution_watchdog()


@shared_task(name="pipelit.schedules_tick", ignore_result=True)
def schedules_tick() -> None:
    """Sent by beat every PIPELIT_SCHEDULE_TICK_SECONDS; fires due scheduled jobs (see services.schedules)."""
    from .services import schedules

    schedules.schedules_tick()
