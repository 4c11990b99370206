"""Model files: a network of any architecture (and optionally its optimizer's state) as safetensors.

Format ``verified-nn/2`` (``docs/model-format.md``): one tensor per parameter named as in the network
(``0.weight``, ``0.bias``, ...; row-major, the network's dtype), the optimizer's trees under
``optimizer.<field>.<parameter>``, and string metadata: ``format``, ``architecture`` (JSON: input shape
and the layer list), ``dtype``, ``optimizer`` and ``optimizer_state`` (JSON) and the trainer's own keys.
Files of the first release (``architecture`` = ``784-128-10``, tensors ``W1 b1 W2 b2``) still load.
"""

import dataclasses
import json
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

import numpy as np
import safetensors.numpy

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.data import DataError, read_file
from verified_nn.files import LAYERS, METADATA_BYTES, MODEL_BYTES, JSONError, parse_json, write_output
from verified_nn.layers import Dense, Layer, activation_named, layer_from_config
from verified_nn.network import Network
from verified_nn.optimizer import Momentum, MomentumState, Optimizer, optimizer_from_config, state_trees

from ._checks import check_declared_dtype, check_network, check_records, check_state, check_tensor
from ._errors import ModelError
from ._size import size_problem

FORMAT: Final = "verified-nn/2"
LEGACY_ARCHITECTURE: Final = "784-128-10"  # the first release's only network
_LEGACY_NAMES: Final = ("W1", "b1", "W2", "b2")
_OPTIMIZER: Final = "optimizer."  # prefix of the optimizer state's tensors


@dataclasses.dataclass(frozen=True)
class SavedModel:
    """What a model file holds."""

    network: Network[Any, Any]  # the network
    metadata: dict[str, str]  # format, architecture, dtype, and what the trainer recorded
    optimizer: Optimizer[Any] | None  # the optimizer the state belongs to, when the file records one
    state: Any  # the optimizer's state (a resumable checkpoint), or None

    @property
    def resumable(self) -> bool:
        """Whether the file holds an optimizer state to continue training from."""
        return self.state is not None


def architecture_json(network: Network[Any, Any]) -> str:
    """The architecture as model files record it: input shape and layer list, JSON."""
    return json.dumps({"input_shape": list(network.input_shape() or ()), **network.config()})


def save_model(
    path: Path,
    network: Network[Any, Any],
    metadata: dict[str, Any],
    *,
    optimizer: Optimizer[Any] | None = None,
    state: Any = None,
    inputs: Iterable[str | Path] = (),
) -> None:
    """Write ``network`` (and an optimizer with its ``state``) to ``path`` as safetensors, atomically.

    The file is written by :func:`verified_nn.files.write_output` (missing directories are created): it
    appears complete or not at all, never through a symbolic link, and never over one of ``inputs``
    (the files the caller read, such as the model being converted). OutputError says why it was refused.
    """
    tensors = {
        name: np.ascontiguousarray(block)
        for name, block in zip(network.parameter_names(), network.parameters(), strict=True)
    }
    check_network(network, path, read=False)  # what one command writes, every command reads
    if state is not None:
        check_state(state, path, read=False)
    header = {key: str(value) for key, value in metadata.items()}
    header.update(format=FORMAT, architecture=architecture_json(network), dtype=str(network.dtype))
    if optimizer is not None:
        header["optimizer"] = json.dumps(optimizer.config())
        if state is not None:
            trees = state_trees(state)
            for field, tree in trees.items():
                for name, block in zip(network.parameter_names(), tree.parameters(), strict=True):
                    tensors[f"{_OPTIMIZER}{field}.{name}"] = np.ascontiguousarray(block)
            scalars = {f.name: getattr(state, f.name) for f in dataclasses.fields(state) if f.name not in trees}
            header["optimizer_state"] = json.dumps({"type": type(state).__name__, **scalars})
    write_output(path, safetensors.numpy.save(tensors, metadata=header), inputs=inputs, parents=True)


def _metadata(content: bytes, path: Path) -> dict[str, str]:
    if len(content) < 8:
        raise ModelError(f"{path}: truncated ({len(content)} bytes): not a safetensors file")
    if content[8:9] != b"{":  # a safetensors header is JSON: README.md, a PNG, ... are not model files
        onnx = content.startswith(b"\x08") and Path(path).suffix.lower() == ".onnx"  # a ModelProto: ir_version first
        hint = ": import it first (verified-nn import-onnx MODEL.onnx --out MODEL.safetensors)" if onnx else ""
        raise ModelError(f"{path}: not a model file (it is not in the safetensors format){hint}")
    (length,) = struct.unpack("<Q", content[:8])
    if length > len(content) - 8:
        raise ModelError(f"{path}: truncated: header of {length} bytes, file has {len(content) - 8}")
    problem = METADATA_BYTES.over(length, "the header holds")
    if problem is not None:
        raise ModelError(f"{path}: {problem}")
    try:
        header = parse_json(content[8 : 8 + length])
    except JSONError as error:
        raise ModelError(f"{path}: corrupt safetensors header: {error}") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    return {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}


