"""One rule per ONNX operator: how it becomes verified-nn layers, given the shape of the tensor it takes.

The imported network takes flat rows: ``(batch, n)`` with ``n`` the number of values of one sample of
the ONNX input, in C order (the order VNNLIB's ``X_i`` count them). A :class:`Builder` tracks the ONNX
tensor's shape per sample and whether the network so far gives flat rows; a rule needing images
(``Conv``, the poolings) first adds a ``Reshape``, a rule needing rows (``Gemm``, ``MatMul``) a
``Flatten``. Each layer is built through ``layer_from_config``, the constructor model files use.
"""

import dataclasses
import math
from collections.abc import Callable
from typing import Any, Final

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.layers import Conv2D, Dense, Layer, Normalize, ShapePreserving, layer_from_config
from verified_nn.training import ModelError

from ._onnx_graph import Node

Array = np.ndarray[Any, Any]


@dataclasses.dataclass
class Builder:
    """The layers so far and the shape of the ONNX tensor they compute (one sample, no batch axis)."""

    shape: tuple[int, ...]  # the ONNX tensor's per-sample shape
    batched: bool  # whether the ONNX tensors carry a leading batch axis
    dtype: np.dtype[Any]
    layers: list[Layer[Any, Any]] = dataclasses.field(default_factory=list)
    flat: bool = True  # whether the layers so far give rows (batch, prod(shape))
    open_bias: bool = False  # the last layer is a Dense or Conv2D whose (zero) bias an Add may still fill

    def add(self, config: dict[str, Any], arrays: dict[str, Array] | None = None) -> None:
        try:
            layer = layer_from_config(config, arrays or {})
            material = (math.prod(self.shape),) if self.flat else self.shape
            produced = layer.output_shape(material)
        except (InvalidArgumentError, ShapeError) as error:
            raise ModelError(str(error)) from None
        self.layers.append(layer)
        self.open_bias = False
        if not isinstance(layer, ShapePreserving):  # an elementwise layer keeps the ONNX tensor's shape
            self.flat, self.shape = len(produced) == 1, produced

    def rows(self) -> int:
        """Make the layers give rows (adding a Flatten if they give images); the row width."""
        if not self.flat:
            self.add({"kind": "flatten"})
        return math.prod(self.shape)

    def images(self, where: str) -> tuple[int, int, int]:
        """Make the layers give ``(c, h, w)`` images (adding a Reshape if they give rows)."""
        if len(self.shape) != 3:
            raise ModelError(f"{where} needs images (channels, height, width), the tensor is {self.shape}")
        if self.flat:
            self.add({"kind": "reshape", "shape": list(self.shape)})
        c, h, w = self.shape
        return c, h, w

    def constant(self, node: Node, index: int) -> Array:
        value = node.constants[index] if index < len(node.constants) else None
        if value is None:
            raise ModelError(f"node {node.name!r} ({node.op}): input {index} must be a constant")
        return np.asarray(value)


def _weights(builder: Builder, node: Node, array: Array) -> Array:
    if array.dtype != builder.dtype:
        raise ModelError(f"node {node.name!r} ({node.op}): {array.dtype} weights in a {builder.dtype} network")
    return np.ascontiguousarray(array)


def _bias(builder: Builder, node: Node, value: Array | None, out: int) -> Array:
    if value is None:
        return np.zeros(out, dtype=builder.dtype)
    if (
        value.size not in (1, out)
        or (value.ndim and value.shape[-1] not in (1, out))
        or value.size != max(1, math.prod(s for s in value.shape if s != 1))
    ):
        raise ModelError(f"node {node.name!r} ({node.op}): a bias of shape {value.shape} for {out} outputs")
    return np.broadcast_to(_weights(builder, node, value).reshape(-1), (out,)).copy()


def _dense(builder: Builder, node: Node, weights: Array, bias: Array | None) -> None:
    width = builder.rows()
    if weights.ndim != 2 or weights.shape[1] != width:
        raise ModelError(f"node {node.name!r} ({node.op}): weights {weights.shape} for rows of {width}")
    out = weights.shape[0]
    builder.add(
        {"kind": "dense", "in": width, "out": out}, {"weight": weights, "bias": _bias(builder, node, bias, out)}
    )
    builder.open_bias = bias is None


def gemm(builder: Builder, node: Node) -> None:
    attributes = node.attributes
    if node.position != 0 or attributes.get("transA", 0) or attributes.get("alpha", 1.0) != 1.0:
        raise ModelError(f"node {node.name!r} (Gemm): only x B (+ C), with transA=0 and alpha=1, is supported")
    bias = node.constants[2] if len(node.constants) > 2 else None
    if bias is not None and attributes.get("beta", 1.0) != 1.0:
        raise ModelError(f"node {node.name!r} (Gemm): only beta=1 is supported")
    weights = _weights(builder, node, builder.constant(node, 1))
    _dense(builder, node, weights if attributes.get("transB", 0) else weights.T, bias)


def matmul(builder: Builder, node: Node) -> None:
    weights = _weights(builder, node, builder.constant(node, 1 - node.position))
    if node.position == 1 and builder.batched:
        raise ModelError(f"node {node.name!r} (MatMul): W x with a batch axis is not a layer")
    _dense(builder, node, weights.T if node.position == 0 else weights, None)


