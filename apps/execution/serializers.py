"""Execution shapes for REST and pages (plain functions: the same dicts everywhere)."""

from __future__ import annotations

from rest_framework import serializers

from .models import ExecutionLog, WorkflowExecution


def iso(value):
    return value.isoformat() if value else None


def serialize_execution(execution: WorkflowExecution) -> dict:
    return {
        "execution_id": str(execution.execution_id),
        "workflow_slug": execution.workflow.slug,
        "trigger_node_id": execution.trigger_node_key,
        "status": execution.status,
        "error_message": execution.error_message,
        "error_code": execution.error_code or None,
        "created_at": iso(execution.created_at),
        "started_at": iso(execution.started_at),
        "completed_at": iso(execution.completed_at),
        "duration_ms": execution.duration_ms,
        "total_tokens": execution.total_tokens,
        "total_cost_usd": float(execution.total_cost_usd),
        "llm_calls": execution.llm_calls,
        "parent_execution_id": str(execution.parent_execution.execution_id)
        if execution.parent_execution_id
        else None,
    }


def serialize_log(log: ExecutionLog) -> dict:
    return {
        "id": log.pk,
        "node_id": log.node_id,
        "component_type": log.component_type,
        "status": log.status,
        "input": log.input,
        "output": log.output,
        "error": log.error,
        "error_code": log.error_code,
        "metadata": log.metadata,
        "started_at": iso(log.started_at),
        "duration_ms": log.duration_ms,
        "retry_count": log.retry_count,
        "timestamp": iso(log.timestamp),
    }


def serialize_execution_detail(execution: WorkflowExecution, logs: list[ExecutionLog]) -> dict:
    data = serialize_execution(execution)
    data["final_output"] = execution.final_output
    data["trigger_payload"] = execution.trigger_payload
    data["logs"] = [serialize_log(log) for log in logs]
    # The latest status per node: a client that reconnects rebuilds its badges from this.
    data["node_statuses"] = {log.node_id: log.status for log in logs}
    return data


class BatchDeleteExecutionsSerializer(serializers.Serializer):
    execution_ids = serializers.ListField(child=serializers.UUIDField(), allow_empty=True, max_length=10_000)


class ExecuteSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, default="")
    trigger_node_id = serializers.CharField(required=False, allow_blank=True, default="")
    payload = serializers.DictField(required=False, default=dict)


class ChatSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=False, max_length=100_000)
    trigger_node_id = serializers.CharField(required=False, allow_blank=True, default="")
