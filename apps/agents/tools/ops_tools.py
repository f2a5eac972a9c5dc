"""Operations tools: system_health (check_system_health) and scheduler_tools (schedules of workflows).

Infrastructure checks (Redis, workers, queue) are platform-wide; execution and schedule checks cover
only the workflows the acting user may see (all of them for an admin).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .context import ToolContext, ToolRefused, json_tool, kit_tool

STUCK_AFTER = timedelta(minutes=15)
FAILED_WARN = 5
QUEUE_NAME = "celery"
LIST_CAP = 100


def _visible_workflows(user):
    from apps.workflows.models import Workflow
    from apps.workflows.selectors import workflow_visible_q

    workflows = Workflow.objects.all()
    return workflows if user.is_admin else workflows.filter(workflow_visible_q(user))


def _redis_check() -> dict:
    import redis as redis_lib
    from django.conf import settings

    try:
        client = redis_lib.Redis.from_url(settings.REDIS_URL, socket_timeout=1)
        info = client.info("memory") | client.info("clients")
        return {
            "status": "ok",
            "used_memory_human": info.get("used_memory_human"),
            "used_memory_peak_human": info.get("used_memory_peak_human"),
            "connected_clients": info.get("connected_clients"),
            "queue_depth": client.llen(QUEUE_NAME),
        }
    except Exception as exc:
        return {"status": "critical", "error": str(exc)}


def _workers_check() -> dict:
    from pipelit.celery import app

    try:
        replies = app.control.ping(timeout=0.5) or []
    except Exception as exc:
        return {"status": "critical", "count": 0, "workers": [], "error": str(exc)}
    names = sorted(name for reply in replies for name in reply)
    return {"status": "ok" if names else "critical", "count": len(names), "workers": names}


def _executions_checks(user, now) -> tuple[dict, dict]:
    from apps.execution.models import ExecutionStatus, WorkflowExecution

    executions = WorkflowExecution.objects.filter(workflow__in=_visible_workflows(user).values("pk"))
    stuck = executions.filter(status=ExecutionStatus.RUNNING, started_at__lt=now - STUCK_AFTER)
    stuck_list = [
        {"execution_id": str(e.execution_id), "workflow_slug": e.workflow.slug, "started_at": e.started_at}
        for e in stuck.select_related("workflow")[:20]
    ]
    failed = executions.filter(status=ExecutionStatus.FAILED, created_at__gte=now - timedelta(hours=24))
    by_error = (
        failed.values("error_message").annotate(count=Count("pk")).order_by("-count", "error_message")[:10]
    )
    total = failed.count()
    return (
        {"status": "critical" if stuck_list else "ok", "count": stuck.count(), "executions": stuck_list},
        {
            "status": "warn" if total > FAILED_WARN else "ok",
            "total_24h": total,
            "by_error": [{"error": row["error_message"], "count": row["count"]} for row in by_error],
        },
    )


def _schedules_check(user) -> dict:
    from apps.execution.models import ScheduledJob, ScheduleStatus

    jobs = ScheduledJob.objects.filter(workflow__in=_visible_workflows(user).values("pk"))
    problems = jobs.filter(Q(status=ScheduleStatus.DEAD) | Q(error_count__gt=0))
    dead = problems.filter(status=ScheduleStatus.DEAD).count()
    erroring = problems.exclude(status=ScheduleStatus.DEAD).count()
    listed = [
        {
            "schedule_id": str(j.pk),
            "name": j.name,
            "status": j.status,
            "error_count": j.error_count,
            "last_error": j.last_error,
        }
        for j in problems.order_by("-updated_at")[:20]
    ]
    return {
        "status": "warn" if dead else "ok",
        "dead_count": dead,
        "erroring_count": erroring,
        "jobs": listed,
    }


def health_report(*, user) -> dict:
    now = timezone.now()
    stuck, failed = _executions_checks(user, now)
    checks = {
        "redis": _redis_check(),
        "workers": _workers_check(),
        "stuck_executions": stuck,
        "failed_executions": failed,
        "scheduled_jobs": _schedules_check(user),
    }
    issues = []
    if checks["redis"]["status"] != "ok":
        issues.append({"severity": "critical", "check": "redis", "detail": "Redis is unreachable"})
    if checks["workers"]["count"] == 0:
        issues.append({"severity": "critical", "check": "workers", "detail": "No Celery workers running"})
    if stuck["count"]:
        detail = f"{stuck['count']} execution(s) running for more than 15 minutes"
        issues.append({"severity": "critical", "check": "stuck_executions", "detail": detail})
    if failed["status"] == "warn":
        detail = f"{failed['total_24h']} failed execution(s) in the last 24 hours"
        issues.append({"severity": "warn", "check": "failed_executions", "detail": detail})
    if checks["scheduled_jobs"]["dead_count"]:
        detail = f"{checks['scheduled_jobs']['dead_count']} dead scheduled job(s)"
        issues.append({"severity": "warn", "check": "scheduled_jobs", "detail": detail})
    severities = {issue["severity"] for issue in issues}
    summary = "critical" if "critical" in severities else "degraded" if severities else "healthy"
    return {"timestamp": now.isoformat(), "summary": summary, "checks": checks, "issues": issues}


def system_health_tools(tool_context: ToolContext) -> list:
    @json_tool
    def check_system_health() -> dict:
        return health_report(user=tool_context.owner)

    return [
        kit_tool(
            check_system_health,
            description="Platform health: Redis, Celery workers, queue depth, stuck executions (>15 min), "
            "failed executions in 24 h and dead/erroring schedules. summary: healthy/degraded/critical.",
        )
    ]


def _schedule_out(job) -> dict:
    return {
        "schedule_id": str(job.pk),
        "name": job.name,
        "status": job.status,
        "workflow_id": job.workflow_id,
        "trigger_node_id": job.trigger_node.node_id,
        "interval_seconds": job.interval_seconds,
        "run_count": job.run_count,
        "error_count": job.error_count,
        "next_run_at": job.next_run_at.isoformat() if job.next_run_at else None,
    }


def scheduler_tools(tool_context: ToolContext) -> list:
    from apps.execution.api.schedules import ScheduleCreateSerializer
    from apps.execution.models import ScheduleStatus
    from apps.execution.selectors import schedule_get_for_user, schedule_list
    from apps.execution.services import schedules as services
    from apps.workflows.models import Workflow
    from apps.workflows.selectors import node_first_of_type, workflow_visible_q

    from .context import validated

    def workflow_for(workflow_id: int | None):
        if workflow_id is None:
            workflow = tool_context.workflow
        else:
            visible = Workflow.objects.alive().filter(workflow_visible_q(tool_context.owner))
            workflow = visible.filter(pk=workflow_id).first()
        if workflow is None:
            raise ToolRefused(f"workflow {workflow_id} not found")
        return workflow

    @json_tool
    def create_schedule(
        name: str,
        interval_seconds: int,
        workflow_id: int | None = None,
        description: str = "",
        trigger_node_id: str | None = None,
        total_repeats: int = 0,
        max_retries: int = 3,
        timeout_seconds: int = 600,
    ) -> dict:
        workflow = workflow_for(workflow_id)
        data = validated(
            ScheduleCreateSerializer,
            {
                "name": name,
                "workflow_id": workflow.pk,
                "interval_seconds": interval_seconds,
                "description": description,
                "total_repeats": total_repeats,
                "max_retries": max_retries,
                "timeout_seconds": timeout_seconds,
            },
        )
        node = node_first_of_type(
            workflow=workflow, component_type=services.SCHEDULE_COMPONENT, node_id=trigger_node_id or None
        )
        if node is None:
            raise ToolRefused(f"workflow {workflow.slug!r} has no such trigger_schedule node")
        for key in ("workflow_id", "trigger_node_id", "cron", "trigger_payload"):
            data.pop(key, None)
        data["timezone_name"] = data.pop("timezone", "UTC")
        job = services.schedule_create(workflow=workflow, trigger_node=node, user=tool_context.owner, **data)
        return {"success": True, "schedule_id": str(job.pk), "name": job.name, "status": job.status}

    def _job(schedule_id: str):
        return schedule_get_for_user(user=tool_context.owner, job_id=schedule_id)

    @json_tool
    def pause_schedule(schedule_id: str) -> dict:
        job = services.schedule_pause(job=_job(schedule_id))
        return {"success": True, "schedule_id": str(job.pk), "status": job.status}

    @json_tool
    def resume_schedule(schedule_id: str) -> dict:
        job = services.schedule_resume(job=_job(schedule_id))
        return {"success": True, "schedule_id": str(job.pk), "status": job.status}

    @json_tool
    def stop_schedule(schedule_id: str) -> dict:
        job = _job(schedule_id)
        services.schedule_delete(job=job)
        return {"success": True, "schedule_id": str(schedule_id), "deleted": True}

    @json_tool
    def list_schedules(status: str | None = None, workflow_id: int | None = None, limit: int = 10) -> dict:
        jobs = schedule_list(user=tool_context.owner)
        if status:
            if status not in ScheduleStatus.values:
                raise ToolRefused(f"unknown status {status!r}; one of: {', '.join(ScheduleStatus.values)}")
            jobs = jobs.filter(status=status)
        if workflow_id is not None:
            jobs = jobs.filter(workflow_id=workflow_id)
        limit = max(1, min(int(limit), LIST_CAP))
        return {"success": True, "results": [_schedule_out(job) for job in jobs[:limit]]}

    return [
        kit_tool(
            create_schedule,
            description="Run a workflow (default: this one) every interval_seconds through its "
            "trigger_schedule node. total_repeats 0 = forever.",
        ),
        kit_tool(pause_schedule, description="Pause a schedule until resumed."),
        kit_tool(resume_schedule, description="Resume a paused schedule."),
        kit_tool(stop_schedule, description="Delete a schedule permanently."),
        kit_tool(
            list_schedules,
            description="List schedules (status: active, paused, done, dead; optional workflow_id).",
        ),
    ]
