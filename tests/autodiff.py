"""A minimal reverse-mode automatic differentiation over numpy, independent of verified_nn's backprop.

Each operation records its inputs and a vector-Jacobian product written for that operation alone; the
network's gradient then comes from the chain rule applied by :func:`gradients`, not from the fused
formulas (``softmax - onehot``) that ``verified_nn.network`` uses.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]


class Node:
    def __init__(self, value: Array, parents: tuple[tuple["Node", Callable[[Array], Array]], ...] = ()):
        self.value = np.asarray(value, dtype=np.float64)
        self.parents = parents


def matmul(a: Node, b: Node) -> Node:
    return Node(a.value @ b.value, ((a, lambda g: g @ b.value.T), (b, lambda g: a.value.T @ g)))


def transpose(a: Node) -> Node:
    return Node(a.value.T, ((a, lambda g: g.T),))


def add_row(a: Node, row: Node) -> Node:
    return Node(a.value + row.value, ((a, lambda g: g), (row, lambda g: g.sum(axis=0))))


def relu(a: Node) -> Node:
    return Node(np.maximum(a.value, 0), ((a, lambda g: g * (a.value > 0)),))


def leaky_relu(a: Node, slope: float) -> Node:
    return Node(
        np.where(a.value > 0, a.value, slope * a.value), ((a, lambda g: g * np.where(a.value > 0, 1.0, slope)),)
    )


def tanh(a: Node) -> Node:
    value = np.tanh(a.value)
    return Node(value, ((a, lambda g: g * (1 - value**2)),))


def scale(a: Node, factors: Array) -> Node:
    return Node(a.value * factors, ((a, lambda g: g * factors),))


def exp(a: Node) -> Node:
    value = np.exp(a.value)
    return Node(value, ((a, lambda g: g * value),))


def log(a: Node) -> Node:
    return Node(np.log(a.value), ((a, lambda g: g / a.value),))


def row_sum(a: Node) -> Node:
    return Node(a.value.sum(axis=1), ((a, lambda g: np.broadcast_to(g[:, None], a.value.shape)),))


def subtract(a: Node, b: Node) -> Node:
    return Node(a.value - b.value, ((a, lambda g: g), (b, lambda g: -g)))


def pick(a: Node, columns: Array) -> Node:
    rows = np.arange(a.value.shape[0])

    def back(g: Array) -> Array:
        out = np.zeros_like(a.value)
        out[rows, columns] = g
        return out

    return Node(a.value[rows, columns], ((a, back),))


def mean(a: Node) -> Node:
    return Node(np.array(a.value.mean()), ((a, lambda g: np.full(a.value.shape, g / a.value.size)),))


def gradients(output: Node, inputs: list[Node]) -> list[Array]:
    """d output / d input for each input, by reverse accumulation in topological order."""
    order: list[Node] = []
    seen: set[int] = set()

    def visit(node: Node) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent, _ in node.parents:
            visit(parent)
        order.append(node)

    visit(output)
    adjoint: dict[int, Array] = {id(output): np.ones_like(output.value)}
    for node in reversed(order):
        g = adjoint.get(id(node))
        if g is None:
            continue
        for parent, vjp in node.parents:
            adjoint[id(parent)] = adjoint.get(id(parent), 0) + vjp(g)
    return [adjoint.get(id(node), np.zeros_like(node.value)) for node in inputs]


def network_loss_gradients(spec: list[tuple[Any, ...]], images: Array, labels: Array) -> tuple[float, list[Array]]:
    """Loss and parameter gradients of a network given as a plain list of operations, by autodiff.

    ``spec`` holds ``("dense", W, b)``, ``("relu",)``, ``("leaky_relu", slope)``, ``("tanh",)`` and
    ``("scale", factors)`` (a fixed dropout mask) in order; the loss is the mean cross-entropy. The
    gradients come back in order: W then b for each dense entry.
    """
    params: list[Node] = []
    h = Node(images)
    for operation, *arguments in spec:
        if operation == "dense":
            weights, bias = Node(arguments[0]), Node(arguments[1])
            params += [weights, bias]
            h = add_row(matmul(h, transpose(weights)), bias)
        elif operation == "relu":
            h = relu(h)
        elif operation == "leaky_relu":
            h = leaky_relu(h, arguments[0])
        elif operation == "tanh":
            h = tanh(h)
        elif operation == "scale":
            h = scale(h, arguments[0])
        else:
            raise ValueError(f"unknown operation {operation}")
    # log-sum-exp without the max shift: the test inputs keep the logits small.
    log_partition = log(row_sum(exp(h)))
    loss = mean(subtract(log_partition, pick(h, labels)))
    return float(loss.value), gradients(loss, params)
