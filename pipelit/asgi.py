"""ASGI entry point: HTTP through Django, WebSockets through Channels with key or session auth."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipelit.settings")

from pipelit import daphne_requests  # noqa: E402
from pipelit.asgi_handler import get_asgi_application  # noqa: E402

# daphne imports this module before it builds its server: its requests skip Twisted's form parsing.
daphne_requests.install()

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from apps.agents.channels_auth import ApiKeyOrSessionAuthMiddlewareStack  # noqa: E402
from pipelit.routing import websocket_urlpatterns  # noqa: E402
from pipelit.ws_security import browser_origin_validator  # noqa: E402

# Import every view (and the LangGraph/LangChain modules behind them) now, at boot, rather than
# making the first request after a start wait for it.
get_resolver().url_patterns  # noqa: B018

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": browser_origin_validator(
            ApiKeyOrSessionAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# Everything loaded so far lives as long as the process. Without this, each full (generation 2)
# collection walks all of it again: 130-220 ms with the sockets bench running, a stall of every
# socket's events. Frozen objects are skipped by the collector; what is created later is not.
gc.collect()
gc.freeze()
