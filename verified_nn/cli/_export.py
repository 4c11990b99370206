"""``verified-nn export MODEL --onnx FILE --torch FILE`` and ``verified-nn import-torch FILE --out MODEL``."""

import argparse
import itertools
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DATASETS, DataError, read_file
from verified_nn.files import ARGUMENT_BYTES, JSONError, OutputError, check_output, parse_json
from verified_nn.interop import (
    exported_metadata,
    from_torch_state_dict,
    mlp_layers,
    read_state_dict,
    save_onnx,
    save_torch,
    torch_sequential_code,
)
from verified_nn.layers import activation_named
from verified_nn.training import ModelError, load_model, save_model

from ._options import dropout_rate, widths


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    export = subparsers.add_parser(
        "export",
        help="write a model as ONNX (needs the onnx extra) or as a PyTorch Sequential state dict",
        description="Write a model file for other tools: --onnx for onnxruntime and other ONNX runtimes, "
        "--torch for torch.nn.Sequential.load_state_dict (safetensors). See docs/interop.md.",
    )
    export.add_argument("model", type=Path, help="a model file")
    export.add_argument("--onnx", type=Path, metavar="FILE", help="write an ONNX model (opset 17) here")
    export.add_argument("--torch", type=Path, metavar="FILE", help="write a safetensors state dict here")
    export.add_argument(
        "--dtype", choices=("float32", "float64"), default=None, help="convert the parameters (default: as saved)"
    )
    export.add_argument("--overwrite", action="store_true", help="replace files that exist (else refused)")
    export.set_defaults(run=run_export)

    imported = subparsers.add_parser(
        "import-torch",
        help="make a model file from the safetensors state dict of a torch.nn.Sequential",
        description="Read the weights of a torch.nn.Sequential saved with safetensors.torch.save_file("
        "model.state_dict(), FILE) and write a verified-nn model file. A state dict holds no architecture: "
        "give it with --hidden/--activation/--dropout (an MLP) or --architecture (a layer list). "
        "See docs/interop.md.",
    )
    imported.add_argument("file", type=Path, help="the safetensors file of the state dict")
    imported.add_argument("--out", type=Path, required=True, metavar="MODEL", help="the model file to write")
    imported.add_argument("--overwrite", action="store_true", help="replace --out if it exists (else refused)")
    group = imported.add_argument_group("architecture (one of --hidden or --architecture)")
    group.add_argument(
        "--hidden", type=widths, metavar="W1,W2,...", help="hidden widths of the MLP, e.g. 256,64 (none: 'none')"
    )
    group.add_argument(
        "--activation", help="with --hidden: between dense layers: relu, leaky_relu(SLOPE), tanh (default relu)"
    )
    group.add_argument(
        "--dropout", type=dropout_rate, help="with --hidden: the rate of a Dropout after each activation (default 0)"
    )
    group.add_argument(
        "--architecture",
        metavar="JSON",
        help='the layer list: JSON text or @FILE, e.g. [{"kind": "dense", "in": 784, "out": 10}]',
    )
    imported.add_argument(
        "--dataset", choices=sorted(DATASETS), default="mnist", help="what it classifies (default mnist)"
    )
    imported.set_defaults(run=run_import)


