"""Django's SQLite backend with each statement's placeholder rewrite remembered (base.py)."""
