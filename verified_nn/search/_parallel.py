"""Running a function over many items in worker processes, each holding BLAS to one thread (as certify does).

The workers are a ``multiprocessing`` pool: when the caller is interrupted (Ctrl-C, or ``kill``, which the
command line turns into the same), the workers are terminated at once instead of finishing instances
that may each run for minutes.
"""

import functools
import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from verified_nn.certify import single_blas_thread

T = TypeVar("T")
R = TypeVar("R")

_LIMITS: list[Any] = []  # keeps each worker's BLAS limit alive for the worker's lifetime


def _start_worker() -> None:
    _LIMITS.append(single_blas_thread())


def _indexed(function: Callable[..., R], options: dict[str, Any], pair: tuple[int, Any]) -> tuple[int, R]:
    index, item = pair
    return index, function(item, **options)


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
    results: list[Any] = [None] * len(items)
    if jobs == 1:
        with single_blas_thread():
            for index, item in enumerate(items):
                results[index] = function(item, **options)
                if on_result is not None:
                    on_result(results[index])
        return results
    pool = multiprocessing.Pool(processes=jobs, initializer=_start_worker, maxtasksperchild=None)
    try:
        task = functools.partial(_indexed, function, options)
        for index, result in pool.imap_unordered(task, list(enumerate(items))):
            results[index] = result
            if on_result is not None:
                on_result(result)
        pool.close()
    except BaseException:
        pool.terminate()  # interrupted: stop the workers now, not after their current instances
        raise
    finally:
        pool.join()
    return results
