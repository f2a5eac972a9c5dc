"""Domain errors of the graph layer; they render as the reference's REST errors when they reach a view."""

from __future__ import annotations

from pipelit.api import Conflict, UnprocessableEntity


class GraphInvalid(UnprocessableEntity):
    """422 `{"detail": {"validation_errors": [...]}}`, as the reference answers a bad edge."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__({"validation_errors": self.errors})


class AlreadyExists(Conflict):
    def __init__(self, message: str):
        super().__init__(message)
