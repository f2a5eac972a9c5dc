"""Reads of LLM credentials."""

from django.http import Http404

from apps.agents.models import LLMCredential


def llm_credential_get(*, credential_id: int) -> LLMCredential:
    credential = LLMCredential.objects.filter(pk=credential_id).first()
    if credential is None:
        raise Http404("LLM credential not found.")
    return credential