def _per_sample(builder: Builder, node: Node, value: Array) -> Array:
    """A constant broadcast against one sample: the batch axis, if it has one, dropped."""
    full = len(builder.shape) + builder.batched
    if value.ndim > full or (builder.batched and value.ndim == full and value.shape[0] != 1):
        raise ModelError(f"node {node.name!r} ({node.op}): a constant of shape {value.shape} for {builder.shape}")
    sample = value.reshape(value.shape[1:]) if value.ndim == full and builder.batched else value
    try:
        np.broadcast_shapes(sample.shape, builder.shape)
    except ValueError:
        raise ModelError(
            f"node {node.name!r} ({node.op}): a constant of shape {value.shape} for {builder.shape}"
        ) from None
    if np.broadcast_shapes(sample.shape, builder.shape) != builder.shape:
        raise ModelError(f"node {node.name!r} ({node.op}): a constant of shape {value.shape} widens the tensor")
    return _weights(builder, node, sample)


def _uniform(value: Array) -> bool:
    return bool(value.size == 0 or np.all(value == value.reshape(-1)[0]))


def _normalize(builder: Builder, node: Node, shift: Array | None, scale: Array | None) -> None:
    """Add ``(x - shift) / scale``; a Div right after a Sub completes the Sub's layer (the same two roundings)."""
    last = builder.layers[-1] if builder.layers else None
    if shift is None and isinstance(last, Normalize) and all(s == 1 for s in last.scale):
        builder.layers.pop()
        shift, _ = last.constants(builder.dtype)
    shift = np.zeros((), builder.dtype) if shift is None else shift
    scale = np.ones((), builder.dtype) if scale is None else scale
    if builder.flat and sum(size > 1 for size in builder.shape) > 1 and not (_uniform(shift) and _uniform(scale)):
        builder.images(f"node {node.name!r} ({node.op}) on a {builder.shape} tensor")
    if builder.flat:  # rows: the constants spelt out over the sample, in C order
        size = math.prod(builder.shape)
        shift, scale = (
            c.reshape(-1) if c.size == size else np.broadcast_to(c, builder.shape).reshape(-1) for c in (shift, scale)
        )
    else:
        common = np.broadcast_shapes(shift.shape, scale.shape)
        shift, scale = np.broadcast_to(shift, common), np.broadcast_to(scale, common)
    if _uniform(shift) and _uniform(scale):
        shift, scale = shift.reshape(-1)[:1].reshape(()), scale.reshape(-1)[:1].reshape(())
    config = {"kind": "normalize", "shape": list(shift.shape), "shift": shift.reshape(-1).tolist()}
    builder.add({**config, "scale": scale.reshape(-1).tolist()})


def add(builder: Builder, node: Node) -> None:
    value = _per_sample(builder, node, builder.constant(node, 1 - node.position))
    last = builder.layers[-1] if builder.layers else None
    if (
        builder.open_bias
        and isinstance(last, Dense)
        and value.size == last.shape[0]
        and value.shape[-1:]
        in (
            (last.shape[0],),
            (),
        )
    ):
        builder.layers[-1] = Dense(weights=last.weights, bias=value.reshape(-1).copy())
    elif (
        builder.open_bias
        and isinstance(last, Conv2D)
        and value.size == last.weights.shape[0]
        and value.shape[1:]
        in (
            (1, 1),
            (),
        )
    ):
        builder.layers[-1] = dataclasses.replace(last, bias=value.reshape(-1).copy())
    else:
        _normalize(builder, node, -value, None)
    builder.open_bias = False


def sub(builder: Builder, node: Node) -> None:
    if node.position != 0:
        raise ModelError(f"node {node.name!r} (Sub): only x - constant is supported")
    _normalize(builder, node, _per_sample(builder, node, builder.constant(node, 1)), None)


def div(builder: Builder, node: Node) -> None:
    if node.position != 0:
        raise ModelError(f"node {node.name!r} (Div): only x / constant is supported")
    scale = _per_sample(builder, node, builder.constant(node, 1))
    if np.any(scale == 0):
        raise ModelError(f"node {node.name!r} (Div): division by zero")
    _normalize(builder, node, None, scale)


def activation(kind: str) -> Callable[[Builder, Node], None]:
    def rule(builder: Builder, node: Node) -> None:
        if kind == "leaky_relu":
            builder.add({"kind": kind, "slope": float(node.attributes.get("alpha", 0.01))})
        else:
            builder.add({"kind": kind})

    return rule


def identity(builder: Builder, node: Node) -> None:
    if node.op == "Dropout" and len(node.constants) > 2 and node.constants[2] is not None and bool(node.constants[2]):
        raise ModelError(f"node {node.name!r} (Dropout): in training mode")


SUPPORTED: Final = (
    "Gemm, MatMul, Add, Sub, Div, Relu, LeakyRelu, Tanh, Sigmoid, Flatten, Reshape, Conv, MaxPool, AveragePool, "
    "Constant, Dropout, Identity"
)
