"""Saving and loading models as safetensors files with metadata, atomically and with clear errors."""

import dataclasses
import json
import os
import struct
from pathlib import Path
from typing import Any, Final

import numpy as np
import safetensors.numpy

from verified_nn.core import DEFAULT_LEAKY_SLOPE, RELU, Activation, leaky_relu_activation
from verified_nn.network import BLOCK_NAMES, BLOCK_SHAPES, MLP, Dense, from_parameters, parameters

from ._errors import ModelError

ARCHITECTURE: Final = "784-128-10"
_SHAPES: Final = dict(zip(BLOCK_NAMES, BLOCK_SHAPES, strict=True))
_VELOCITY: Final = "velocity."  # prefix of the optimizer's momentum tensors in a checkpoint


@dataclasses.dataclass(frozen=True)
class SavedModel:
    """What a model file holds."""

    mlp: MLP  # the network
    metadata: dict[str, str]  # architecture, epoch, accuracies, loss, learning rate, dataset, seed, ...
    velocity: MLP | None  # the momentum optimizer's velocity, when the file is a resumable checkpoint


def activation_named(name: str) -> Activation:
    """The activation a model file names: "relu" or "leaky_relu(slope)"."""
    if name == "relu":
        return RELU
    if name.startswith("leaky_relu(") and name.endswith(")"):
        try:
            return leaky_relu_activation(float(name[len("leaky_relu(") : -1]))
        except ValueError:
            pass
    if name == "leaky_relu":
        return leaky_relu_activation(DEFAULT_LEAKY_SLOPE)
    raise ModelError(f"unknown activation {name!r}")


def save_model(path: Path, mlp: MLP, metadata: dict[str, Any], *, velocity: MLP | None = None) -> None:
    """Write ``mlp`` (and an optimizer ``velocity``) to ``path`` as safetensors, atomically.

    Metadata values are stored as strings; the architecture, activation and dtype are added.
    """
    tensors = {name: np.ascontiguousarray(block) for name, block in zip(BLOCK_NAMES, parameters(mlp), strict=True)}
    if velocity is not None:
        for name, block in zip(BLOCK_NAMES, parameters(velocity), strict=True):
            tensors[_VELOCITY + name] = np.ascontiguousarray(block)
    header = {key: str(value) for key, value in metadata.items()}
    header.update(architecture=ARCHITECTURE, activation=mlp.activation.name, dtype=str(mlp.dtype))
    content = safetensors.numpy.save(tensors, metadata=header)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part-{os.getpid()}")
    try:
        partial.write_bytes(content)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _metadata(content: bytes, path: Path) -> dict[str, str]:
    if len(content) < 8:
        raise ModelError(f"{path}: truncated ({len(content)} bytes): not a safetensors file")
    (length,) = struct.unpack("<Q", content[:8])
    if length > len(content) - 8:
        raise ModelError(f"{path}: truncated: header of {length} bytes, file has {len(content) - 8}")
    try:
        header = json.loads(content[8 : 8 + length])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelError(f"{path}: corrupt safetensors header") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    return {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}


def _blocks(tensors: dict[str, np.ndarray[Any, Any]], prefix: str, path: Path) -> list[np.ndarray[Any, Any]]:
    blocks = []
    for name, shape in _SHAPES.items():
        if prefix + name not in tensors:
            raise ModelError(f"{path}: no tensor {prefix + name}")
        block = tensors[prefix + name]
        if block.shape != shape:
            raise ModelError(f"{path}: {prefix + name} has shape {block.shape}, expected {shape}")
        if block.dtype not in (np.float32, np.float64):
            raise ModelError(f"{path}: {prefix + name} has dtype {block.dtype}, expected float32 or float64")
        blocks.append(block)
    if len({block.dtype for block in blocks}) != 1:
        raise ModelError(f"{path}: tensors of mixed dtypes")
    return blocks


def load_model(path: str | Path) -> SavedModel:
    """Load a model file written by :func:`save_model`; ModelError names the file and the problem."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{path}: no such file") from None
    except OSError as error:
        raise ModelError(f"{path}: cannot be read ({error.strerror or error})") from None
    metadata = _metadata(content, path)
    architecture = metadata.get("architecture")
    if architecture != ARCHITECTURE:
        raise ModelError(f"{path}: architecture {architecture!r}, but this library builds {ARCHITECTURE}")
    try:
        tensors = safetensors.numpy.load(content)
    except Exception as error:  # safetensors raises its own error type for any malformed payload
        raise ModelError(f"{path}: corrupt safetensors data ({error})") from None
    activation = activation_named(metadata.get("activation", "relu"))
    w1, b1, w2, b2 = _blocks(tensors, "", path)
    # The checked constructors validate loaded arrays like any other input.
    mlp = MLP(layer1=Dense(weights=w1, bias=b1), layer2=Dense(weights=w2, bias=b2), activation=activation)
    velocity = None
    if any(name.startswith(_VELOCITY) for name in tensors):
        velocity = from_parameters(_blocks(tensors, _VELOCITY, path), like=mlp)
    return SavedModel(mlp=mlp, metadata=metadata, velocity=velocity)
