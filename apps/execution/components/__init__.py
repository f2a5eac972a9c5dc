"""Execution node types (triggers and logic); each module registers one type with @node_type."""
