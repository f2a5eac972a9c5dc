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
