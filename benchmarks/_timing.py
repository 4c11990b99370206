"""Interleaved timing: candidates take turns so that machine noise falls on all of them alike."""

import time
from collections.abc import Callable

import numpy as np


def interleaved_medians(candidates: dict[str, Callable[[], object]], *, rounds: int, calls: int) -> dict[str, float]:
    """Median seconds per call of each candidate over ``rounds`` rounds of ``calls`` calls."""
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for function in candidates.values():  # warm-up: BLAS threads, caches, first-call imports
        function()
    for _ in range(rounds):
        for name, function in candidates.items():
            start = time.perf_counter()
            for _ in range(calls):
                function()
            samples[name].append((time.perf_counter() - start) / calls)
    return {name: float(np.median(times)) for name, times in samples.items()}
