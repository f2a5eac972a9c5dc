"""App config for agents."""

from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "apps.agents"
    label = "agents"
    verbose_name = "Agents"
    # Packages whose modules register node types (see apps.workflows.registry).
    component_packages: tuple[str, ...] = ("apps.agents.components",)

    def ready(self) -> None:
        from apps.workflows import registry

        from . import schema  # noqa: F401 - registers the OpenAPI security scheme

        for package in self.component_packages:
            registry.autodiscover(package)
        from pipelit import events

        from .selectors.epics import epic_subscribable

        events.register_channel_authorizer("epic", epic_subscribable)

        from apps.execution.hooks import on_execution_finished

        from .services.execution_hooks import charge_linked_tasks, forget_agent_loops, log_episode

        on_execution_finished(log_episode)
        on_execution_finished(charge_linked_tasks)
        on_execution_finished(forget_agent_loops)

        from django.db.models.signals import post_save

        from apps.workflows.models import Workflow

        from .workspaces import remove_on_delete

        post_save.connect(remove_on_delete, sender=Workflow, dispatch_uid="agents.workspace_remove")
