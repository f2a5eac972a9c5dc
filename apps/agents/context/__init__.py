"""Context-window management for AI nodes (token counting, trimming)."""
