"""Running a function over many items in worker processes, each holding BLAS to one thread (as certify does).

Each item runs in a process of its own, at most ``jobs`` at a time, and sends its result back over a pipe
of its own: no queue or lock is shared between processes. Workers ignore Ctrl-C (the terminal sends it to
the whole process group): the caller alone is interrupted, kills the workers that are still running and
has every result that came back before (a ``multiprocessing.Pool`` interrupted so could hang on a lock a
dying worker held, and lost them all).
"""

import multiprocessing
import multiprocessing.connection
import signal
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from verified_nn.certify import single_blas_thread

from ._errors import SearchError

T = TypeVar("T")
R = TypeVar("R")


def _work(writer: Any, function: Callable[..., Any], item: Any, options: dict[str, Any]) -> None:
    """In the worker: the result of ``function(item, **options)``, or the exception it raised, sent back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller decides what an interrupt stops
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the caller's handler, inherited by fork
    try:
        with single_blas_thread():
            outcome: tuple[bool, Any] = (True, function(item, **options))
    except Exception as error:  # handed to the caller, which raises it
        outcome = (False, error)
    try:
        writer.send(outcome)
    except Exception as error:  # an outcome pickle cannot send: what went wrong goes instead
        writer.send((False, SearchError(f"{type(error).__name__}: {error}")))
    writer.close()


def map_in_processes(
    function: Callable[..., R],
    items: Sequence[T],
    *,
    jobs: int,
    on_result: Callable[[R], object] | None = None,
    **options: Any,
) -> list[R]:
    """``[function(item, **options) for item in items]`` in ``jobs`` processes (in this one for ``jobs == 1``),
    in the items' order; ``on_result`` is called with each result as it finishes. An exception raised for an
    item, or a worker that dies, stops the rest (SearchError for a death) and is raised here."""
    results: list[Any] = [None] * len(items)
    if jobs == 1:
        with single_blas_thread():
            for index, item in enumerate(items):
                results[index] = function(item, **options)
                if on_result is not None:
                    on_result(results[index])
        return results
    waiting = list(enumerate(items))[::-1]  # popped from the end: the items' order
    running: dict[int, tuple[Any, Any]] = {}  # index -> (process, the pipe's reading end)
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                index, item = waiting.pop()
                reader, writer = multiprocessing.Pipe(duplex=False)
                process = multiprocessing.Process(target=_work, args=(writer, function, item, options), daemon=True)
                process.start()
                writer.close()  # the worker holds it: its end (or its death) makes the reader ready
                running[index] = (process, reader)
            ready = multiprocessing.connection.wait([reader for _, reader in running.values()])
            for index in [i for i, (_, reader) in running.items() if reader in ready]:
                process, reader = running.pop(index)
                try:
                    succeeded, value = reader.recv()
                except EOFError:
                    process.join()
                    raise SearchError(f"a worker process died (exit status {process.exitcode})") from None
                finally:
                    reader.close()
                process.join()
                if not succeeded:
                    raise value
                results[index] = value
                if on_result is not None:
                    on_result(value)
    finally:  # interrupted, or an item failed: the workers still running are stopped now
        for process, reader in running.values():
            process.kill()
            process.join()
            reader.close()
    return results
