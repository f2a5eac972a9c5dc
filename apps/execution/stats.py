"""Aggregates over a user's executions for the dashboard: per-day counts and costs, last status per workflow."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from apps.workflows.models import Workflow

from .models import WorkflowExecution
from .selectors import execution_list


def _visible_executions(user) -> QuerySet[WorkflowExecution]:
    return execution_list(user=user).select_related(None)


def _since(days: int) -> tuple[date, datetime]:
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    return today, timezone.make_aware(datetime.combine(first, time.min))


def executions_per_day(*, user, days: int = 30) -> tuple[date, dict[date, dict[str, int]]]:
    """(today, {day: {status: count}}) for the last `days` days, in one query."""
    today, since = _since(days)
    rows = (
        _visible_executions(user)
        .filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day", "status")
        .annotate(n=Count("pk"))
    )
    per_day: dict[date, dict[str, int]] = {}
    for row in rows:
        per_day.setdefault(row["day"], {})[row["status"]] = row["n"]
    return today, per_day


def cost_per_day(*, user, days: int = 30) -> tuple[date, dict[date, Decimal]]:
    """(today, {day: sum of total_cost_usd}) for the last `days` days, in one query."""
    today, since = _since(days)
    rows = (
        _visible_executions(user)
        .filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day")
        .annotate(cost=Sum("total_cost_usd"))
    )
    return today, {row["day"]: row["cost"] or Decimal(0) for row in rows}


def with_last_execution(workflows: QuerySet[Workflow]) -> QuerySet[Workflow]:
    """Annotate `last_execution_status` and `last_execution_id` (subqueries: still one query)."""
    latest = WorkflowExecution.objects.filter(workflow=OuterRef("pk")).order_by("-created_at", "-id")
    return workflows.annotate(
        last_execution_status=Subquery(latest.values("status")[:1]),
        last_execution_id=Subquery(latest.values("execution_id")[:1]),
    )
