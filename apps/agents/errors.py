"""Domain errors of the agents app; each carries the HTTP status an adapter should answer with."""


class AgentsError(Exception):
    status_code = 400

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class InvalidCredentials(AgentsError):
    status_code = 401


class SetupAlreadyCompleted(AgentsError):
    status_code = 409


class MfaLocked(AgentsError):
    status_code = 429


class InvalidTotpCode(AgentsError):
    """400 when an authenticated user mistypes; the login flow answers 401 instead."""


class LastAdmin(AgentsError):
    pass


class InvalidInput(AgentsError):
    status_code = 422


class NotFound(AgentsError):
    status_code = 404


class IllegalTransition(AgentsError):
    """A status change the lifecycle does not allow; the detail names from, to and the legal targets."""

    status_code = 409

    def __init__(self, *, entity: str, entity_id: str, current: str, requested: str, allowed):
        allowed = sorted(allowed)
        legal = ", ".join(allowed) if allowed else f"none ({current} is final)"
        super().__init__(
            f"Cannot move {entity} {entity_id} from '{current}' to '{requested}'. "
            f"Allowed from '{current}': {legal}."
        )
        self.current, self.requested, self.allowed = current, requested, allowed


class BudgetExceeded(AgentsError):
    status_code = 409


class RegistryConflict(AgentsError):
    """The registry's state forbids the change (unmet dependencies, retries exhausted, finished epic)."""

    status_code = 409
