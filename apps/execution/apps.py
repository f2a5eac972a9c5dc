"""App config for execution."""

from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    name = "apps.execution"
    label = "execution"
    verbose_name = "Execution"
    # Packages whose modules register node types (see apps.workflows.registry).
    component_packages: tuple[str, ...] = ("apps.execution.components",)

    def ready(self) -> None:
        from apps.workflows import registry

        for package in self.component_packages:
            registry.autodiscover(package)
        from pipelit import events

        from .selectors import execution_subscribable

        events.register_channel_authorizer("execution", execution_subscribable)
        from django.db.models.signals import post_migrate

        from .services.recovery import watchdog_schedule_ensure

        post_migrate.connect(watchdog_schedule_ensure, sender=self, dispatch_uid="pipelit_watchdog_schedule")
        self._wire_schedules()

    def _wire_schedules(self) -> None:
        from celery.signals import beat_init

        from .hooks import BEFORE_EVENT, TASK, on_execution_finished
        from .services import protection, schedules, subworkflows, telegram

        on_execution_finished(protection.circuit_on_finish, stage=BEFORE_EVENT)
        on_execution_finished(schedules.schedule_execution_finished)
        on_execution_finished(subworkflows.subworkflow_child_finished)
        on_execution_finished(
            telegram.telegram_reply_on_finish, stage=TASK, applies=telegram.telegram_reply_wanted
        )
        from django.db.models.signals import post_migrate

        # Migrate (and a test database flush) creates the beat entry too, so a beat that starts on a
        # fresh database finds it in its first schedule load instead of waiting for a change.
        post_migrate.connect(_ensure_tick_entry, sender=self, dispatch_uid="pipelit-schedules-tick-migrate")
        beat_init.connect(_ensure_tick_entry, weak=False, dispatch_uid="pipelit-schedules-tick")


def _ensure_tick_entry(**_kwargs) -> None:
    """Every beat start makes sure the single `pipelit.schedules_tick` PeriodicTask exists."""
    from .services.schedules import tick_entry_ensure

    tick_entry_ensure()
