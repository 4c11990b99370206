"""Certify images on an existing Dask distributed cluster (the optional extra ``dask``).

The network is sent to the workers once (scattered), then each image is one task running the same
pure :func:`certify_image` as the in-process and ``jobs`` paths, with BLAS held to one thread on the
worker. Results come back in the order of the images, so, time limits aside, they are the same
whichever way the images ran. The address is checked and the scheduler probed first, within
``connect_timeout`` seconds (:mod:`._scheduler`), so a bad address fails fast, before the client starts.
"""

from collections.abc import Callable, Sequence
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.core import require_extra
from verified_nn.network import Network

from ._driver import CertifyConfig, ImageResult, certify_image
from ._errors import CertifyError
from ._processes import single_blas_thread
from ._scheduler import DEFAULT_CONNECT_TIMEOUT, parse_address, probe_scheduler

Array: TypeAlias = np.ndarray[Any, Any]
IMAGES_PER_TASK: Final = 20


def _certify_on_worker(
    network: Network[Any, Any], images: Array, labels: list[int], config: CertifyConfig, start: int
) -> list[ImageResult]:
    """Images ``start``, ``start + 1``, ... on a worker, with one BLAS thread (the workers are the parallelism)."""
    with single_blas_thread():
        return [
            certify_image(network, image, label, config, index=start + offset)
            for offset, (image, label) in enumerate(zip(images, labels, strict=True))
        ]


def _client(distributed: Any, scheduler: str, connect_timeout: float) -> Any:
    """A client of the scheduler at ``scheduler``, its address checked and the scheduler probed first (an
    ``inproc://`` cluster of this process is not probed); CertifyError naming ``--scheduler`` otherwise."""
    if not scheduler.startswith("inproc://"):
        address = parse_address(scheduler)
        probe_scheduler(address, timeout=connect_timeout)
        scheduler = str(address)
    try:
        return distributed.Client(scheduler, timeout=connect_timeout, set_as_default=False)
    except Exception as error:  # distributed raises OSError, TimeoutError, ValueError, CommClosedError, ...
        first = (str(error).splitlines() or [type(error).__name__])[0]
        raise CertifyError(f"--scheduler {scheduler}: the Dask client could not start ({first})") from None


def certify_on_cluster(
    network: Network[Any, Any],
    images: Array,
    labels: Sequence[int] | Array,
    config: CertifyConfig,
    *,
    scheduler: str,
    on_result: Callable[[ImageResult], object] | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> list[ImageResult]:
    """Certify each row of ``images`` ``(count, n)`` on the Dask cluster whose scheduler is at ``scheduler``
    (``tcp://host:8786``, ``tls://host:port``, ``host:port``; or an ``inproc://`` address of a cluster in
    this process); ``on_result`` as the image finishes.

    The address's form is checked at once, and the scheduler must answer a Dask handshake within
    ``connect_timeout`` seconds: CertifyError (one line naming ``--scheduler``) otherwise, and for a
    client that fails to start. MissingExtraError (one line) when ``distributed`` is not installed.
    """
    distributed = require_extra(
        "distributed", extra="dask", purpose="certify --scheduler (a Dask cluster)", package="distributed"
    )
    client = _client(distributed, scheduler, connect_timeout)
    results: list[ImageResult | None] = [None] * len(images)
    with client, client.as_current():
        [shared] = client.scatter([network], broadcast=True)
        futures = [
            client.submit(
                _certify_on_worker,
                shared,
                images[start : start + IMAGES_PER_TASK],
                [int(label) for label in labels[start : start + IMAGES_PER_TASK]],
                config,
                start,
                pure=False,
            )
            for start in range(0, len(images), IMAGES_PER_TASK)
        ]
        for future in distributed.as_completed(futures):
            chunk: list[ImageResult] = future.result()
            for result in chunk:
                results[result.index] = result
                if on_result is not None:
                    on_result(result)
    return [result for result in results if result is not None]


def _run_on_worker(function: Callable[..., Any], item: Any, options: dict[str, Any]) -> Any:
    with single_blas_thread():
        return function(item, **options)


def map_on_cluster(
    function: Callable[..., Any],
    items: Sequence[Any],
    *,
    scheduler: str,
    purpose: str,
    on_result: Callable[[Any], object] | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    **options: Any,
) -> list[Any]:
    """``[function(item, **options) for item in items]``, one task per item on the Dask cluster at ``scheduler``
    (each worker holding BLAS to one thread), in the items' order; ``on_result`` as each finishes.

    ``function`` must be a top-level function (the workers import it). ``purpose`` names the command in
    the one-line MissingExtraError when ``distributed`` is not installed. The address is checked and the
    scheduler probed within ``connect_timeout`` seconds first, as for :func:`certify_on_cluster`.
    """
    distributed = require_extra("distributed", extra="dask", purpose=purpose, package="distributed")
    results: list[Any] = [None] * len(items)
    client = _client(distributed, scheduler, connect_timeout)
    with client, client.as_current():
        futures = {
            client.submit(_run_on_worker, function, item, options, pure=False): index
            for index, item in enumerate(items)
        }
        for future in distributed.as_completed(futures):
            results[futures[future]] = future.result()
            if on_result is not None:
                on_result(results[futures[future]])
    return results
