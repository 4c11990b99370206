"""``verified-nn train``: presets, every option overriding them, resuming, optional plots."""

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from verified_nn.data import DATASETS
from verified_nn.training import PRESETS, TrainConfig, load_model, plot_confusion, plot_history, preset, train

from ._options import add_dataset_options

# CLI option -> TrainConfig field, for the options that override a preset.
_FIELDS = {
    "epochs": "epochs",
    "batch_size": "batch_size",
    "lr": "learning_rate",
    "momentum": "momentum",
    "schedule": "lr_schedule",
    "clip_norm": "clip_norm",
    "samples_per_epoch": "samples_per_epoch",
    "train_size": "train_size",
    "test_size": "test_size",
    "dtype": "dtype",
    "seed": "seed",
    "activation": "activation",
    "log_every": "log_every",
    "train_eval_size": "train_eval_size",
    "max_grad_norm": "max_grad_norm",
    "max_loss": "max_loss",
}


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("train", help="train the network (fetching the data on first use)")
    run = parser.add_argument_group("run")
    run.add_argument("--preset", choices=sorted(PRESETS), default=None, help="start from a preset")
    run.add_argument("--resume", type=Path, default=None, metavar="MODEL", help="continue from a checkpoint")
    run.add_argument("--name", default=None, help="run name for the log and checkpoints (default: a timestamp)")
    run.add_argument("--out", type=Path, default=Path("models"), help="checkpoint directory (default models/)")
    run.add_argument("--log-dir", type=Path, default=Path("logs"), help="log directory (default logs/)")
    run.add_argument("--plot", action="store_true", help="write training curves and a confusion matrix (PNG)")
    config = parser.add_argument_group("configuration (each overrides the preset)")
    config.add_argument("--epochs", type=int)
    config.add_argument("--batch-size", type=int)
    config.add_argument("--lr", type=float, help="learning rate")
    config.add_argument("--momentum", type=float, help="momentum in [0, 1); 0 for plain SGD")
    config.add_argument("--schedule", choices=("constant", "cosine", "step"), help="learning-rate schedule")
    config.add_argument("--clip-norm", type=float, help="clip gradients to this global norm")
    config.add_argument("--samples-per-epoch", type=int)
    config.add_argument("--train-size", type=int)
    config.add_argument("--test-size", type=int)
    config.add_argument("--dtype", choices=("float32", "float64"))
    config.add_argument("--seed", type=int)
    config.add_argument("--activation", choices=("relu", "leaky_relu"))
    config.add_argument("--log-every", type=int, help="batches between diagnostic lines")
    config.add_argument("--train-eval-size", type=int, help="training examples scored each epoch")
    config.add_argument("--max-grad-norm", type=float, help="stop if a logged gradient norm exceeds this")
    config.add_argument("--max-loss", type=float, help="stop if a batch loss exceeds this (default 100)")
    add_dataset_options(parser, default=None)  # unset: the preset's, or the resumed run's
    parser.set_defaults(run=run_train)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    values = {field: getattr(args, option) for option, field in _FIELDS.items() if getattr(args, option) is not None}
    if args.dataset is not None:
        values["dataset"] = args.dataset
    return values


def run_train(args: argparse.Namespace) -> int:
    resume = load_model(args.resume) if args.resume is not None else None
    if resume is not None:
        base = TrainConfig.from_json(resume.metadata["config"])
        config = dataclasses.replace(base, **_overrides(args))
    else:
        config = preset(args.preset, **_overrides(args))
    result = train(
        config, data_dir=args.data_dir, out_dir=args.out, log_dir=args.log_dir, name=args.name, resume=resume
    )
    if args.plot:
        stem = args.log_dir / result.log_path.stem
        plot_history(result.history, stem.with_name(stem.name + "-curves.png"))
        names = DATASETS[config.dataset].class_names
        plot_confusion(result.final.confusion, names, stem.with_name(stem.name + "-confusion.png"))
        print(f"plots: {stem}-curves.png, {stem}-confusion.png")
    print(
        f"best test accuracy {result.best.test_accuracy:.2%} (epoch {result.best.epoch}) in "
        f"{result.train_seconds:.1f} s of training; model {result.best_path}; log {result.log_path}"
    )
    return 0
