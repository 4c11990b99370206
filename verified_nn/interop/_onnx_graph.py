"""Reading an ONNX file as a chain: its input, its constants, and the operators from input to output in order.

A network verified-nn can hold is a sequence of layers, so the graph must be a chain: every operator on
the way from the input to the first output takes exactly one computed tensor (the previous operator's
output) and otherwise only constants (initializers or ``Constant`` operators). Operators that do not
lead to the first output (a ``Softmax`` writing a second output, say) are left out.
"""

import dataclasses
from pathlib import Path
from typing import Any, Final

import numpy as np

from verified_nn.core import require_extra
from verified_nn.data import DataError, read_file
from verified_nn.training import ModelError

MAX_ONNX_BYTES: Final = 1 << 30  # read whole: larger files are refused before reading
# TensorProto.FLOAT and DOUBLE
_FLOAT_TYPES: Final[dict[int, np.dtype[Any]]] = {1: np.dtype(np.float32), 11: np.dtype(np.float64)}


def onnx_module() -> Any:
    """The ``onnx`` package, or MissingExtraError naming the extra."""
    return require_extra("onnx", extra="onnx", purpose="ONNX import", package="onnx")


@dataclasses.dataclass(frozen=True)
class Node:
    """One operator on the chain: its type, attributes, and its inputs other than the computed one."""

    op: str  # the ONNX operator type, e.g. "Gemm"
    name: str  # the node's name, or its output's name when it has none
    attributes: dict[str, Any]  # attribute name -> Python value (ints, floats, lists, numpy arrays)
    position: int  # where the computed tensor enters among the node's inputs
    constants: tuple[np.ndarray[Any, Any] | None, ...]  # every input, None where the computed one enters


@dataclasses.dataclass(frozen=True)
class Chain:
    """An ONNX model read as a chain."""

    input_name: str
    input_shape: tuple[int | str, ...]  # the declared dimensions: sizes, or names for symbolic ones
    dtype: np.dtype[Any]  # float32 or float64
    output_name: str
    nodes: tuple[Node, ...]


def read_onnx(path: str | Path) -> Any:
    """The ``onnx.ModelProto`` in the file at ``path``; ModelError for anything that is not one."""
    onnx = onnx_module()
    path = Path(path)
    try:
        content = read_file(path, limit=MAX_ONNX_BYTES, what="ONNX model")
    except DataError as error:
        raise ModelError(str(error)) from None
    try:
        model = onnx.load_model_from_string(content)
    except Exception as error:  # protobuf raises its own DecodeError for anything malformed
        raise ModelError(f"{path}: not an ONNX model ({type(error).__name__})") from None
    if not model.HasField("graph"):  # an empty file parses as an empty message
        raise ModelError(f"{path}: not an ONNX model ({'empty' if not content else 'it holds no graph'})")
    return model


def _array(onnx: Any, tensor: Any) -> np.ndarray[Any, Any]:
    """A tensor's values; ModelError naming it when its data does not fill its declared dimensions."""
    try:
        array: np.ndarray[Any, Any] = onnx.numpy_helper.to_array(tensor)
    except (ValueError, TypeError) as error:
        raise ModelError(
            f"tensor {tensor.name!r} of dimensions {list(tensor.dims)} cannot be read ({error}): the file is corrupt"
        ) from None
    return array


def _attributes(onnx: Any, node: Any) -> dict[str, Any]:
    values = {}
    for attribute in node.attribute:
        value = onnx.helper.get_attribute_value(attribute)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        elif hasattr(value, "dims"):  # a tensor (Constant's value)
            value = _array(onnx, value)
        elif isinstance(value, list):
            value = [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value]
        values[attribute.name] = value
    return values


def _constant_value(node: Any, attributes: dict[str, Any]) -> np.ndarray[Any, Any]:
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in attributes:
            return np.asarray(attributes[key])
    raise ModelError(f"Constant node {node.name or node.output[0]!r}: no value attribute this importer reads")


def _needed(graph: Any, output: str) -> set[int]:
    """Indices of the nodes whose results the tensor ``output`` depends on."""
    producer = {name: index for index, node in enumerate(graph.node) for name in node.output}
    needed: set[int] = set()
    pending = [output]
    while pending:
        index = producer.get(pending.pop())
        if index is not None and index not in needed:
            needed.add(index)
            pending.extend(graph.node[index].input)
    return needed


def chain_of(model: Any) -> Chain:
    """The chain of operators of ``model`` from its input to its first output; ModelError if it is not one."""
    onnx = onnx_module()
    graph = model.graph
    initializers = {tensor.name: tensor for tensor in graph.initializer}
    for tensor in graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            raise ModelError(f"initializer {tensor.name!r} keeps its data in an external file: not supported")
    inputs = [value for value in graph.input if value.name not in initializers]
    if len(inputs) != 1:
        raise ModelError(f"the graph has {len(inputs)} inputs; a network takes one")
    source = inputs[0]
    dtype = _FLOAT_TYPES.get(source.type.tensor_type.elem_type)
    if dtype is None:
        raise ModelError(f"input {source.name!r} is not float32 or float64")
    shape = tuple(
        d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in source.type.tensor_type.shape.dim
    )
    if not graph.output:
        raise ModelError("the graph has no output")
    constants = {name: _array(onnx, tensor) for name, tensor in initializers.items()}
    current = source.name
    nodes: list[Node] = []
    for index in sorted(_needed(graph, graph.output[0].name)):  # ONNX lists nodes in topological order
        node = graph.node[index]
        attributes = _attributes(onnx, node)
        name = node.name or node.output[0]
        if node.op_type == "Constant":
            constants[node.output[0]] = _constant_value(node, attributes)
            continue
        computed = [position for position, name_in in enumerate(node.input) if name_in and name_in not in constants]
        if computed != [position for position, name_in in enumerate(node.input) if name_in == current] or not computed:
            raise ModelError(
                f"node {name!r} ({node.op_type}) does not continue a chain from the input: "
                "verified-nn imports sequences of layers, not graphs with branches"
            )
        if len(computed) != 1 or len(node.output) < 1:
            raise ModelError(f"node {name!r} ({node.op_type}) uses the computed tensor twice")
        values = tuple(None if i == computed[0] else constants.get(n) for i, n in enumerate(node.input))
        nodes.append(Node(node.op_type, name, attributes, computed[0], values))
        current = node.output[0]
    if current != graph.output[0].name:
        raise ModelError(f"output {graph.output[0].name!r} is not computed from the input")
    return Chain(source.name, shape, dtype, current, tuple(nodes))
