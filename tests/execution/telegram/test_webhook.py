"""The webhook secret check."""

import re

from apps.execution.telegram.webhook import new_secret_token, verify_secret


def test_matching_secret_is_accepted():
    assert verify_secret("s3cret-token", "s3cret-token") is True


def test_wrong_secret_is_refused():
    assert verify_secret("s3cret-tokem", "s3cret-token") is False
    assert verify_secret("s3cret-token-and-more", "s3cret-token") is False


def test_missing_header_is_refused():
    assert verify_secret(None, "s3cret-token") is False
    assert verify_secret("", "s3cret-token") is False


def test_no_configured_secret_refuses_everything():
    assert verify_secret("", "") is False
    assert verify_secret("anything", None) is False


def test_non_ascii_header_is_refused_not_crashing():
    assert verify_secret("sécret", "secret") is False


def test_new_secret_token_uses_the_alphabet_set_webhook_accepts():
    token = new_secret_token()
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", token)
    assert token != new_secret_token()