def _tensor(tensors: dict[str, np.ndarray[Any, Any]], name: str, path: Path) -> np.ndarray[Any, Any]:
    if name not in tensors:
        raise ModelError(f"{path}: no tensor {name}")
    block = tensors[name]
    check_tensor(name, block, path, squared=name.startswith(f"{_OPTIMIZER}second."))
    return block


def _json(metadata: dict[str, str], key: str, path: Path) -> Any:
    if key not in metadata:
        raise ModelError(f"{path}: metadata {key!r} is missing")
    try:
        return parse_json(metadata[key])
    except JSONError as error:
        raise ModelError(f"{path}: metadata {key!r}: {error}") from None


def _network(metadata: dict[str, str], tensors: dict[str, np.ndarray[Any, Any]], path: Path) -> Network[Any, Any]:
    architecture = _json(metadata, "architecture", path)
    configs = architecture.get("layers") if isinstance(architecture, dict) else None
    if not isinstance(configs, list) or not configs or not all(isinstance(c, dict) for c in configs):
        raise ModelError(f"{path}: architecture has no layer list")
    problem = LAYERS.over(len(configs), "the architecture has")
    if problem is not None:
        raise ModelError(f"{path}: {problem}")
    layers: list[Layer[Any, Any]] = []
    for index, config in enumerate(configs):
        prefix = f"{index}."
        arrays = {name[len(prefix) :]: _tensor(tensors, name, path) for name in tensors if name.startswith(prefix)}
        try:
            layers.append(layer_from_config(config, arrays))
        except (InvalidArgumentError, ShapeError) as error:
            raise ModelError(f"{path}: layer {index}: {error}") from None
    try:
        network: Network[Any, Any] = Network(tuple(layers))
    except ShapeError as error:
        raise ModelError(f"{path}: {error}") from None
    recorded = architecture.get("input_shape")
    if recorded is not None and (not isinstance(recorded, list) or tuple(recorded) != (network.input_shape() or ())):
        raise ModelError(f"{path}: input shape recorded as {recorded!r}, the layers take {network.input_shape()}")
    problem = size_problem(network)
    if problem is not None:
        raise ModelError(f"{path}: {problem}")
    extra = sorted(
        name for name in tensors if not name.startswith(_OPTIMIZER) and name not in network.parameter_names()
    )
    if extra:
        raise ModelError(f"{path}: tensors the architecture has no place for: {', '.join(extra[:5])}")
    return network


def _legacy_config(text: str | None) -> dict[str, str]:
    """The first release's training configuration in today's terms (it had no validation split)."""
    if text is None:
        return {}
    try:
        config = parse_json(text)
    except JSONError:
        return {}
    if not isinstance(config, dict):
        return {}
    config.setdefault("validation_size", 0)
    momentum = config.get("momentum", 0.9)
    moving = not isinstance(momentum, int | float) or isinstance(momentum, bool) or momentum != 0
    config.setdefault("optimizer", "momentum" if moving else "sgd")  # a bad momentum is refused by name later
    return {"config": json.dumps(config, sort_keys=True)}


def _legacy_history(text: str | None) -> dict[str, str]:
    """The first release's epoch records in today's terms: without a validation split, its fields are empty."""
    try:
        records = parse_json(text) if text is not None else None
    except JSONError:
        return {}
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        return {}
    upgraded = [{"validation_accuracy": None, "validation_loss": None, **record} for record in records]
    return {"history": json.dumps(upgraded)}


def _legacy_network(
    metadata: dict[str, str], tensors: dict[str, np.ndarray[Any, Any]], path: Path
) -> Network[Any, Any]:
    w1, b1, w2, b2 = (_tensor(tensors, name, path) for name in _LEGACY_NAMES)
    try:
        activation = activation_named(metadata.get("activation", "relu"))
        return Network((Dense(weights=w1, bias=b1), activation, Dense(weights=w2, bias=b2)))
    except (InvalidArgumentError, ShapeError) as error:
        raise ModelError(f"{path}: {error}") from None


