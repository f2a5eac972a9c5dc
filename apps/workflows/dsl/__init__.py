"""The YAML workflow DSL: compile (create, fork-and-patch) and decompile (any workflow -> YAML)."""
