"""Origin check for sockets: browsers must come from an allowed host; programs send no Origin."""

from channels.security.websocket import OriginValidator
from django.conf import settings


class BrowserOriginValidator(OriginValidator):
    """Like AllowedHostsOriginValidator, but a missing Origin is allowed: only browsers send one, and a
    program without it must still authenticate with its API key. A cross-site page cannot ride on the
    session cookie because its Origin is checked."""

    def valid_origin(self, parsed_origin):
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)


def browser_origin_validator(application):
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = ["localhost", "127.0.0.1", "[::1]"]
    return BrowserOriginValidator(application, allowed)
