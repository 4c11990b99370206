"""ONNX export: the network's layers written one by one as ONNX operators, for onnxruntime and other runtimes.

Each layer kind has one rule: a dense layer is ``Gemm(x, W, b, transB=1)`` (``x W^T + b``, the weights
kept in their ``(out, in)`` layout), ReLU is ``Relu``, leaky ReLU is ``LeakyRelu`` with ``alpha`` = its
slope, tanh is ``Tanh``, and dropout, the identity at inference, writes nothing. Image layers: a reshape
is ``Reshape`` to ``(-1, *shape)``, a convolution ``Conv`` (weights ``(out, in, kh, kw)`` as they are), max
and average pooling ``MaxPool`` and ``AveragePool`` (``count_include_pad=1``: padding counts as zeros, as
here), a flatten ``Flatten(axis=1)``, a normalisation ``Sub`` then ``Div``. ONNX writes paddings as
``(top, left, bottom, right)``. The graph takes ``input`` ``(batch, 784)`` and gives ``logits`` and
``probabilities`` (``Softmax`` over the classes), in the network's dtype. Needs the ``onnx`` extra.
"""

import functools
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np

from verified_nn.core import InvalidArgumentError, require_extra
from verified_nn.files import write_output
from verified_nn.layers import AvgPool2D, Conv2D, Dense, Layer, LeakyReLU, MaxPool2D, Normalize, Reshape
from verified_nn.network import Network
from verified_nn.training import architecture_json, check_network

OPSET: Final = 17  # Gemm, Relu, LeakyRelu, Tanh, Softmax(axis) in their current forms; widely supported
IR_VERSION: Final = 8  # the IR version that goes with opset 17
INPUT: Final = "input"
OUTPUTS: Final = ("logits", "probabilities")

# Layer kind -> rule(onnx, layer, index, input name, output name) -> (nodes, initializers).
Rule = Callable[[Any, Layer[Any, Any], int, str, str], tuple[list[Any], list[Any]]]


def _onnx() -> Any:
    return require_extra("onnx", extra="onnx", purpose="ONNX export")


def _dense(onnx: Any, layer: Layer[Any, Any], index: int, x: str, y: str) -> tuple[list[Any], list[Any]]:
    assert isinstance(layer, Dense)
    weight, bias = f"{index}.weight", f"{index}.bias"
    initializers = [
        onnx.numpy_helper.from_array(np.ascontiguousarray(layer.weights), weight),
        onnx.numpy_helper.from_array(np.ascontiguousarray(layer.bias), bias),
    ]
    node = onnx.helper.make_node("Gemm", [x, weight, bias], [y], name=f"{index}.dense", transB=1)
    return [node], initializers


def _elementwise(operator: str) -> Rule:
    def rule(onnx: Any, layer: Layer[Any, Any], index: int, x: str, y: str) -> tuple[list[Any], list[Any]]:
        return [onnx.helper.make_node(operator, [x], [y], name=f"{index}.{layer.kind}")], []

    return rule


def _leaky(onnx: Any, layer: Layer[Any, Any], index: int, x: str, y: str) -> tuple[list[Any], list[Any]]:
    assert isinstance(layer, LeakyReLU)
    return [onnx.helper.make_node("LeakyRelu", [x], [y], name=f"{index}.leaky_relu", alpha=float(layer.slope))], []


def _reshape(onnx: Any, layer: Layer[Any, Any], index: int, x: str, y: str) -> tuple[list[Any], list[Any]]:
    assert isinstance(layer, Reshape)
    shape = f"{index}.shape"
    initializer = onnx.numpy_helper.from_array(np.array([-1, *layer.shape], dtype=np.int64), shape)
    return [onnx.helper.make_node("Reshape", [x, shape], [y], name=f"{index}.reshape")], [initializer]


def _window(kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]) -> dict[str, list[int]]:
    """The ONNX attributes of a window: padding twice, ``(top, left, bottom, right)``."""
    return {"kernel_shape": list(kernel), "strides": list(stride), "pads": [*padding, *padding]}


def _conv(onnx: Any, layer: Layer[Any, Any], index: int, x: str, y: str) -> tuple[list[Any], list[Any]]:
    assert isinstance(layer, Conv2D)
    weight, bias = f"{index}.weight", f"{index}.bias"
    initializers = [
        onnx.numpy_helper.from_array(np.ascontiguousarray(layer.weights), weight),
        onnx.numpy_helper.from_array(np.ascontiguousarray(layer.bias), bias),
    ]
    settings = layer.config()
    window = _window(layer.kernel, tuple(settings["stride"]), tuple(settings["padding"]))
    node = onnx.helper.make_node("Conv", [x, weight, bias], [y], name=f"{index}.conv2d", **window)
    return [node], initializers


def _pool(onnx: Any, layer: Layer[Any, Any], index: int, x: str, y: str) -> tuple[list[Any], list[Any]]:
    assert isinstance(layer, MaxPool2D | AvgPool2D)
    window = _window(*layer.window())
    if isinstance(layer, MaxPool2D):
        return [onnx.helper.make_node("MaxPool", [x], [y], name=f"{index}.max_pool2d", **window)], []
    node = onnx.helper.make_node("AveragePool", [x], [y], name=f"{index}.avg_pool2d", count_include_pad=1, **window)
    return [node], []


