"""API keys never reach log lines."""

import logging

from pipelit.logging import RedactTokensFilter, redact


def test_redacts_socket_tokens_and_bearer_headers():
    assert redact("GET /ws/?token=plt_secret123&x=1") == "GET /ws/?token=[redacted]&x=1"
    assert redact("Authorization: Bearer plt_abc.def") == "Authorization: Bearer [redacted]"


def test_filter_rewrites_formatted_record():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "connect %s", ("/ws/?token=plt_k",), None)
    RedactTokensFilter().filter(record)
    assert record.getMessage() == "connect /ws/?token=[redacted]"
