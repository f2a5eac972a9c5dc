"""Test-only app loaded by the server and worker subprocesses of integration and browser tests."""
