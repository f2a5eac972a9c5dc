"""LLM plumbing for AI nodes.

providers.resolve_chat_model(credential, ModelSettings) -> cached LangChain chat model;
calls.llm_invoke / allm_invoke -> one call with classified retries (errors.LLMCallError);
models_api.list_models / credential_test; api.llm_credential_urlpatterns (mount under /api/v1/).
"""
