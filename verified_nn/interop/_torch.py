"""PyTorch both ways: a network as a ``torch.nn.Sequential`` state dict, and a Sequential's weights as a network.

A network's parameters are named as ``torch.nn.Sequential`` names its modules' (``0.weight``, ``0.bias``,
``2.weight``, ...: the layer's index, then the parameter), each a row-major array of the shape PyTorch
uses (a dense layer's weight is ``(out, in)`` like ``torch.nn.Linear``'s). The layers correspond one to
one, each layer declaring its module (``Layer.torch_name``, ``torch_arguments``, ``torch_settings``):
dense = ``Linear``, relu = ``ReLU``, leaky_relu = ``LeakyReLU(negative_slope)``, tanh = ``Tanh``,
sigmoid = ``Sigmoid``, dropout = ``Dropout(p)``, reshape = ``Unflatten(1, shape)``, conv2d = ``Conv2d``
(weight ``(out, in, kh, kw)``), max_pool2d = ``MaxPool2d``, avg_pool2d = ``AvgPool2d`` (padding counted as
zeros, PyTorch's default), flatten = ``Flatten()``. A state dict carries no architecture, so importing one
takes the layer list explicitly (:func:`mlp_layers` writes it for an MLP). PyTorch itself is needed only by
:func:`to_torch` and :func:`from_torch`; files go through safetensors, which verified-nn already uses.
"""

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import safetensors.numpy

from verified_nn.core import InvalidArgumentError, ShapeError, require_extra, size_of
from verified_nn.data import DataError, read_file
from verified_nn.files import LAYERS, MODEL_BYTES
from verified_nn.layers import (
    Dropout,
    Layer,
    activation_named,
    layer_class,
    layer_config,
    layer_from_config,
    layer_kinds,
)
from verified_nn.network import Network
from verified_nn.training import ModelError, check_network, save_model, size_problem

TORCH_SEQUENTIAL_KEY: Final = "torch_sequential"  # metadata: the Python expression of the equivalent Sequential


def _torch_kinds() -> list[str]:
    """The registered layer kinds with a PyTorch module."""
    return [kind for kind in layer_kinds() if layer_class(kind).torch_name]


def _module_code(layer: Layer[Any, Any]) -> str:
    if not layer.torch_name:
        raise InvalidArgumentError(
            f"no PyTorch module is known for layer kind {layer.kind or type(layer).__name__!r}; "
            f"known: {', '.join(_torch_kinds())}"
        )
    args, kwargs = layer.torch_arguments()
    text = [repr(arg) for arg in args] + [f"{key}={value!r}" for key, value in kwargs.items()]
    return f"torch.nn.{layer.torch_name}({', '.join(text)})"


def torch_sequential_code(network: Network[Any, Any]) -> str:
    """The Python expression of the equivalent module, e.g. ``torch.nn.Sequential(torch.nn.Linear(784, 128), ...)``.

    A float64 network's expression ends in ``.double()`` (PyTorch's default dtype is float32).
    """
    code = "torch.nn.Sequential(" + ", ".join(_module_code(layer) for layer in network.layers) + ")"
    return code + ".double()" if network.dtype == np.float64 else code


def torch_state_dict(network: Network[Any, Any]) -> dict[str, np.ndarray[Any, Any]]:
    """The parameters by their ``torch.nn.Sequential`` names, as new C-contiguous (row-major) arrays."""
    for layer in network.layers:
        _module_code(layer)  # every layer must have a PyTorch counterpart
    return {
        name: np.array(block, order="C", copy=True)
        for name, block in zip(network.parameter_names(), network.parameters(), strict=True)
    }


def save_torch(
    path: str | Path,
    network: Network[Any, Any],
    *,
    dtype: Any = None,
    metadata: Mapping[str, Any] | None = None,
    inputs: Iterable[str | Path] = (),
) -> None:
    """Write the network as a safetensors state dict that ``torch.nn.Sequential.load_state_dict`` accepts.

    The file holds only the parameters (no optimizer state, so ``strict=True`` loading works), in
    ``dtype`` if given (PyTorch's default is float32), with the metadata of a verified-nn model file
    (it loads back with ``load_model``) plus ``torch_sequential``: the expression of the module to load into.
    Written as :func:`~verified_nn.training.save_model` writes, never over one of ``inputs``.
    """
    if dtype is not None:
        with np.errstate(over="ignore"):  # a value the dtype cannot hold becomes infinite: refused when written
            network = network.astype(dtype)
    torch_state_dict(network)  # refuses layers without a PyTorch counterpart before anything is written
    save_model(
        Path(path), network, {**(metadata or {}), TORCH_SEQUENTIAL_KEY: torch_sequential_code(network)}, inputs=inputs
    )


