"""Settings of the test suite's subprocesses: the product's, plus the test-only child app."""

from pipelit.settings import *  # noqa: F403
from pipelit.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.support.child_app"]

# Tests reuse credential ids across flushed databases within seconds: always re-check.
PIPELIT_CREDENTIAL_RECHECK_SECONDS = 0
