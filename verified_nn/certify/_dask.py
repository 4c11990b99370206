"""Certify images on an existing Dask distributed cluster (the optional extra ``dask``).

The network is sent to the workers once (scattered), then each image is one task running the same
pure :func:`certify_image` as the in-process and ``jobs`` paths, with BLAS held to one thread on the
worker. Results come back in the order of the images, so, time limits aside, they are the same
whichever way the images ran.
"""

from collections.abc import Callable, Sequence
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.core import require_extra
from verified_nn.network import Network

from ._driver import CertifyConfig, ImageResult, certify_image, single_blas_thread

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


def certify_on_cluster(
    network: Network[Any, Any],
    images: Array,
    labels: Sequence[int] | Array,
    config: CertifyConfig,
    *,
    scheduler: str,
    on_result: Callable[[ImageResult], object] | None = None,
) -> list[ImageResult]:
    """Certify each row of ``images`` ``(count, n)`` on the Dask cluster whose scheduler is at ``scheduler``
    (``tcp://host:8786``, or any address ``distributed.Client`` accepts); ``on_result`` as the image finishes.

    Raises MissingExtraError (one line) when ``distributed`` is not installed.
    """
    distributed = require_extra(
        "distributed", extra="dask", purpose="certify --scheduler (a Dask cluster)", package="distributed"
    )
    results: list[ImageResult | None] = [None] * len(images)
    with distributed.Client(scheduler, set_as_default=False) as client, client.as_current():
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
