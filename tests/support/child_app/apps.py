"""Keep subprocesses in step with a test database that is flushed between tests.

A transactional test's flush deletes and re-creates the content types under new ids; a daphne or
worker process that cached the old ids (django-polymorphic writes them into every config row) would
then fail with a foreign-key error. Children clear that cache before each request and each task.
"""

from django.apps import AppConfig


def _clear_content_type_cache(**_kwargs) -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


class ChildAppConfig(AppConfig):
    name = "tests.support.child_app"
    label = "pipelit_test_child"

    def ready(self) -> None:
        from celery.signals import task_prerun
        from django.core.signals import request_started

        request_started.connect(_clear_content_type_cache, dispatch_uid="pipelit-test-ct-request")
        task_prerun.connect(_clear_content_type_cache, dispatch_uid="pipelit-test-ct-task", weak=False)
        register_test_loop_type()


def register_test_loop_type() -> None:
    """A throw-away `loops` type for the editor's browser tests, so they do not depend on a real loop
    node type being installed (the editor draws loop handles from the flag, never from a type name)."""
    from apps.workflows import registry

    if registry.is_registered("test_loop"):
        return
    registry.register(
        registry.NodeTypeSpec(
            component_type="test_loop",
            display_name="Test Loop",
            category=registry.Category.LOGIC,
            inputs=(registry.Port("items", registry.DataType.ARRAY),),
            outputs=(registry.Port("results", registry.DataType.ARRAY),),
            loops=True,
            executable=False,
        )
    )
