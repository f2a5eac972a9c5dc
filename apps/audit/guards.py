"""Agent invariants, checked before any audited row is written (see signals.py).

An agent user (role `agent`) may change only:
- workflows (and their nodes, configs, edges, schedules) it owns or collaborates on;
- never the workflow it is running in, unless that workflow allows self-modification. "Running in"
  means the workflow named by `acting_as(workflow=...)` (agent tools in the worker) or, over REST where
  the caller cannot be trusted to say, any workflow that has an active execution right now;
- never the protection settings themselves (self-modification flag, limits, circuit breaker);
- never a role: it cannot create a non-agent user, change anyone's role or staff flags, or delete a
  person's account; API keys only its own.
The audit log needs no guard here: AuditEntry rows refuse every change and delete at model level.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from . import context
from .services import audit_refusal_defer

# Workflow fields only a person may change.
PROTECTION_FIELDS = (
    "allow_self_modification",
    "max_concurrent_executions",
    "circuit_failure_threshold",
    "circuit_opened_at",
    "consecutive_failures",
)
ROLE_FIELDS = ("role", "is_staff", "is_superuser")


class AgentForbidden(PermissionDenied):
    pass


def _workflow_of(instance):
    from apps.workflows.models import ComponentConfig, Workflow

    if isinstance(instance, Workflow):
        return instance
    if isinstance(instance, ComponentConfig):
        return instance.node.workflow if instance.node_id else None
    if getattr(instance, "workflow_id", None) is not None:
        return instance.workflow
    return None


def workflow_slug_of(instance) -> str:
    try:
        workflow = _workflow_of(instance)
    except Exception:  # a half-built or already deleted parent: the entry still gets written
        return ""
    return getattr(workflow, "slug", "") or ""


def _acting_agent():
    user, _ = context.actor()
    if user is None:
        return None
    from apps.agents.models import Role

    return user if context.actor_role() == Role.AGENT else None


def _refuse(*, instance, action: str, detail: str, slug: str = "") -> None:
    audit_refusal_defer(
        action=f"{instance._meta.model_name}.{action}",
        target_type=instance._meta.model_name,
        target_id=instance.pk or "",
        detail=detail,
        workflow_slug=slug,
    )
    raise AgentForbidden(detail)


def refuse_agent(*, action: str, target, detail: str) -> None:
    """For views that refuse an agent outright: record the refusal, raise the 403."""
    audit_refusal_defer(
        action=action,
        target_type=target._meta.model_name,
        target_id=target.pk,
        detail=detail,
        workflow_slug=workflow_slug_of(target),
    )
    raise AgentForbidden(detail)


def _running_in(workflow) -> bool:
    ctx = context.current()
    if ctx is not None and ctx.workflow_id is not None:
        return ctx.workflow_id == workflow.pk
    from apps.execution.models import ACTIVE_STATUSES, WorkflowExecution

    return WorkflowExecution.objects.filter(workflow_id=workflow.pk, status__in=ACTIVE_STATUSES).exists()


def _check_workflow_scoped(agent, instance, action: str, before: dict | None) -> None:
    workflow = _workflow_of(instance)
    if workflow is None:
        return
    slug = workflow.slug
    is_new_workflow = workflow is instance and action == "create"
    if is_new_workflow:
        if workflow.owner_id != agent.pk:
            _refuse(instance=instance, action=action, detail="An agent can only create its own workflows.")
        return
    from apps.workflows.selectors import user_can_write

    if not user_can_write(user=agent, workflow=workflow):
        _refuse(
            instance=instance,
            action=action,
            slug=slug,
            detail=f"Agent '{agent.username}' may not change workflow '{slug}': it neither owns it "
            "nor collaborates on it.",
        )
    if workflow is instance and before is not None:
        changed = [f for f in PROTECTION_FIELDS if before.get(f) != _value(instance, f)]
        if changed:
            _refuse(
                instance=instance,
                action=action,
                slug=slug,
                detail=f"Agents cannot change protection settings ({', '.join(changed)}); ask a person.",
            )
    if not workflow.allow_self_modification and _running_in(workflow):
        _refuse(
            instance=instance,
            action=action,
            slug=slug,
            detail=f"Agent '{agent.username}' may not modify workflow '{slug}' while running in it: "
            "the workflow does not allow self-modification.",
        )


def _value(instance, name):
    from .services import _jsonable

    return _jsonable(getattr(instance, name, None))


def _check_user(agent, instance, action: str, before: dict | None) -> None:
    from apps.agents.models import Role

    if action == "create" and (instance.role != Role.AGENT or instance.is_staff or instance.is_superuser):
        _refuse(instance=instance, action=action, detail="An agent can only create agent users.")
    role_changed = before is not None and any(before.get(f) != _value(instance, f) for f in ROLE_FIELDS)
    if action == "update" and role_changed:
        _refuse(instance=instance, action=action, detail="Agents cannot change roles or admin rights.")
    if action == "delete" and instance.role != Role.AGENT:
        _refuse(instance=instance, action=action, detail="An agent cannot delete a person's account.")


def _check_api_key(agent, instance, action: str) -> None:
    if instance.user_id != agent.pk:
        _refuse(instance=instance, action=action, detail="An agent can only manage its own API keys.")


def check(*, instance, action: str, before: dict | None) -> None:
    """Raise AgentForbidden (a PermissionDenied: 403 with a detail) if an agent may not do this."""
    agent = _acting_agent()
    if agent is None:
        return
    label = instance._meta.label_lower
    if label == "agents.user":
        _check_user(agent, instance, action, before)
    elif label == "agents.apikey":
        _check_api_key(agent, instance, action)
    elif instance._meta.app_label == "workflows" or label == "execution.scheduledjob":
        _check_workflow_scoped(agent, instance, action, before)
