"""Agent tools: pure functions plus their LangChain tool wrappers, and context-aware kits (see context.py)."""
