"""ONNX export: the network's layers written one by one as ONNX operators, for onnxruntime and other runtimes.

Each layer writes its own nodes (``Layer.onnx_nodes``): a dense layer ``Gemm(x, W, b, transB=1)``, an
activation its operator (``Relu``, ``LeakyRelu`` with ``alpha``, ``Tanh``, ``Sigmoid``, or what a new one
declares), a convolution ``Conv``, the poolings ``MaxPool`` and ``AveragePool`` (``count_include_pad=1``), a
reshape ``Reshape`` to ``(-1, *shape)``, a flatten ``Flatten(axis=1)``, a normalisation ``Sub`` then ``Div`` by
constants in the network's dtype; dropout, the identity at inference, writes nothing. ONNX writes paddings
as ``(top, left, bottom, right)``. The graph takes ``input`` ``(batch, *input shape)`` and gives ``logits`` and
``probabilities`` (``Softmax`` over the classes), in the network's dtype. Needs the ``onnx`` extra.
"""

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from verified_nn.core import InvalidArgumentError, require_extra
from verified_nn.files import write_output
from verified_nn.layers import layer_kinds
from verified_nn.network import Network
from verified_nn.training import architecture_json, check_network

OPSET: Final = 17  # Gemm, Relu, LeakyRelu, Tanh, Sigmoid, Softmax(axis) in their current forms; widely supported
IR_VERSION: Final = 8  # the IR version that goes with opset 17
INPUT: Final = "input"
OUTPUTS: Final = ("logits", "probabilities")


def _onnx() -> Any:
    return require_extra("onnx", extra="onnx", purpose="ONNX export")


def to_onnx(network: Network[Any, Any], *, metadata: Mapping[str, str] | None = None) -> Any:
    """The network as an ``onnx.ModelProto`` (opset 17), checked by ``onnx.checker.check_model``.

    ``metadata`` (for example a model file's ``dataset``) is stored in the model's ``metadata_props``
    next to ``verified_nn_architecture`` (the layer list, as model files record it).
    InvalidArgumentError for a layer without an ONNX form (the message lists the kinds with one).
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
        output = f"{index}.out"
        written = layer.onnx_nodes(onnx, index, current, output, network.dtype)
        if written is None:
            raise InvalidArgumentError(
                f"ONNX export: no ONNX form for layer {index} ({layer.kind or type(layer).__name__}); "
                f"layer kinds with one: {', '.join(_with_onnx())}"
            )
        new_nodes, new_initializers = written
        if not new_nodes:  # the identity
            continue
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


def _with_onnx() -> list[str]:
    """The registered layer kinds that write ONNX nodes (by their class's own ``onnx_nodes``)."""
    from verified_nn.layers import Layer, layer_class

    return [kind for kind in layer_kinds() if layer_class(kind).onnx_nodes is not Layer.onnx_nodes]
