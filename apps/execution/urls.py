"""Page routes of this app: executions list and detail, schedules."""

from django.urls import path

from . import views

urlpatterns = [
    path("executions/", views.executions_page, name="executions"),
    path("executions/delete/", views.executions_delete, name="executions-delete"),
    path("executions/<uuid:execution_id>/", views.execution_detail, name="execution-page"),
    path("executions/<uuid:execution_id>/cancel/", views.execution_cancel, name="execution-page-cancel"),
    path("executions/<uuid:execution_id>/resume/", views.execution_resume, name="execution-page-resume"),
    path("schedules/", views.schedules_page, name="schedules"),
    path("schedules/<uuid:job_id>/pause/", views.schedule_action, {"action": "pause"}, name="schedule-pause"),
    path(
        "schedules/<uuid:job_id>/resume/", views.schedule_action, {"action": "resume"}, name="schedule-resume"
    ),
]
