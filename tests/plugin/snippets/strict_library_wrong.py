"""Strict option on the library's own signatures: arrays of unknown static shape, and the hint naming
the library's way in for each."""

from typing import Any

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import Dense
from verified_nn.network import Batch, default_network

rng = np.random.default_rng(0)
network = default_network(rng)
dense = Dense.init(Dim(128), Dim(784), rng=rng)
rows: list[list[float]] = [[0.0] * 784] * 64
classes: list[int] = [0] * 64
images = rng.random((64, 784))

network.logits(np.load("images.npy"))  # E: [shape-unknown] "logits" of "Network": argument "x" has no static shape where (?, 784) is declared; pass it through verified_nn.core.as_image_batch(...)
network.predict(np.asarray(rows))  # E: [shape-unknown] "predict" of "Network": argument "x" has no static shape where (?, 784) is declared; pass it through verified_nn.core.as_image_batch(...)
dense.forward(np.asarray(rows, dtype=np.float32))  # E: [shape-unknown] "forward" of "Dense": argument "x" has no static shape where (B, 784) is declared; pass it through verified_nn.core.as_image_batch(...)
batch = Batch.of(np.asarray(rows)).labelled(np.asarray(classes))
network.loss_and_gradients(batch)  # E: [shape-unknown] "loss_and_gradients" of "Network": argument "batch" has no static shape where Batch[(?, 784)] is declared; build it as verified_nn.network.Batch.of(verified_nn.core.as_image_batch(...)).labelled(...)
Batch.of(images).labelled(np.asarray(classes))  # E: [shape-unknown] "labelled" of "Unlabelled": argument "labels" has no static shape where (64,) is declared; pass it through verified_nn.core.as_labels(...)


def from_a_file(path: str) -> Any:
    loaded: np.ndarray[Any, Any] = np.load(path)
    return network.probabilities(loaded)  # E: [shape-unknown] "probabilities" of "Network": argument "x" has no static shape where (?, 784) is declared; pass it through verified_nn.core.as_image_batch(...)
