"""ONNX import: a chain of ONNX operators as a verified-nn network that computes what the graph computes.

Supported: ``Gemm`` and ``MatMul`` (with a following ``Add`` of a bias) as dense layers, ``Conv`` as a
convolution, ``MaxPool`` and ``AveragePool``, ``Relu``, ``LeakyRelu`` and ``Tanh``, ``Flatten`` and
``Reshape``, ``Sub``, ``Div`` and ``Add`` by constants as a :class:`~verified_nn.layers.Normalize` layer
(kept as a layer so the arithmetic is the graph's), ``Constant``, and ``Dropout`` and ``Identity`` (the
identity at inference). Any other operator is refused by name. The network takes flat rows: one sample
of the ONNX input in C order. :func:`load_onnx` checks the result against onnxruntime.
"""

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import numpy as np

from verified_nn.core import ShapeError
from verified_nn.layers import layer_from_config
from verified_nn.network import Network
from verified_nn.training import ModelError, check_network

from . import _onnx_rules as rules
from ._onnx_graph import Chain, Node, chain_of, onnx_module, read_onnx
from ._onnx_rules import Builder


def _flatten(builder: Builder, node: Node) -> None:
    axis = node.attributes.get("axis", 1)
    if not builder.batched or axis not in (1, 1 - len(builder.shape) - 1):
        raise ModelError(f"node {node.name!r} (Flatten): only flattening each sample (axis 1) is supported")
    builder.rows()
    builder.shape = (math.prod(builder.shape),)


