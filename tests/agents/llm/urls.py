"""Test-only URLconf: the LLM credential endpoints mounted as the lead will mount them."""

from django.urls import include, path

from apps.agents.llm.api import llm_credential_urlpatterns

urlpatterns = [path("api/v1/", include(llm_credential_urlpatterns))]
