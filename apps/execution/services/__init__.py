"""Writes of the execution app."""
