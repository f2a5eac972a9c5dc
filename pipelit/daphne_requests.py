"""daphne's request class without Twisted's form parsing: Django reads and parses every body itself.

Twisted's `Request.requestReceived` parses a urlencoded or multipart POST body into `request.args`
for every request, which daphne never reads (it hands the raw body to the application). Besides the
wasted work, a multipart body Twisted cannot parse (no boundary ...) is answered by Twisted with a bare
400 and a dropped connection before Django sees it. Twisted's `parsePOSTFormSubmission=False` skips
exactly that branch (~26 us a request, even for JSON): the body is still buffered in `content`, rewound, and read by daphne as
before; the query string is still parsed into `args`.

daphne's `HTTPFactory.buildProtocol` sets `protocol.requestFactory = WebRequest`, looking the name
up in `daphne.http_protocol` for each connection, so `install()` (from pipelit/asgi.py, which daphne
imports before it builds its server) rebinds that name. Written against daphne 4.2; on another
version daphne's own class is left in place and tests/platform/test_daphne_requests.py says so.
"""

from __future__ import annotations

import inspect

import daphne
from daphne import http_protocol
from twisted.web import http

#: daphne versions whose HTTPFactory picks its request class as described above.
CHECKED_DAPHNE = (4, 2)


def _supported() -> bool:
    version = tuple(int(part) for part in daphne.__version__.split(".")[:2])
    takes_flag = "parsePOSTFormSubmission" in inspect.signature(http.Request.__init__).parameters
    return version == CHECKED_DAPHNE and takes_flag


class WebRequest(http_protocol.WebRequest):
    def __init__(self, *args, **kwargs):
        kwargs["parsePOSTFormSubmission"] = False
        super().__init__(*args, **kwargs)


def install() -> bool:
    """Make daphne build `WebRequest`s; whether it did (False on an unchecked daphne, or a Twisted
    whose Request does not take `parsePOSTFormSubmission`)."""
    if not _supported():
        return False
    if http_protocol.WebRequest is not WebRequest:
        if http_protocol.WebRequest is not WebRequest.__mro__[1]:
            return False  # someone else replaced it: leave theirs
        http_protocol.WebRequest = WebRequest
    return True
