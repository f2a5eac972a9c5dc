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
