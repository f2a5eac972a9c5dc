"""Page routes of this app: the dashboard and its workflow actions (the canvas editor lives at workflows/<slug>/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("workflows/", views.workflow_create, name="workflow-create"),
    path("workflows/import/", views.workflow_import, name="workflow-import"),
    path("workflows/<slug:slug>/duplicate/", views.workflow_duplicate, name="workflow-duplicate"),
    path("workflows/<slug:slug>/delete/", views.workflow_delete, name="workflow-delete"),
]
