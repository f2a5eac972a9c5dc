"""Reproducible benchmarks (see docs/benchmarks.md)."""
