"""The choke point: model signals record every save and delete of the audited models.

Whatever door a change came through — REST, the editor, the admin, an agent tool in the worker —
it ends in `Model.save()` / `delete()`, so one set of receivers sees them all. The actor comes from
the audit context (request middleware or `acting_as`). Before a change is written the agent
invariants run (`guards.check`); a refused change raises PermissionDenied and is recorded as refused.
Queryset `.update()` bypasses signals: the few services that use it for audited state (key revocation,
MFA on/off, identities merged into a memory user) call `audit_change` / `audit_record` themselves.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from . import guards
from .services import audit_record, instance_summary, summary_diff

# app_label.ModelName of every audited model; subclasses (polymorphic configs, credentials) included.
AUDITED = (
    "workflows.Workflow",
    "workflows.WorkflowNode",
    "workflows.ComponentConfig",
    "workflows.WorkflowEdge",
    "agents.User",
    "agents.ApiKey",
    "agents.Credential",
    "agents.Epic",
    "agents.Task",
    "agents.MemoryFact",
    "agents.MemoryProcedure",
    "agents.MemoryUser",
    "execution.ScheduledJob",
)
_classes: tuple[type, ...] = ()


def _audited(instance) -> type | None:
    for cls in _classes:
        if isinstance(instance, cls):
            return cls
    return None


def target_type(cls: type) -> str:
    return cls._meta.model_name


def _pre_save(sender, instance, raw=False, **kwargs):
    cls = _audited(instance)
    if cls is None or raw:
        return
    before = None
    if instance.pk is not None and not instance._state.adding:
        old = type(instance)._base_manager.filter(pk=instance.pk).first()
        before = instance_summary(old) if old is not None else None
    instance._audit_before = before
    guards.check(instance=instance, action="update" if before is not None else "create", before=before)


def _post_save(sender, instance, created=False, raw=False, **kwargs):
    cls = _audited(instance)
    if cls is None or raw:
        return
    after = instance_summary(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        action, before_out, after_out = "create", None, after
    else:
        before_out, after_out = summary_diff(before, after)
        if not after_out:
            return
        action = "update"
    audit_record(
        action=f"{target_type(cls)}.{action}",
        target_type=target_type(cls),
        target_id=instance.pk,
        target_repr=str(instance),
        workflow_slug=guards.workflow_slug_of(instance),
        before=before_out,
        after=after_out,
    )


def _pre_delete(sender, instance, **kwargs):
    cls = _audited(instance)
    if cls is None:
        return
    instance._audit_before = instance_summary(instance)
    instance._audit_slug = guards.workflow_slug_of(instance)
    guards.check(instance=instance, action="delete", before=instance._audit_before)


def _post_delete(sender, instance, **kwargs):
    cls = _audited(instance)
    if cls is None:
        return
    audit_record(
        action=f"{target_type(cls)}.delete",
        target_type=target_type(cls),
        target_id=instance.pk,
        target_repr=str(instance),
        workflow_slug=getattr(instance, "_audit_slug", ""),
        before=getattr(instance, "_audit_before", None),
    )


def connect() -> None:
    global _classes
    _classes = tuple(apps.get_model(label) for label in AUDITED)
    # Per sender, not for every model: a delete receiver on a model turns off Django's fast deletes.
    for model in apps.get_models():
        if not issubclass(model, _classes):
            continue
        uid = model._meta.label_lower
        pre_save.connect(_pre_save, sender=model, dispatch_uid=f"audit_pre_save_{uid}")
        post_save.connect(_post_save, sender=model, dispatch_uid=f"audit_post_save_{uid}")
        pre_delete.connect(_pre_delete, sender=model, dispatch_uid=f"audit_pre_delete_{uid}")
        post_delete.connect(_post_delete, sender=model, dispatch_uid=f"audit_post_delete_{uid}")