def run_export(args: argparse.Namespace) -> int:
    if args.onnx is None and args.torch is None:
        raise InvalidArgumentError("export: say where to write: --onnx FILE and/or --torch FILE")
    inputs = [args.model]
    for option, path, wrong, kind in (
        ("--onnx", args.onnx, ".safetensors", "ONNX"),
        ("--torch", args.torch, ".onnx", "a PyTorch state dict in safetensors"),
    ):
        if path is not None:
            if path.suffix.lower() == wrong:  # the other tools read a file by its name: it would be misread
                raise InvalidArgumentError(f"{option} {path}: the file written is {kind}, not {wrong}: rename it")
            check_output(path, inputs=inputs, option=option, replace=args.overwrite)
    if args.onnx is not None and args.torch is not None and _same_path(args.onnx, args.torch):
        raise OutputError(f"--onnx {args.onnx} and --torch {args.torch} name the same file: give each its own")
    saved = load_model(args.model)
    with np.errstate(over="ignore"):  # a value float32 cannot hold becomes infinite: refused, by name, when written
        network = saved.network.astype(args.dtype) if args.dtype else saved.network
    if args.onnx is not None:
        save_onnx(args.onnx, network, metadata=exported_metadata(saved.metadata), inputs=inputs)
        dims = ", ".join(["batch", *(str(size) for size in network.input_shape() or ())])
        print(f"wrote {args.onnx}: ONNX, input 'input' ({dims}) {network.dtype}, outputs 'logits', 'probabilities'")
    if args.torch is not None:
        save_torch(args.torch, network, metadata=exported_metadata(saved.metadata), inputs=inputs)
        print(f"wrote {args.torch}: a state dict ({network.dtype}) for {torch_sequential_code(network)}")
    return 0


def _same_path(first: Path, second: Path) -> bool:
    """Whether two output paths name one file (by their resolved directories and names; neither need exist)."""
    return first.parent.resolve() / first.name == second.parent.resolve() / second.name


def _natural(name: str) -> tuple[int, str]:
    """Sort key putting ``4.bias`` before ``10.bias``, as the Sequential orders its modules."""
    head, _, rest = name.partition(".")
    return (int(head), rest) if head.isdigit() else (1 << 30, name)


def _layer_list(option: str) -> list[dict[str, Any]] | dict[str, Any]:
    """The JSON of ``--architecture``: the text itself, or the text of the file after ``@`` (a regular file of
    at most $VERIFIED_NN_MAX_ARGUMENT_BYTES, 1 MiB; a FIFO or device is refused at once)."""
    text = option
    source = "--architecture"
    if option.startswith("@"):
        source = f"--architecture {option}"
        try:
            text = read_file(option[1:], limit=ARGUMENT_BYTES.value(), what="architecture file").decode("utf-8")
        except DataError as error:
            raise InvalidArgumentError(f"{source}: {str(error).removeprefix(option[1:] + ': ')}") from None
        except UnicodeDecodeError:
            raise InvalidArgumentError(f"{source}: not a text file (expected a JSON layer list)") from None
    elif len(option.encode("utf-8", "surrogateescape")) > ARGUMENT_BYTES.value():
        raise InvalidArgumentError(f"{source}: {ARGUMENT_BYTES.over(len(option), 'the text holds')}")
    try:
        parsed: list[dict[str, Any]] | dict[str, Any] = parse_json(text)
    except JSONError as error:
        raise InvalidArgumentError(f"{source}: {error}") from None
    return parsed


def _given_architecture(args: argparse.Namespace) -> list[dict[str, Any]] | dict[str, Any] | None:
    """The layer list of --architecture (None: an MLP from --hidden), checked before the file is read."""
    if args.architecture is not None:
        if args.hidden is not None:
            raise InvalidArgumentError("import-torch: --hidden and --architecture both give the architecture: give one")
        mlp_options = [f"--{name}" for name in ("activation", "dropout") if getattr(args, name) is not None]
        if mlp_options:
            raise InvalidArgumentError(
                f"import-torch: {' and '.join(mlp_options)} only apply to the MLP of --hidden: "
                "with --architecture, put activations and dropout in the layer list"
            )
        return _layer_list(args.architecture)
    if args.hidden is None:
        raise InvalidArgumentError("import-torch: give the architecture: --hidden W1,W2,... or --architecture JSON")
    if args.activation is not None:
        try:
            activation_named(args.activation)
        except InvalidArgumentError as error:
            raise InvalidArgumentError(f"--activation: {error}") from None
    return None


