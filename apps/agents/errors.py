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
