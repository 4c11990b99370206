"""The library's ways in given arrays they refuse at run time, and the batch sizes they keep: with the plugin,
mypy names the shapes (mypy alone sees ``values: Any`` and a batch of size ``int``)."""

import numpy as np

from verified_nn.core import Dim, as_image, as_image_batch, as_labels
from verified_nn.layers import Conv2D, Flatten, MaxPool2D, Reshape
from verified_nn.network import Batch, Network, default_network
from verified_nn.predict import as_model_input

rng = np.random.default_rng(0)
network = default_network(rng)
as_image_batch(rng.random((16, 28, 28)))  # E: [shape] "as_image_batch": expects (?, 784), got (16, 28, 28)
as_image_batch(rng.random((784, 16)))  # E: [shape] "as_image_batch": expects (?, 784), got (784, 16)
as_image(rng.random((4, 784)))  # E: [shape] "as_image": expects (784,), got (4, 784)
as_labels(rng.integers(0, 10, size=(16, 2)))  # E: [shape] "as_labels": expects (?,), got (16, 2)
as_labels(rng.random(16))  # E: [shape] "as_labels": expects integer values, got float64
as_image_batch(np.zeros((4, 784), dtype=np.float16))  # E: [shape] "as_image_batch": expects float32/float64 or integer or bool values, got float16
as_model_input(rng.random((4, 32, 32)))  # E: [shape] "as_model_input": expects one example (784,) or (28, 28), or a batch of them, got (4, 32, 32)

images = as_image_batch(rng.random((64, 784)))
labels = as_labels(rng.integers(0, 10, size=32))
Batch.of(images).labelled(labels)  # E: [arg-type] Argument 1 to "labelled" of "Unlabelled" has incompatible type "ndarray[tuple[Literal[32]], dtype[integer[Any]]]"; expected "ndarray[tuple[Literal[64]], dtype[integer[Any]]]"
images[labels == 0]  # E: [shape] index: the boolean index has size 32 at axis 0, which has size 64 (images: (64, 784))
images - images.mean(axis=1)  # E: [shape] subtract: sizes differ and neither is 1: 784 (images: (64, 784)) and 64 (images.mean(...): (64,))
network.predict(images) == labels  # E: [shape] equal: sizes differ and neither is 1: 64 (network.predict(...): (64,)) and 32 (labels: (32,))
network.probabilities(as_model_input(rng.random((4, 28, 28)))).sum(axis=1) @ rng.random(10)  # E: [shape] matmul: inner sizes differ: 4 (network.probabilities(...).sum(...): (4,)) and 10 (rng.random(...): (10,))
convolved = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(8, 1, kernel=5, rng=rng)).then(MaxPool2D(2))
convolved.then(Flatten.to(Dim(8 * 12 * 13)))  # E: [shape] "then" of "Network": Flatten cannot take (8, 12, 12): it declares width 1248, and 8*12*12 = 1152
