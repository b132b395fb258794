"""Benchmarks, run by hand (``uv run python -m bench.collection``); never by the test suite."""
