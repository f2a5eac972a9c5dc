"""Agent tools: pure functions plus their LangChain tool wrappers."""