def mlp_layers(
    hidden: Sequence[int], *, inputs: int, classes: int, activation: str = "relu", dropout: float = 0.0
) -> list[dict[str, Any]]:
    """The layer list of the MLP ``inputs -> hidden... -> classes``, in Sequential order, as model files record it.

    Like :func:`verified_nn.network.mlp`: dense layers alternate with ``activation``, then
    ``Dropout(dropout)`` when ``dropout > 0``; the last dense layer has neither. For example
    ``mlp_layers([128], inputs=784, classes=10)`` is ``[{"kind": "dense", "in": 784, "out": 128},
    {"kind": "relu"}, {"kind": "dense", "in": 128, "out": 10}]``, the Sequential
    ``Linear(784, 128), ReLU(), Linear(128, 10)``.
    """
    widths = [
        size_of(inputs, name="inputs"),
        *(size_of(w, name="hidden") for w in hidden),
        size_of(classes, name="classes"),
    ]
    act = layer_config(activation_named(activation))
    drop = layer_config(Dropout(dropout)) if dropout > 0 else None
    layers: list[dict[str, Any]] = []
    for index in range(len(widths) - 1):
        layers.append({"kind": "dense", "in": widths[index], "out": widths[index + 1]})
        if index < len(widths) - 2:
            layers.append(dict(act))
            if drop is not None:
                layers.append(dict(drop))
    return layers


def _as_array(name: str, value: Any) -> np.ndarray[Any, Any]:
    """A state dict's value (numpy array or torch tensor) as float32/float64 numpy (float16 widened to float32)."""
    if hasattr(value, "detach"):  # a torch tensor: to numpy without importing torch
        value = value.detach().cpu()
        value = value.float().numpy() if str(value.dtype) in ("torch.float16", "torch.bfloat16") else value.numpy()
    array = np.asarray(value)
    if array.dtype == np.float16:
        array = array.astype(np.float32)
    if array.dtype not in (np.float32, np.float64):
        raise ModelError(f"tensor {name} has dtype {array.dtype}; expected float32 or float64")
    return array


def _summary(tensors: Mapping[str, np.ndarray[Any, Any]]) -> str:
    return ", ".join(f"{name} {tuple(tensors[name].shape)}" for name in sorted(tensors, key=_order))


def _order(name: str) -> tuple[int, str]:
    head, _, rest = name.partition(".")
    return (int(head), rest) if head.isdigit() else (1 << 30, name)


