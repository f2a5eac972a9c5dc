from tests.agents.components.conftest import credential, events, run_ai  # noqa: F401
