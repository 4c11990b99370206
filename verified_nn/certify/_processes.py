"""Running a function over many items in worker processes, each holding BLAS to one thread: certify's
``jobs`` and ``verify-spec --instances --jobs`` both run here.

``jobs`` worker processes live for the whole run (what one loads, such as a network, serves its next
items) and each talks to the caller over a pipe of its own: no queue or lock is shared between processes.
Workers ignore Ctrl-C (the terminal sends it to the whole process group): the caller alone is interrupted,
kills the workers and keeps every result that came back before (a ``multiprocessing.Pool`` interrupted so
could hang on a lock a dying worker held, and lost them all; one whose worker died hung for good).
"""

import contextlib
import multiprocessing
import multiprocessing.connection
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]  # ships no types

T = TypeVar("T")
R = TypeVar("R")


def single_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Limit BLAS to one thread while certifying.

    The products here are small (a few rows times 784 x 128), and on a busy 2-core machine a second
    BLAS thread made them about 25 times slower (docs/certification.md); parallelism comes from ``jobs``.
    """
    limits: contextlib.AbstractContextManager[Any] = threadpool_limits(limits=1, user_api="blas")
    return limits


def _serve(
    connection: Any, function: Callable[..., Any], options: dict[str, Any], error: Callable[[str], Exception]
) -> None:
    """In a worker: ``(index, item)`` in, ``(index, True, function(item, **options))`` or ``(index, False,
    exception)`` out, until the pipe closes (the caller stops its workers when it is done)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller decides what an interrupt stops
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the caller's handler, inherited by fork
    with single_blas_thread():
        while True:
            try:
                message = connection.recv()
            except EOFError:
                return
            index, item = message
            try:
                outcome: tuple[int, bool, Any] = (index, True, function(item, **options))
            except Exception as raised:  # handed to the caller, which raises it
                outcome = (index, False, raised)
            try:
                connection.send(outcome)
            except Exception as unsent:  # an outcome pickle cannot send: what went wrong goes instead
                connection.send((index, False, error(f"{type(unsent).__name__}: {unsent}")))


def map_in_processes(
    function: Callable[..., R],
    items: Sequence[T],
    *,
    jobs: int,
    on_result: Callable[[R], object] | None = None,
    error: Callable[[str], Exception] = RuntimeError,
    **options: Any,
) -> list[R]:
    """``[function(item, **options) for item in items]`` in ``jobs`` processes (in this one for ``jobs == 1``),
    in the items' order; ``on_result`` is called with each result as it finishes. An exception raised for an
    item, or a worker that dies, stops the rest and is raised here: for a death, or a result that cannot
    come back, ``error(message)`` (the caller's own exception type, so that a command reports it in one line)."""
    results: list[Any] = [None] * len(items)
    if jobs == 1:
        with single_blas_thread():
            for index, item in enumerate(items):
                results[index] = function(item, **options)
                if on_result is not None:
                    on_result(results[index])
        return results
    waiting = list(enumerate(items))[::-1]  # popped from the end: the items' order
    workers = []
    for _ in range(min(jobs, len(items))):
        ours, theirs = multiprocessing.Pipe()
        process = multiprocessing.Process(target=_serve, args=(theirs, function, options, error), daemon=True)
        process.start()
        theirs.close()  # the worker holds it: its death makes ours readable (EOF)
        workers.append((process, ours))
    idle = list(reversed(workers))
    busy: dict[Any, Any] = {}  # connection -> its worker process
    try:
        while waiting or busy:
            while waiting and idle:
                process, connection = idle.pop()
                connection.send(waiting.pop())
                busy[connection] = process
            ready: list[Any] = multiprocessing.connection.wait(list(busy))
            for connection in ready:
                process = busy.pop(connection)
                try:
                    outcome: tuple[int, bool, Any] = connection.recv()
                except EOFError:
                    process.join()
                    raise error(f"a worker process died (exit status {process.exitcode})") from None
                index, succeeded, value = outcome
                if not succeeded:
                    raise value
                results[index] = value
                if on_result is not None:
                    on_result(value)
                idle.append((process, connection))
    finally:  # done, interrupted, or an item failed: the workers are stopped (idle ones hold nothing)
        for process, connection in workers:
            process.kill()
            process.join()
            connection.close()
    return results
