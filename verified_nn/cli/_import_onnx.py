"""``verified-nn import-onnx MODEL.onnx --out MODEL.safetensors``: an ONNX network as a verified-nn model file."""

import argparse
from pathlib import Path

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DATASETS
from verified_nn.files import check_output
from verified_nn.interop import load_onnx
from verified_nn.training import ModelError, load_model, save_model


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "import-onnx",
        help="make a model file from an ONNX network (a chain of supported operators; needs the onnx extra)",
        description="Read an ONNX network (Gemm, MatMul, Add, Sub, Div, Relu, LeakyRelu, Tanh, Sigmoid, Flatten, "
        "Reshape, Conv, MaxPool, AveragePool, Constant, Dropout, Identity, in a chain), check it against onnxruntime "
        "on random inputs, and write a verified-nn model file taking the input's values as flat rows (C order). "
        "See docs/competition.md.",
    )
    parser.add_argument("file", type=Path, help="the ONNX file")
    parser.add_argument("--out", type=Path, required=True, metavar="MODEL", help="the model file to write")
    parser.add_argument("--dataset", choices=sorted(DATASETS), default=None, help="what it classifies, if known")
    parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists (else refused)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() == ".onnx":  # verify-spec and the other tools would read it as ONNX, and fail
        raise InvalidArgumentError(
            f"--out {args.out}: the model file written is safetensors, not ONNX: give it a .safetensors name"
        )
    check_output(args.out, inputs=[args.file], option="--out", replace=args.overwrite)
    network = load_onnx(args.file)
    metadata = {"imported_from": f"ONNX {args.file.name}"}
    if args.dataset is not None:
        metadata["dataset"] = args.dataset
    save_model(args.out, network, metadata)
    if load_model(args.out).network != network:  # the file must give back what was imported
        raise ModelError(f"{args.out}: the written model does not load back as the imported network")
    print(f"wrote {args.out}: {network.describe()} ({network.dtype}) from {args.file}")
    return 0
