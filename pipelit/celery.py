"""The Celery application shared by workers, beat and the web process (to enqueue)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipelit.settings")

app = Celery("pipelit")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
