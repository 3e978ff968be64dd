"""Benchmarks for postrun: figures printed by ``python -m benchmarks``, not tests."""
