"""Django admin of the agents app: people and credentials, the task registry, memory."""

from . import epics, memory, users  # noqa: F401 - each module registers its ModelAdmins
