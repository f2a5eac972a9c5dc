"""/api/v1/users/: my API keys, user administration (admin role), agent users."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from pipelit.api import UnprocessableEntity, paginate

from .. import selectors, services
from ..models import Role
from . import serializers as s
from .common import AgentsAPIView, IsAdminRole, envelope

KEYS, USERS, AGENTS = ["keys"], ["users"], ["agent users"]


class MyKeysView(AgentsAPIView):
    @extend_schema(
        tags=KEYS,
        summary="My API keys (never the keys themselves)",
        operation_id="users_me_keys_list",
        responses=envelope("ApiKey", s.ApiKeyOut),
    )
    def get(self, request):
        return paginate(
            request, selectors.api_key_list(user=request.user), lambda page: [s.api_key_out(k) for k in page]
        )

    @extend_schema(
        tags=KEYS,
        summary="Create an API key; the raw key is in this answer only",
        request=s.KeyCreate,
        responses={201: s.ApiKeyCreatedOut},
    )
    def post(self, request):
        data = self.parse(s.KeyCreate)
        if data["expires_at"] is not None and data["expires_at"] <= timezone.now():
            raise UnprocessableEntity("expires_at must be in the future.")
        issued = services.api_key_create(user=request.user, name=data["name"], expires_at=data["expires_at"])
        # The only time the raw key is ever shown.
        return Response(
            {**s.api_key_out(issued.api_key), "key": issued.raw_key}, status=status.HTTP_201_CREATED
        )


class MyKeyDetailView(AgentsAPIView):
    @extend_schema(tags=KEYS, summary="Revoke one of my API keys", responses={204: None})
    def delete(self, request, key_id: int):
        services.api_key_revoke(api_key=selectors.api_key_get(user=request.user, key_id=key_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserListView(AgentsAPIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        tags=USERS,
        summary="All users (admin)",
        operation_id="users_list",
        responses=envelope("User", s.UserOut),
    )
    def get(self, request):
        role = request.query_params.get("role")
        if role and role not in Role.values:
            raise UnprocessableEntity(f"role must be one of: {', '.join(Role.values)}.")
        return paginate(request, selectors.user_list(role=role), lambda page: [s.user_out(u) for u in page])

    @extend_schema(
        tags=USERS, summary="Create a user (admin)", request=s.UserCreate, responses={201: s.UserOut}
    )
    def post(self, request):
        data = self.parse(s.UserCreate)
        user = services.user_register(username=data["username"], password=data["password"], role=data["role"])
        return Response(s.user_out(user), status=status.HTTP_201_CREATED)


class UserDetailView(AgentsAPIView):
    permission_classes = [IsAdminRole]

    @extend_schema(tags=USERS, summary="One user (admin)", responses=s.UserOut)
    def get(self, request, user_id: int):
        return Response(s.user_out(selectors.user_get(user_id=user_id)))

    @extend_schema(
        tags=USERS,
        summary="Change role, active flag or password (admin); never the last admin's",
        request=s.UserPatch,
        responses=s.UserOut,
    )
    def patch(self, request, user_id: int):
        user = selectors.user_get(user_id=user_id)
        user = services.user_update(user=user, **self.parse(s.UserPatch))
        return Response(s.user_out(user))

    @extend_schema(
        tags=USERS,
        summary="Delete a user and their keys (admin); never the last admin",
        responses={204: None},
    )
    def delete(self, request, user_id: int):
        services.user_delete(user=selectors.user_get(user_id=user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserKeysView(AgentsAPIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        tags=USERS, summary="A user's API keys (admin)", responses=envelope("UserApiKey", s.ApiKeyOut)
    )
    def get(self, request, user_id: int):
        user = selectors.user_get(user_id=user_id)
        return paginate(
            request, selectors.api_key_list(user=user), lambda page: [s.api_key_out(k) for k in page]
        )


class UserKeyDetailView(AgentsAPIView):
    permission_classes = [IsAdminRole]

    @extend_schema(tags=USERS, summary="Revoke a user's API key (admin)", responses={204: None})
    def delete(self, request, user_id: int, key_id: int):
        user = selectors.user_get(user_id=user_id)
        services.api_key_revoke(api_key=selectors.api_key_get(user=user, key_id=key_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _agents_out(page) -> list[dict]:
    return [s.agent_out(agent, selectors.agent_key_prefix(agent=agent)) for agent in page]


class AgentUserListView(AgentsAPIView):
    @extend_schema(
        tags=AGENTS,
        summary="Agent users (admins see all, others those they created)",
        operation_id="users_agents_list",
        responses=envelope("AgentUser", s.AgentOut),
    )
    def get(self, request):
        return paginate(request, selectors.agent_user_list(viewer=request.user), _agents_out)


class AgentUserDetailView(AgentsAPIView):
    @extend_schema(tags=AGENTS, summary="Delete an agent user and revoke its keys", responses={204: None})
    def delete(self, request, agent_id: int):
        services.agent_user_delete(agent=selectors.agent_user_get(agent_id=agent_id, viewer=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgentUserBatchDeleteView(AgentsAPIView):
    @extend_schema(tags=AGENTS, summary="Delete several agent users", request=s.Ids, responses={204: None})
    def post(self, request):
        ids = self.parse(s.Ids)["ids"]
        # Ids that are missing or not the caller's to delete are skipped, as in every batch-delete.
        services.agent_user_batch_delete(agents=selectors.agent_user_list(viewer=request.user, ids=ids))
        return Response(status=status.HTTP_204_NO_CONTENT)