def _normalize(
    onnx: Any, layer: Layer[Any, Any], index: int, x: str, y: str, *, dtype: Any
) -> tuple[list[Any], list[Any]]:
    """``Sub`` then ``Div`` by the constants in the network's dtype: the layer's two roundings, in order."""
    assert isinstance(layer, Normalize)
    shift, scale = (f"{index}.shift", f"{index}.scale")
    initializers = [
        onnx.numpy_helper.from_array(array, name)
        for array, name in zip(layer.constants(dtype), (shift, scale), strict=True)
    ]
    nodes = [
        onnx.helper.make_node("Sub", [x, shift], [f"{index}.shifted"], name=f"{index}.sub"),
        onnx.helper.make_node("Div", [f"{index}.shifted", scale], [y], name=f"{index}.div"),
    ]
    return nodes, initializers


def _flatten(onnx: Any, layer: Layer[Any, Any], index: int, x: str, y: str) -> tuple[list[Any], list[Any]]:
    return [onnx.helper.make_node("Flatten", [x], [y], name=f"{index}.flatten", axis=1)], []


RULES: Final[dict[str, Rule | None]] = {
    "dense": _dense,
    "relu": _elementwise("Relu"),
    "leaky_relu": _leaky,
    "tanh": _elementwise("Tanh"),
    "dropout": None,  # the identity at inference: no node
    "reshape": _reshape,
    "conv2d": _conv,
    "max_pool2d": _pool,
    "avg_pool2d": _pool,
    "flatten": _flatten,
    "normalize": None,  # written by _normalize, which needs the network's dtype
}


def to_onnx(network: Network[Any, Any], *, metadata: Mapping[str, str] | None = None) -> Any:
    """The network as an ``onnx.ModelProto`` (opset 17), checked by ``onnx.checker.check_model``.

    ``metadata`` (for example a model file's ``dataset``) is stored in the model's ``metadata_props``
    next to ``verified_nn_architecture`` (the layer list, as model files record it).
    InvalidArgumentError for a layer kind without a rule (the message lists those with one).
    """
    onnx = _onnx()
    elem = onnx.helper.np_dtype_to_tensor_dtype(network.dtype)
    shape = network.input_shape()
    if shape is None:
        raise InvalidArgumentError("ONNX export: the network accepts any input shape; its first layer must fix one")
    nodes: list[Any] = []
    initializers: list[Any] = []
    current = INPUT
    for index, layer in enumerate(network.layers):
        if layer.kind not in RULES:
            raise InvalidArgumentError(
                f"ONNX export: no rule for layer {index} ({layer.kind or type(layer).__name__}); "
                f"supported: {', '.join(RULES)}"
            )
        rule = functools.partial(_normalize, dtype=network.dtype) if layer.kind == "normalize" else RULES[layer.kind]
        if rule is None:
            continue
        output = f"{index}.out"
        new_nodes, new_initializers = rule(onnx, layer, index, current, output)
        nodes += new_nodes
        initializers += new_initializers
        current = output
    if nodes:  # the last operator writes the logits
        nodes[-1].output[0] = OUTPUTS[0]
    else:  # only identity layers
        nodes.append(onnx.helper.make_node("Identity", [current], [OUTPUTS[0]], name="logits"))
    nodes.append(onnx.helper.make_node("Softmax", [OUTPUTS[0]], [OUTPUTS[1]], name="softmax", axis=-1))
    classes = network.classes
    graph = onnx.helper.make_graph(
        nodes,
        "verified-nn",
        [onnx.helper.make_tensor_value_info(INPUT, elem, ["batch", *shape])],
        [onnx.helper.make_tensor_value_info(name, elem, ["batch", classes]) for name in OUTPUTS],
        initializer=initializers,
    )
    model = onnx.helper.make_model(
        graph,
        producer_name="verified-nn",
        opset_imports=[onnx.helper.make_opsetid("", OPSET)],
        ir_version=IR_VERSION,
    )
    properties = {**(metadata or {}), "verified_nn_architecture": architecture_json(network)}
    onnx.helper.set_model_props(model, {str(key): str(value) for key, value in properties.items()})
    onnx.checker.check_model(model, full_check=True)
    return model


def save_onnx(
    path: str | Path,
    network: Network[Any, Any],
    *,
    metadata: Mapping[str, str] | None = None,
    inputs: Iterable[str | Path] = (),
) -> None:
    """Write :func:`to_onnx` of ``network`` to ``path`` with :func:`verified_nn.files.write_output`: atomically,
    creating missing directories, never through a symbolic link nor over one of ``inputs``."""
    check_network(network, path, read=False)  # a float32 export of large float64 values would hold infinities
    model = to_onnx(network, metadata=metadata)
    write_output(path, model.SerializeToString(), inputs=inputs, parents=True)
