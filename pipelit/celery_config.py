"""Celery's configuration: the Django settings, read once into a dict when Celery first needs them."""

from django.conf import settings

SETTINGS = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
