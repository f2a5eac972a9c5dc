"""`GET /api/v1/audit/`: the audit log for admins, newest first, `{"items","total"}` with filters."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from apps.agents.api.common import IsAdminRole
from pipelit.api import UnprocessableEntity, paginate

from .models import AuditEntry
from .selectors import EXACT_FILTERS, BadFilter, audit_list
from .services import audit_refusal_defer

ENTRY_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "actor": {
            "type": "object",
            "properties": {
                "id": {"type": ["integer", "null"]},
                "username": {"type": "string"},
                "is_agent": {"type": "boolean"},
            },
        },
        "api_key_name": {"type": "string"},
        "source": {"type": "string"},
        "action": {"type": "string"},
        "outcome": {"type": "string", "enum": ["ok", "denied"]},
        "target": {"type": "object"},
        "workflow_slug": {"type": "string"},
        "before": {"type": ["object", "null"]},
        "after": {"type": ["object", "null"]},
        "detail": {"type": "string"},
        "request_id": {"type": "string"},
    },
}
PARAMETERS = [
    *(OpenApiParameter(name, OpenApiTypes.STR) for name in EXACT_FILTERS),
    OpenApiParameter("action_prefix", OpenApiTypes.STR),
    OpenApiParameter("actor", OpenApiTypes.STR, description="user id or username"),
    OpenApiParameter("agent", OpenApiTypes.BOOL),
    OpenApiParameter("since", OpenApiTypes.DATETIME),
    OpenApiParameter("until", OpenApiTypes.DATETIME),
    OpenApiParameter("limit", OpenApiTypes.INT),
    OpenApiParameter("offset", OpenApiTypes.INT),
]


def serialize_entry(entry: AuditEntry) -> dict:
    return {
        "id": entry.pk,
        "created_at": entry.created_at.isoformat(),
        "actor": {"id": entry.actor_id, "username": entry.actor_username, "is_agent": entry.actor_is_agent},
        "api_key_name": entry.api_key_name,
        "source": entry.source,
        "action": entry.action,
        "outcome": entry.outcome,
        "target": {"type": entry.target_type, "id": entry.target_id, "repr": entry.target_repr},
        "workflow_slug": entry.workflow_slug,
        "before": entry.before,
        "after": entry.after,
        "detail": entry.detail,
        "request_id": entry.request_id,
    }


class IsAdminRoleAudited(IsAdminRole):
    """Admins only; an agent that asks is refused and the refusal is recorded."""

    def has_permission(self, request, view) -> bool:
        allowed = super().has_permission(request, view)
        if not allowed and getattr(request.user, "is_agent", False):
            audit_refusal_defer(
                action="audit.read", target_type="auditentry", target_id="", detail=self.message
            )
        return allowed


class AuditListView(APIView):
    permission_classes = [IsAdminRoleAudited]

    @extend_schema(
        operation_id="audit_list",
        parameters=PARAMETERS,
        responses={
            200: {
                "type": "object",
                "required": ["items", "total"],
                "properties": {
                    "items": {"type": "array", "items": ENTRY_SCHEMA},
                    "total": {"type": "integer"},
                },
            }
        },
    )
    def get(self, request):
        try:
            entries = audit_list(params=request.query_params)
        except (BadFilter, ValueError) as exc:
            raise UnprocessableEntity(str(exc)) from exc
        return paginate(request, entries, lambda page: [serialize_entry(e) for e in page])
