"""REST routes of the audit log, mounted under /api/v1/. Read-only: there is no write route."""

from django.urls import path

from . import api

urlpatterns = [path("audit/", api.AuditListView.as_view(), name="audit-list")]
