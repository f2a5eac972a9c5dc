"""Database backends: Django's, with per-statement work that repeats identically done once."""
