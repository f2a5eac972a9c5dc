"""/api/v1/credentials/: the polymorphic family behind one `{"credential_type", "detail"}` shape."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from pipelit import crypto
from pipelit.api import UnprocessableEntity, paginate

from .. import selectors, services
from ..models import Credential, CredentialType, ProviderType
from .common import AgentsAPIView, envelope
from .serializers import Ids

Text = serializers.CharField


class LLMDetail(serializers.Serializer):
    provider_type = serializers.ChoiceField(
        choices=ProviderType.choices, default=ProviderType.OPENAI_COMPATIBLE
    )
    api_key = Text(allow_blank=True, default="", trim_whitespace=False)
    base_url = Text(allow_blank=True, default="", max_length=500)
    organization_id = Text(allow_blank=True, default="", max_length=200)
    custom_headers = serializers.DictField(child=Text(allow_blank=True), default=dict)
    price_overrides = serializers.DictField(default=dict)


class GatewayDetail(serializers.Serializer):
    api_key = Text(allow_blank=True, default="", trim_whitespace=False)
    allowed_user_ids = Text(allow_blank=True, default="", max_length=1000)


class GitDetail(serializers.Serializer):
    provider = Text(default="github", max_length=32)
    # The reference calls the auth method `credential_type` inside `detail`.
    credential_type = serializers.ChoiceField(choices=["token", "ssh"], default="token", source="auth_method")
    username = Text(allow_blank=True, default="", max_length=200)
    ssh_private_key = Text(allow_blank=True, default="", trim_whitespace=False)
    access_token = Text(allow_blank=True, default="", trim_whitespace=False)
    webhook_secret = Text(allow_blank=True, default="", trim_whitespace=False)


class ToolDetail(serializers.Serializer):
    tool_type = Text(default="api", max_length=64)
    config = serializers.DictField(default=dict)
    secret = Text(allow_blank=True, default="", trim_whitespace=False)


class TelegramDetail(serializers.Serializer):
    bot_token = Text(allow_blank=True, default="", trim_whitespace=False)
    webhook_secret = Text(allow_blank=True, default="", trim_whitespace=False)
    allowed_user_ids = Text(allow_blank=True, default="", max_length=1000)


DETAIL_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    CredentialType.LLM: LLMDetail,
    CredentialType.GATEWAY: GatewayDetail,
    CredentialType.GIT: GitDetail,
    CredentialType.TOOL: ToolDetail,
    CredentialType.TELEGRAM: TelegramDetail,
}


class CredentialCreate(serializers.Serializer):
    name = Text(max_length=200)
    credential_type = Text(max_length=32)
    detail = serializers.DictField(default=dict)


class CredentialPatch(serializers.Serializer):
    name = Text(max_length=200, required=False)
    credential_type = Text(max_length=32, required=False)
    detail = serializers.DictField(required=False)


class CredentialOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    credential_type = serializers.ChoiceField(choices=list(DETAIL_SERIALIZERS))
    detail = serializers.DictField(help_text="Type-specific fields; secrets masked.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


TAG = ["credentials"]


def _detail_serializer(credential_type: str) -> type[serializers.Serializer]:
    if credential_type not in DETAIL_SERIALIZERS:
        raise UnprocessableEntity(
            f"Unknown credential_type '{credential_type}'; expected one of: {', '.join(DETAIL_SERIALIZERS)}."
        )
    return DETAIL_SERIALIZERS[credential_type]


def _parse_detail(credential_type: str, detail: dict, *, partial: bool) -> dict:
    serializer = _detail_serializer(credential_type)(data=detail, partial=partial)
    if not serializer.is_valid():
        raise serializers.ValidationError({"detail": serializer.errors})
    return dict(serializer.validated_data)


def credential_out(credential: Credential) -> dict:
    """Secret fields leave the server masked, always."""
    serializer = _detail_serializer(credential.credential_type)()
    detail = {}
    for name, field in serializer.fields.items():
        value = getattr(credential, field.source)
        detail[name] = (
            crypto.mask(value) if field.source in credential.secret_fields else field.to_representation(value)
        )
    return {
        "id": credential.pk,
        "name": credential.name,
        "credential_type": credential.credential_type,
        "detail": detail,
        "created_at": credential.created_at.isoformat(),
        "updated_at": credential.updated_at.isoformat(),
    }


class CredentialListView(AgentsAPIView):
    @extend_schema(
        tags=TAG,
        summary="All credentials, secrets masked",
        operation_id="credentials_list",
        responses=envelope("Credential", CredentialOut),
    )
    def get(self, request):
        return paginate(request, selectors.credential_list(), lambda page: [credential_out(c) for c in page])

    @extend_schema(
        tags=TAG, summary="Create a credential", request=CredentialCreate, responses={201: CredentialOut}
    )
    def post(self, request):
        data = self.parse(CredentialCreate)
        detail = _parse_detail(data["credential_type"], data["detail"], partial=False)
        credential = services.credential_create(
            created_by=request.user, name=data["name"], credential_type=data["credential_type"], detail=detail
        )
        return Response(credential_out(credential), status=status.HTTP_201_CREATED)


class CredentialDetailView(AgentsAPIView):
    @extend_schema(tags=TAG, summary="One credential, secrets masked", responses=CredentialOut)
    def get(self, request, credential_id: int):
        return Response(credential_out(selectors.credential_get(credential_id=credential_id)))

    @extend_schema(
        tags=TAG,
        summary="Update name or detail fields",
        description="A secret sent back exactly as its masked value is kept unchanged.",
        request=CredentialPatch,
        responses=CredentialOut,
    )
    def patch(self, request, credential_id: int):
        credential = selectors.credential_get(credential_id=credential_id)
        data = self.parse(CredentialPatch)
        if data.get("credential_type", credential.credential_type) != credential.credential_type:
            raise UnprocessableEntity("credential_type cannot be changed; create a new credential instead.")
        detail = _parse_detail(credential.credential_type, data.get("detail", {}), partial=True)
        credential = services.credential_update(credential=credential, name=data.get("name"), detail=detail)
        return Response(credential_out(credential))

    @extend_schema(tags=TAG, summary="Delete a credential", responses={204: None})
    def delete(self, request, credential_id: int):
        services.credential_delete(credential=selectors.credential_get(credential_id=credential_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CredentialBatchDeleteView(AgentsAPIView):
    @extend_schema(tags=TAG, summary="Delete several credentials", request=Ids, responses={204: None})
    def post(self, request):
        services.credential_batch_delete(ids=self.parse(Ids)["ids"])
        return Response(status=status.HTTP_204_NO_CONTENT)
