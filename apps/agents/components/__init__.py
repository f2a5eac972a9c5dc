"""AI node types (agent, categorizer, router, extractor) and their sub-components (model, tools, parser)."""
