"""LLM plumbing for AI nodes: provider resolution, error classification, model listing."""