def _layer_list(layers: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    listed = layers.get("layers") if isinstance(layers, Mapping) else layers
    if not isinstance(listed, Sequence) or not listed or not all(isinstance(item, Mapping) for item in listed):
        raise InvalidArgumentError(
            'the architecture must be a non-empty list of layers such as [{"kind": "dense", "in": 784, "out": 128}, '
            '{"kind": "relu"}, ...] (or {"layers": [...]})'
        )
    return list(listed)


def from_torch_state_dict(
    state_dict: Mapping[str, Any], layers: Sequence[Mapping[str, Any]] | Mapping[str, Any]
) -> Network[Any, Any]:
    """The network whose layers ``layers`` lists, holding the weights of a ``torch.nn.Sequential`` state dict.

    Args:
        state_dict: tensor name -> numpy array or torch tensor, named as a Sequential names them
            (``0.weight``, ``0.bias``, ...); float32 or float64 (float16 and bfloat16 are widened to float32).
        layers: the Sequential's modules as verified-nn layer configurations, one per module in order
            (``{"kind": "dense", "in": 784, "out": 128}``, ``{"kind": "relu"}``,
            ``{"kind": "leaky_relu", "slope": 0.01}``, ``{"kind": "tanh"}``, ``{"kind": "dropout", "rate": 0.1}``),
            or a model file's architecture ``{"layers": [...]}``; :func:`mlp_layers` writes one.

    Raises:
        ModelError: a tensor that is missing, extra, of another shape or dtype, or one ``load_model`` would
            refuse (NaN, infinite, beyond the magnitude ceiling); the message lists the tensors.
    """
    tensors = {str(name): _as_array(str(name), value) for name, value in state_dict.items()}
    listed = _layer_list(layers)
    problem = LAYERS.over(len(listed), "the architecture has")
    if problem is not None:
        raise ModelError(problem)
    built: list[Layer[Any, Any]] = []
    for index, config in enumerate(listed):
        prefix = f"{index}."
        arrays = {name[len(prefix) :]: block for name, block in tensors.items() if name.startswith(prefix)}
        try:
            built.append(layer_from_config(config, arrays))
        except (InvalidArgumentError, ShapeError) as error:
            raise ModelError(f"layer {index}: {error}; the state dict holds {_summary(tensors)}") from None
    placed = {f"{i}.{name}" for i, layer in enumerate(built) for name in layer.parameter_names()}
    extra = sorted(set(tensors) - placed, key=_order)
    if extra:
        raise ModelError(
            f"tensors the architecture has no place for: {', '.join(extra)}; the state dict holds {_summary(tensors)}"
        )
    try:
        network: Network[Any, Any] = Network(tuple(built))
    except ShapeError as error:
        raise ModelError(str(error)) from None
    problem = size_problem(network)
    if problem is not None:
        raise ModelError(problem)
    check_network(network, None)  # finite, float32/float64, within the magnitude ceiling: as load_model requires
    return network


def read_state_dict(path: str | Path) -> dict[str, np.ndarray[Any, Any]]:
    """The tensors of a safetensors file (``safetensors.torch.save_file(model.state_dict(), path)``).

    The file is read as model files are: a regular file (a FIFO, device or directory is refused at once)
    of at most $VERIFIED_NN_MAX_MODEL_BYTES (1 GiB); ModelError names the file and the problem.
    """
    path = Path(path)
    try:
        content = read_file(path, limit=MODEL_BYTES.value(), what="state dict file")
    except DataError as error:
        raise ModelError(str(error)) from None
    try:
        return dict(safetensors.numpy.load(content))
    except TypeError as error:  # a dtype numpy lacks, such as bfloat16
        raise ModelError(f"{path}: {error}; save the state dict as float32 (model.float()) first") from None
    except Exception as error:  # safetensors raises its own error type for a malformed file
        onnx = content.startswith(b"\x08") and path.suffix.lower() == ".onnx"  # a ModelProto: ir_version first
        hint = ": an ONNX model is read by import-onnx (verified-nn import-onnx MODEL.onnx --out ...)" if onnx else ""
        raise ModelError(f"{path}: not a readable safetensors file ({error}){hint}") from None


def load_torch(path: str | Path, layers: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Network[Any, Any]:
    """:func:`from_torch_state_dict` of the state dict saved in the safetensors file at ``path``."""
    try:
        return from_torch_state_dict(read_state_dict(path), layers)
    except ModelError as error:
        raise ModelError(f"{path}: {error}") from None


def _torch() -> Any:
    return require_extra("torch", extra=None, purpose="building PyTorch modules")


def to_torch(network: Network[Any, Any]) -> Any:
    """The equivalent ``torch.nn.Sequential`` holding copies of the network's parameters, in evaluation mode."""
    torch = _torch()
    modules = [_module(torch, layer) for layer in network.layers]
    module = torch.nn.Sequential(*modules).to(torch.float64 if network.dtype == np.float64 else torch.float32)
    module.load_state_dict({name: torch.from_numpy(block) for name, block in torch_state_dict(network).items()})
    return module.eval()


def _module(torch: Any, layer: Layer[Any, Any]) -> Any:
    """The PyTorch module of one layer (its parameters are loaded afterwards)."""
    _module_code(layer)  # raises, naming the kind, when there is none
    args, kwargs = layer.torch_arguments()
    return getattr(torch.nn, str(layer.torch_name))(*args, **kwargs)


def from_torch(module: Any) -> Network[Any, Any]:
    """The network equivalent to a ``torch.nn.Sequential`` of modules that registered layers declare."""
    torch = _torch()
    if not isinstance(module, torch.nn.Sequential):
        raise InvalidArgumentError(f"from_torch: expected a torch.nn.Sequential, got {type(module).__name__}")
    by_name = {layer_class(kind).torch_name: kind for kind in _torch_kinds()}
    layers: list[dict[str, Any]] = []
    for index, child in enumerate(module):
        kind = by_name.get(type(child).__name__)
        if kind is None:
            raise InvalidArgumentError(
                f"from_torch: module {index} ({type(child).__name__}) has no verified-nn equivalent; "
                f"known: {', '.join(str(name) for name in by_name)}"
            )
        try:
            settings = layer_class(kind).torch_settings(child)
        except InvalidArgumentError as error:
            raise InvalidArgumentError(
                f"from_torch: module {index} ({type(child).__name__}): {error} has no equivalent"
            ) from None
        layers.append({"kind": kind, **settings})
    return from_torch_state_dict(module.state_dict(), layers)
