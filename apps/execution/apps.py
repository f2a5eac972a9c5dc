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
