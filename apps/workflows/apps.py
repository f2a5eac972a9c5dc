"""App config for workflows."""

from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "apps.workflows"
    label = "workflows"
    verbose_name = "Workflows"
    # Packages whose modules register node types (see apps.workflows.registry).
    component_packages: tuple[str, ...] = ()

    def ready(self) -> None:
        from apps.workflows import registry

        for package in self.component_packages:
            registry.autodiscover(package)
        from pipelit import events

        from .selectors import workflow_subscribable

        events.register_channel_authorizer("workflow", workflow_subscribable)
