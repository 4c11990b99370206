"""Manual backpropagation: the mean cross-entropy loss of a batch and its gradient for every parameter."""

from verified_nn.core import ImageBatch, LabelBatch, checked, cross_entropy_and_gradient

from ._dense import dense_backward, dense_forward
from ._mlp import MLP
from ._tree import from_parameters


def backprop(mlp: MLP, images: ImageBatch, labels: LabelBatch, *, seed: float = 1.0) -> tuple[float, MLP]:
    """The unchecked kernel of :func:`loss_and_gradients`, for callers that checked their arguments.

    Every gradient is linear in the upstream gradient of the loss, so ``seed`` scales them all at the
    cost of scaling one (batch, 10) array: ``seed=-lr`` yields the SGD step ``-lr * g`` directly.
    """
    pre_hidden, cache1 = dense_forward(mlp.layer1, images)  # (batch, 128)
    hidden = mlp.activation.function(pre_hidden)  # (batch, 128)
    logits, cache2 = dense_forward(mlp.layer2, hidden)  # (batch, 10)
    loss, d_logits = cross_entropy_and_gradient(logits, labels, seed=seed)  # (batch, 10), seed / batch

    d_hidden, d_w2, d_b2 = dense_backward(d_logits, cache2)  # (batch, 128), (10, 128), (10,)
    assert d_hidden is not None
    d_hidden *= mlp.activation.derivative(pre_hidden)  # (batch, 128): now the gradient of pre_hidden
    _, d_w1, d_b1 = dense_backward(d_hidden, cache1, input_gradient=False)  # (128, 784), (128,)
    return loss, from_parameters((d_w1, d_b1, d_w2, d_b2), like=mlp)


@checked
def loss_and_gradients(mlp: MLP, images: ImageBatch, labels: LabelBatch) -> tuple[float, MLP]:
    """Mean cross-entropy of the batch and its gradient, shaped like the parameters.

    Forward: ``z1 = x W1^T + b1`` (batch, 128); ``h = act(z1)``; ``z2 = h W2^T + b2`` (batch, 10);
    ``L = mean_b CE(z2_b, y_b)``. Backward: ``dz2 = (softmax(z2) - onehot(y)) / B``;
    ``dW2 = dz2^T h``; ``db2 = sum_b dz2``; ``dh = dz2 W2``; ``dz1 = dh * act'(z1)``; ``dW1 = dz1^T x``;
    ``db1 = sum_b dz1``.

    Args:
        mlp: the network; gradients come back in its dtype.
        images: ``(batch, 784)``.
        labels: ``(batch,)`` integers in [0, 10).
    Returns:
        ``(loss, gradients)``, where ``gradients`` is an MLP holding dW1, db1, dW2, db2.
    """
    return backprop(mlp, images, labels)


@checked
def loss(mlp: MLP, images: ImageBatch, labels: LabelBatch) -> float:
    """Mean cross-entropy of the batch (the forward half of :func:`loss_and_gradients`)."""
    return cross_entropy_and_gradient(mlp.logits(images), labels)[0]
