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


def _zero_padded(x: Array, padding: tuple[int, int], fill: float = 0.0) -> Array:
    ph, pw = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)


def _positions(size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int]) -> list[tuple[int, int]]:
    """Every output position (p, q) of a window sliding over a padded image of ``size``."""
    rows = range(0, size[0] - kernel[0] + 1, stride[0])
    columns = range(0, size[1] - kernel[1] + 1, stride[1])
    return [(p, q) for p in range(len(rows)) for q in range(len(columns))]


def conv2d(x: Node, w: Node, b: Node, stride: tuple[int, int], padding: tuple[int, int]) -> Node:
    """Cross-correlation by an explicit loop over output positions; each VJP loops over them too."""
    xp = _zero_padded(x.value, padding)
    kh, kw = w.value.shape[2:]
    positions = _positions(xp.shape[2:], (kh, kw), stride)
    oh, ow = positions[-1][0] + 1, positions[-1][1] + 1
    y = np.zeros((x.value.shape[0], w.value.shape[0], oh, ow))
    for p, q in positions:
        patch = xp[:, :, p * stride[0] : p * stride[0] + kh, q * stride[1] : q * stride[1] + kw]  # (B, C, kh, kw)
        y[:, :, p, q] = np.einsum("bcij,ocij->bo", patch, w.value) + b.value

    def back_x(g: Array) -> Array:
        dxp = np.zeros_like(xp)
        for p, q in positions:
            dxp[:, :, p * stride[0] : p * stride[0] + kh, q * stride[1] : q * stride[1] + kw] += np.einsum(
                "bo,ocij->bcij", g[:, :, p, q], w.value
            )
        return dxp[:, :, padding[0] : dxp.shape[2] - padding[0], padding[1] : dxp.shape[3] - padding[1]]

    def back_w(g: Array) -> Array:
        dw = np.zeros_like(w.value)
        for p, q in positions:
            patch = xp[:, :, p * stride[0] : p * stride[0] + kh, q * stride[1] : q * stride[1] + kw]
            dw += np.einsum("bo,bcij->ocij", g[:, :, p, q], patch)
        return dw

    return Node(y, ((x, back_x), (w, back_w), (b, lambda g: g.sum(axis=(0, 2, 3)))))


def pool2d(x: Node, kind: str, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]) -> Node:
    """Max (first maximum in row-major window order) or average pooling, by a loop over output positions."""
    xp = _zero_padded(x.value, padding, fill=-np.inf if kind == "max" else 0.0)
    kh, kw = kernel
    positions = _positions(xp.shape[2:], kernel, stride)
    batch, channels = x.value.shape[:2]
    y = np.zeros((batch, channels, positions[-1][0] + 1, positions[-1][1] + 1))
    winners = {}
    for p, q in positions:
        patch = xp[:, :, p * stride[0] : p * stride[0] + kh, q * stride[1] : q * stride[1] + kw]
        flat = patch.reshape(batch, channels, kh * kw)
        if kind == "max":
            winners[p, q] = flat.argmax(axis=2)  # (B, C): the first maximum
            y[:, :, p, q] = flat.max(axis=2)
        else:
            y[:, :, p, q] = flat.sum(axis=2) / (kh * kw)

    def back(g: Array) -> Array:
        dxp = np.zeros_like(xp)
        rows, columns = np.meshgrid(np.arange(batch), np.arange(channels), indexing="ij")
        for p, q in positions:
            top, left = p * stride[0], q * stride[1]
            if kind == "max":
                chosen = winners[p, q]
                np.add.at(dxp, (rows, columns, top + chosen // kw, left + chosen % kw), g[:, :, p, q])
            else:
                dxp[:, :, top : top + kh, left : left + kw] += g[:, :, p, q][:, :, None, None] / (kh * kw)
        return dxp[:, :, padding[0] : dxp.shape[2] - padding[0], padding[1] : dxp.shape[3] - padding[1]]

    return Node(y, ((x, back),))


def reshape(a: Node, shape: tuple[int, ...]) -> Node:
    return Node(a.value.reshape(shape), ((a, lambda g: g.reshape(a.value.shape)),))


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

    ``spec`` holds ``("dense", W, b)``, ``("relu",)``, ``("leaky_relu", slope)``, ``("tanh",)``,
    ``("scale", factors)`` (a fixed dropout mask), ``("conv2d", W, b, stride, padding)``,
    ``("max_pool2d", kernel, stride, padding)``, ``("avg_pool2d", kernel, stride, padding)`` and
    ``("reshape", per-sample shape)`` in order; the loss is the mean cross-entropy. The gradients come
    back in order: W then b for each dense or conv2d entry.
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
        elif operation == "conv2d":
            weights, bias = Node(arguments[0]), Node(arguments[1])
            params += [weights, bias]
            h = conv2d(h, weights, bias, arguments[2], arguments[3])
        elif operation in ("max_pool2d", "avg_pool2d"):
            h = pool2d(h, operation[:3], *arguments)
        elif operation == "reshape":
            h = reshape(h, (h.value.shape[0], *arguments[0]))
        else:
            raise ValueError(f"unknown operation {operation}")
    # log-sum-exp without the max shift: the test inputs keep the logits small.
    log_partition = log(row_sum(exp(h)))
    loss = mean(subtract(log_partition, pick(h, labels)))
    return float(loss.value), gradients(loss, params)