def _state(
    metadata: dict[str, str], tensors: dict[str, np.ndarray[Any, Any]], network: Network[Any, Any], path: Path
) -> tuple[Optimizer[Any] | None, Any]:
    if "optimizer" not in metadata:
        return None, None
    try:
        optimizer = optimizer_from_config(_json(metadata, "optimizer", path))
    except InvalidArgumentError as error:
        raise ModelError(f"{path}: {error}") from None
    if "optimizer_state" not in metadata:
        return optimizer, None
    recorded = _json(metadata, "optimizer_state", path)
    template = optimizer.init(network)
    if not isinstance(recorded, dict) or recorded.pop("type", None) != type(template).__name__:
        raise ModelError(f"{path}: optimizer_state does not belong to a {optimizer.name} optimizer")
    values: dict[str, Any] = {}
    for field, tree in state_trees(template).items():
        blocks = [_tensor(tensors, f"{_OPTIMIZER}{field}.{name}", path) for name in network.parameter_names()]
        for name, block, like in zip(network.parameter_names(), blocks, tree.parameters(), strict=True):
            if block.shape != like.shape or block.dtype != like.dtype:
                raise ModelError(f"{path}: {_OPTIMIZER}{field}.{name} has shape {block.shape}, expected {like.shape}")
        values[field] = tree.with_parameters(blocks)
    for scalar in dataclasses.fields(template):
        if scalar.name in values:
            continue
        value = recorded.get(scalar.name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ModelError(f"{path}: optimizer_state {scalar.name} must be an integer >= 0, got {value!r}")
        values[scalar.name] = value
    unknown = sorted(set(recorded) - {field.name for field in dataclasses.fields(template)})
    if unknown:
        shown = ", ".join(unknown[:5])
        raise ModelError(f"{path}: optimizer_state holds keys a {optimizer.name} state has not: {shown}")
    return optimizer, type(template)(**values)


def _legacy_state(
    tensors: dict[str, np.ndarray[Any, Any]], network: Network[Any, Any], path: Path
) -> tuple[Optimizer[Any] | None, Any]:
    if not any(name.startswith("velocity.") for name in tensors):
        return None, None
    blocks = [_tensor(tensors, f"velocity.{name}", path) for name in _LEGACY_NAMES]
    for block, like in zip(blocks, network.parameters(), strict=True):
        if block.shape != like.shape or block.dtype != like.dtype:
            raise ModelError(f"{path}: velocity has shape {block.shape}, expected {like.shape}")
    return Momentum(), MomentumState(velocity=network.with_parameters(blocks))


def _folder_problem(folder: Path) -> str:
    """What to say of a model path that is a folder (``train --out`` names the folder its checkpoints go in)."""
    try:
        best = sorted((entry.stat().st_mtime, entry.name, entry) for entry in folder.glob("*-best.safetensors"))
    except OSError:  # a file that went away meanwhile, an unreadable folder: say no more than what it is
        best = []
    if not best:
        return f"{folder}: is a directory, not a model file"
    return (
        f"{folder}: is a directory (train's --out names the folder of its checkpoints): give a model file in it, "
        f"such as {best[-1][2]}, the newest of its best models"
    )


def load_model(path: str | Path) -> SavedModel:
    """Load a model file written by :func:`save_model` (or by the first release); ModelError names the problem."""
    path = Path(path)
    if path.is_dir():
        raise ModelError(_folder_problem(path))
    try:
        content = read_file(path, limit=MODEL_BYTES.value(), what="model file")  # refuses FIFOs and devices at once
    except DataError as error:
        raise ModelError(str(error)) from None
    metadata = _metadata(content, path)
    legacy = metadata.get("architecture") == LEGACY_ARCHITECTURE
    if not legacy and metadata.get("format") != FORMAT:
        raise ModelError(f"{path}: not a verified-nn model file (format {metadata.get('format')!r}, expected {FORMAT})")
    try:
        tensors = safetensors.numpy.load(content)
    except Exception as error:  # safetensors raises its own error type for any malformed payload
        raise ModelError(f"{path}: corrupt safetensors data ({error})") from None
    for name in sorted(tensors):
        _tensor(tensors, name, path)  # every tensor float32 or float64
    dtypes = {block.dtype for block in tensors.values()}
    if len(dtypes) > 1:
        raise ModelError(f"{path}: tensors of mixed dtypes")
    if legacy:
        network = _legacy_network(metadata, tensors, path)
        problem = size_problem(network)
        if problem is not None:
            raise ModelError(f"{path}: {problem}")
        optimizer, state = _legacy_state(tensors, network, path)
        upgraded = {"format": FORMAT, "architecture": architecture_json(network), "dtype": str(network.dtype)}
        upgraded.update(_legacy_config(metadata.get("config")))
        upgraded.update(_legacy_history(metadata.get("history")))
        if "history" in upgraded:
            check_records(_json(upgraded, "history", path), path, epoch=metadata.get("epoch"))
        return SavedModel(network=network, metadata={**metadata, **upgraded}, optimizer=optimizer, state=state)
    network = _network(metadata, tensors, path)
    check_declared_dtype(metadata, network, path)
    optimizer, state = _state(metadata, tensors, network, path)
    if state is not None:
        check_state(state, path)
    if "history" in metadata:
        check_records(_json(metadata, "history", path), path, epoch=metadata.get("epoch"))
    return SavedModel(network=network, metadata=metadata, optimizer=optimizer, state=state)
