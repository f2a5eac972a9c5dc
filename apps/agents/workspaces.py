"""Per-workflow workspace directories for the sandboxed tools (run_command, code_execute).

Each workflow gets `PIPELIT_WORKSPACES_DIR/workflow-<id>/`, which persists between its runs. When the
worker runs as root the directory belongs to a uid of the workflow's own (WORKSPACE_UID_BASE + id,
mode 0700) and the sandboxed command runs as that uid, so one workflow's commands cannot read another
workflow's files; the sandbox's mount namespace also hides the project, its data and the other
workspaces (see apps/execution/sandbox/commands.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

WORKSPACE_UID_BASE = 200_000
_UNSAFE = re.compile(r"[^a-zA-Z0-9_.-]")


@dataclass(frozen=True)
class Workspace:
    path: Path
    uid: int | None  # the uid commands run as (root workers only)


def workspace_key(workflow_slug: str) -> tuple[str, int | None]:
    """("workflow-<id>", id) for a stored workflow, else ("slug-<slug>", None) (graphs run from fixtures)."""
    from apps.workflows.models import Workflow

    # alive(): a deleted workflow's slug may be taken again, and the newcomer must not get its files.
    workflow_id = Workflow.objects.alive().filter(slug=workflow_slug).values_list("pk", flat=True).first()
    if workflow_id is not None:
        return f"workflow-{workflow_id}", int(workflow_id)
    return "slug-" + _UNSAFE.sub("_", workflow_slug)[:80], None


def workspace_for(workflow_slug: str) -> Workspace:
    """The workflow's workspace, created on first use with the right owner and mode."""
    name, workflow_id = workspace_key(workflow_slug)
    root = Path(settings.PIPELIT_WORKSPACES_DIR)
    root.mkdir(parents=True, exist_ok=True)
    path = root / name
    path.mkdir(exist_ok=True)
    uid = None
    if os.geteuid() == 0:
        os.chmod(root, 0o711)  # others may pass through to their own directory, not list it
        uid = WORKSPACE_UID_BASE + (workflow_id if workflow_id is not None else _stable_number(name))
        if path.stat().st_uid != uid:
            os.chown(path, uid, uid)
    os.chmod(path, 0o700)
    return Workspace(path=path, uid=uid)


def workspace_remove(workflow_id: int) -> None:
    """Delete a deleted workflow's workspace (best effort: a failure is logged, never raised)."""
    import logging
    import shutil

    path = Path(settings.PIPELIT_WORKSPACES_DIR) / f"workflow-{int(workflow_id)}"
    if path.exists():
        shutil.rmtree(path, onerror=lambda *args: logging.getLogger(__name__).warning("rmtree %s", args[1]))


def remove_on_delete(sender, instance, update_fields=None, **kwargs) -> None:
    """post_save of Workflow: a soft delete takes the workspace with it once the delete commits."""
    from django.db import transaction

    if instance.deleted_at is not None and (update_fields is None or "deleted_at" in update_fields):
        workflow_id = instance.pk
        transaction.on_commit(lambda: workspace_remove(workflow_id))


def hidden_paths() -> tuple[str, ...]:
    """What a sandboxed command must not see: the project, its data directory, every workspace, and
    whatever PIPELIT_SANDBOX_HIDDEN_PATHS adds."""
    paths = {settings.BASE_DIR, settings.VAR_DIR, Path(settings.PIPELIT_WORKSPACES_DIR)}
    paths.update(Path(p) for p in getattr(settings, "PIPELIT_SANDBOX_HIDDEN_PATHS", ()) if p)
    return tuple(sorted({str(p.resolve()) for p in paths}, key=len))


def _stable_number(name: str) -> int:
    import zlib

    return 100_000 + zlib.crc32(name.encode()) % 100_000