def _reshape(builder: Builder, node: Node) -> None:
    target = [int(v) for v in builder.constant(node, 1).reshape(-1)]
    size = math.prod(builder.shape)
    full = ([1] if builder.batched else []) + list(builder.shape)
    if not node.attributes.get("allowzero", 0):
        target = [full[i] if v == 0 and i < len(full) else v for i, v in enumerate(target)]
    if builder.batched:
        if len(target) < 2 or target[0] not in (1, -1):
            raise ModelError(f"node {node.name!r} (Reshape): to {target}, which does not keep the batch axis")
        target = target[1:]
    if target.count(-1) == 1:
        known = math.prod(v for v in target if v != -1)
        target = [size // known if v == -1 and known and size % known == 0 else v for v in target]
    if any(v < 1 for v in target) or math.prod(target) != size:
        raise ModelError(f"node {node.name!r} (Reshape): cannot reshape {builder.shape} to {target}")
    builder.rows()
    builder.shape = tuple(target)


def _window(node: Node, kernel: tuple[int, int]) -> tuple[list[int], list[int]]:
    """``(stride, padding)`` of a Conv or pool node; ModelError for what the layers cannot do."""
    attributes = node.attributes
    if attributes.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID") or attributes.get("ceil_mode", 0):
        raise ModelError(f"node {node.name!r} ({node.op}): auto_pad or ceil_mode is not supported")
    if any(d != 1 for d in attributes.get("dilations", [1, 1])) or attributes.get("storage_order", 0):
        raise ModelError(f"node {node.name!r} ({node.op}): dilations are not supported")
    if list(attributes.get("kernel_shape", kernel)) != list(kernel):
        raise ModelError(f"node {node.name!r} ({node.op}): kernel_shape differs from the weights")
    pads = list(attributes.get("pads", [0, 0, 0, 0]))
    if len(pads) != 4 or pads[:2] != pads[2:]:
        raise ModelError(f"node {node.name!r} ({node.op}): only the same padding on both sides, got pads {pads}")
    stride = list(attributes.get("strides", [1, 1]))
    return stride, pads[:2]


def _conv(builder: Builder, node: Node) -> None:
    builder.images(f"node {node.name!r} (Conv)")
    if node.attributes.get("group", 1) != 1:
        raise ModelError(f"node {node.name!r} (Conv): grouped convolutions are not supported")
    weights = builder.constant(node, 1)
    if weights.ndim != 4 or weights.dtype != builder.dtype:
        raise ModelError(
            f"node {node.name!r} (Conv): weights {weights.dtype}{list(weights.shape)}, expected 2-D kernels"
        )
    out, _, kh, kw = weights.shape
    stride, padding = _window(node, (kh, kw))
    bias = node.constants[2] if len(node.constants) > 2 else None
    if bias is not None and (bias.shape != (out,) or bias.dtype != builder.dtype):
        raise ModelError(f"node {node.name!r} (Conv): bias {bias.shape}, expected ({out},)")
    arrays = {"weight": np.ascontiguousarray(weights), "bias": np.zeros(out, builder.dtype) if bias is None else bias}
    config = {"kind": "conv2d", "in": weights.shape[1], "out": out, "kernel": [kh, kw]}
    builder.add({**config, "stride": stride, "padding": padding}, arrays)
    builder.open_bias = bias is None


def _pool(builder: Builder, node: Node) -> None:
    builder.images(f"node {node.name!r} ({node.op})")
    kernel = list(node.attributes.get("kernel_shape", []))
    if len(kernel) != 2:
        raise ModelError(f"node {node.name!r} ({node.op}): kernel_shape {kernel}, expected two sizes")
    stride, padding = _window(node, (kernel[0], kernel[1]))
    if node.op == "AveragePool" and any(padding) and not node.attributes.get("count_include_pad", 0):
        raise ModelError(f"node {node.name!r} (AveragePool): padding must count as zeros (count_include_pad=1)")
    kind = "max_pool2d" if node.op == "MaxPool" else "avg_pool2d"
    builder.add({"kind": kind, "kernel": kernel, "stride": stride, "padding": padding})


RULES: Final[dict[str, Callable[[Builder, Node], None]]] = {
    "Gemm": rules.gemm,
    "MatMul": rules.matmul,
    "Add": rules.add,
    "Sub": rules.sub,
    "Div": rules.div,
    "Relu": rules.activation("relu"),
    "LeakyRelu": rules.activation("leaky_relu"),
    "Tanh": rules.activation("tanh"),
    "Sigmoid": rules.activation("sigmoid"),
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Conv": _conv,
    "MaxPool": _pool,
    "AveragePool": _pool,
    "Dropout": rules.identity,
    "Identity": rules.identity,
}


def sample_shape(chain: Chain) -> tuple[tuple[int, ...], bool]:
    """``(shape of one sample, whether the input has a batch axis)`` from the input's declared dimensions.

    An input of two or more dimensions has a batch axis first (of size 1 or symbolic); one of a single
    dimension is one sample.
    """
    dims = chain.input_shape
    batched = len(dims) >= 2
    sample = dims[1:] if batched else dims
    fixed = bool(sample) and all(isinstance(d, int) and d >= 1 for d in sample)
    if not fixed or (batched and not (dims[0] == 1 or isinstance(dims[0], str))):
        raise ModelError(f"input {chain.input_name!r} has dimensions {list(dims)}: expected (batch, fixed sizes...)")
    return tuple(int(d) for d in sample), batched


def network_of_chain(chain: Chain) -> Network[Any, Any]:
    """The network computing ``chain`` on flat rows; ModelError naming the first operator it cannot take."""
    shape, batched = sample_shape(chain)
    builder = Builder(shape=shape, batched=batched, dtype=chain.dtype)
    for node in chain.nodes:
        rule = RULES.get(node.op)
        if rule is None:
            raise ModelError(
                f"ONNX operator {node.op} (node {node.name!r}) is not supported; supported: {rules.SUPPORTED}"
            )
        rule(builder, node)
    builder.rows()
    width = math.prod(shape)
    if not builder.layers or builder.layers[0].input_shape() is None:
        builder.layers.insert(0, layer_from_config({"kind": "reshape", "shape": [width]}, {}))
    try:
        network: Network[Any, Any] = Network(tuple(builder.layers))
    except ShapeError as error:
        raise ModelError(str(error)) from None
    if network.input_shape() != (width,):
        raise ModelError(f"the imported layers take {network.input_shape()}, the input has {width} values")
    return network


def from_onnx(model: Any) -> Network[Any, Any]:
    """The network an ``onnx.ModelProto`` computes (no onnxruntime check: see :func:`load_onnx`)."""
    return network_of_chain(chain_of(model))


def load_onnx(path: str | Path, *, check: bool = True) -> Network[Any, Any]:
    """The network of the ONNX file at ``path``; with ``check``, compared with onnxruntime on random inputs.

    ModelError (one line, naming the file) for an unreadable file, an unsupported operator or a mismatch.
    """
    from ._onnx_check import compare_with_onnxruntime

    model = read_onnx(path)
    onnx_module()
    try:
        network = from_onnx(model)
        check_network(network, None)  # NaN or infinite weights: named, before any comparison blames an operator
        if check:
            compare_with_onnxruntime(model, network)
    except ModelError as error:
        raise ModelError(f"{path}: {error}") from None
    return network
