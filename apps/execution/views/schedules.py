"""`/schedules/`: every schedule of the user's workflows with its counters, next run, pause and resume."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from .. import selectors
from ..scheduling import ScheduleTransitionError
from ..services import schedules as services

ACTIONS = {"pause": services.schedule_pause, "resume": services.schedule_resume}


@login_required
@require_GET
def schedules_page(request):
    return render(request, "execution/schedules.html", {"jobs": selectors.schedule_list(user=request.user)})


@login_required
@require_POST
def schedule_action(request, job_id, action: str):
    job = selectors.schedule_get_for_user(user=request.user, job_id=job_id)
    try:
        ACTIONS[action](job=job)
    except ScheduleTransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Schedule '{job.name}' {'paused' if action == 'pause' else 'resumed'}.")
    return redirect("schedules")
