"""DSL tests compile against the production node types, not the graph tests' stand-ins."""

import pytest


@pytest.fixture(autouse=True)
def node_types():
    """Overrides tests/workflows/conftest.py's fixture of the same name: keep the real registry."""
    yield
