"""Models of the agents app, one module per concern."""

from .users import ApiKey, Role, User

__all__ = ["ApiKey", "Role", "User"]
