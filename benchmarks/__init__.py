"""Benchmarks, run on demand (python -m benchmarks.NAME); each prints ratios against a reference."""
