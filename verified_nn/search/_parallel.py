"""Running a function over many items in worker processes, each holding BLAS to one thread (as certify does)."""

import concurrent.futures
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from verified_nn.certify import single_blas_thread

T = TypeVar("T")
R = TypeVar("R")

_LIMITS: list[Any] = []  # keeps each worker's BLAS limit alive for the worker's lifetime


def _start_worker() -> None:
    _LIMITS.append(single_blas_thread())


def map_in_processes(
    function: Callable[..., R],
    items: Sequence[T],
    *,
    jobs: int,
    on_result: Callable[[R], object] | None = None,
    **options: Any,
) -> list[R]:
    """``[function(item, **options) for item in items]`` in ``jobs`` processes (in this one for ``jobs == 1``),
    in the items' order; ``on_result`` is called with each result as it finishes."""
    results: list[R | None] = [None] * len(items)
    if jobs == 1:
        with single_blas_thread():
            for index, item in enumerate(items):
                results[index] = function(item, **options)
                if on_result is not None:
                    on_result(results[index])  # type: ignore[arg-type]
    else:
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker) as pool:
            futures = {pool.submit(function, item, **options): index for index, item in enumerate(items)}
            for future in concurrent.futures.as_completed(futures):
                results[futures[future]] = future.result()
                if on_result is not None:
                    on_result(future.result())
    return [result for result in results if result is not None]