def _mlp_architecture(args: argparse.Namespace, tensors: dict[str, Any]) -> list[dict[str, Any]]:
    activation = "relu" if args.activation is None else args.activation
    dropout = 0.0 if args.dropout is None else args.dropout
    # torch.nn.Sequential numbers its modules: Linear, activation (and Dropout) per hidden layer, then Linear.
    step = 3 if dropout > 0 else 2
    expected = list(range(0, step * len(args.hidden) + 1, step))
    found = sorted(int(name[: -len(".weight")]) for name in tensors if _weight_index(name))
    if found != expected:
        held = ", ".join(f"{name} {tuple(tensors[name].shape)}" for name in sorted(tensors, key=_natural))
        raise ModelError(
            f"{args.file}: an MLP with {len(args.hidden)} hidden layer(s) {'and' if dropout > 0 else 'without'} "
            f"dropout has its weights at {', '.join(map(str, expected))}; the file holds {held}"
            f"{_spacing_hint(found, tensors, dropout)}"
        )
    # The MLP's outer sizes come from the file: the first weight's columns, the last weight's rows.
    first_weight, last_weight = tensors["0.weight"], tensors[f"{expected[-1]}.weight"]
    if first_weight.ndim != 2 or last_weight.ndim != 2:
        raise ModelError(
            f"{args.file}: 0.weight and {expected[-1]}.weight must be matrices, "
            f"got shapes {tuple(first_weight.shape)} and {tuple(last_weight.shape)}"
        )
    return mlp_layers(
        args.hidden,
        inputs=first_weight.shape[1],
        classes=last_weight.shape[0],
        activation=activation,
        dropout=dropout,
    )


def _weight_index(name: str) -> bool:
    """Whether ``name`` is a Sequential module's weight, ``N.weight``."""
    head, _, rest = name.partition(".")
    return head.isdigit() and rest == "weight"


def _spacing_hint(found: list[int], tensors: dict[str, Any], dropout: float) -> str:
    """What to give instead, when the file's weights are spaced as an MLP's (every 2, or every 3 with a Dropout
    after each activation): the hidden widths read from the file, and --dropout to add or leave out."""
    if len(found) < 2 or found[0] != 0 or any(b - a != found[1] - found[0] for a, b in itertools.pairwise(found)):
        return ""
    spacing = found[1]
    if spacing not in (2, 3) or any(np.ndim(tensors[f"{index}.weight"]) != 2 for index in found):
        return ""
    widths = [tensors[f"{index}.weight"].shape[0] for index in found[:-1]]
    hidden = ",".join(str(width) for width in widths) if widths else "none"
    if spacing == 3:
        change = (
            ""
            if dropout > 0
            else " --dropout RATE (any rate above 0: evaluation does not use it; the model file records it)"
        )
        spaced = "with a Dropout after each activation"
    else:
        change = " without --dropout" if dropout > 0 else ""
        spaced = "with no Dropout"
    layers = f"{len(widths)} hidden layer(s) {spaced}"
    return f": its weights are those of an MLP with {layers}: give --hidden {hidden}{change}"


def run_import(args: argparse.Namespace) -> int:
    given = _given_architecture(args)
    inputs = [args.file]
    if args.architecture is not None and args.architecture.startswith("@"):
        inputs.append(Path(args.architecture[1:]))
    check_output(args.out, inputs=inputs, option="--out", replace=args.overwrite)
    tensors = read_state_dict(args.file)
    architecture = given if given is not None else _mlp_architecture(args, tensors)
    try:
        network = from_torch_state_dict(tensors, architecture)
    except ModelError as error:  # the file, and the architecture it was read against when one was given
        raise ModelError(f"{args.file}{' with --architecture' if given is not None else ''}: {error}") from None
    except InvalidArgumentError as error:  # the layer list itself: not a list of layers
        raise InvalidArgumentError(f"{'--architecture' if given is not None else '--hidden'}: {error}") from None
    metadata = {"dataset": args.dataset, "imported_from": f"torch state dict {args.file.name}"}
    save_model(args.out, network, metadata, inputs=inputs)
    print(f"wrote {args.out}: {network.describe()} ({network.dtype}) from {args.file}")
    return 0
