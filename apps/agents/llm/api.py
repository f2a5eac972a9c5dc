"""REST: test an LLM credential and list its models. Mount `llm_credential_urlpatterns` under /api/v1/."""

from django.urls import path
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import llm_credential_get

# The provider SDKs (~100 MB with LangChain) load on the first test/models call, not at URLconf import:
# the web process should not carry them until someone asks a provider something.


class CredentialTestInput(serializers.Serializer):
    model = serializers.CharField(required=False, allow_blank=True, max_length=200)


class LLMCredentialTestView(APIView):
    """POST: {"ok": true, "error": ""} or {"ok": false, "error": "...", "error_code": "llm_..."}."""

    def post(self, request, credential_id: int):
        credential = llm_credential_get(credential_id=credential_id)
        data = CredentialTestInput(data=request.data if isinstance(request.data, dict) else {})
        data.is_valid(raise_exception=True)
        from .models_api import credential_test

        result = credential_test(credential, model=data.validated_data.get("model") or None)
        body = {"ok": result.ok, "error": result.error}
        if result.error_code:
            body["error_code"] = result.error_code
        return Response(body)


class LLMCredentialModelsView(APIView):
    """GET: [{"id", "name"}]; 502 with `detail` and `error_code` when the provider cannot answer."""

    def get(self, request, credential_id: int):
        from .errors import LLMCallError
        from .models_api import list_models

        credential = llm_credential_get(credential_id=credential_id)
        try:
            models = list_models(credential)
        except LLMCallError as error:
            return Response(
                {"detail": error.message, "error_code": error.error_code}, status=status.HTTP_502_BAD_GATEWAY
            )
        return Response(models)


llm_credential_urlpatterns = [
    path(
        "credentials/<int:credential_id>/test/",
        LLMCredentialTestView.as_view(),
        name="credential-llm-test",
    ),
    path(
        "credentials/<int:credential_id>/models/",
        LLMCredentialModelsView.as_view(),
        name="credential-llm-models",
    ),
]
