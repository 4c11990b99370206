"""``verified-nn train``: presets, every option overriding them, any architecture, any data, resuming, plots."""

import argparse
import dataclasses
from fractions import Fraction
from pathlib import Path
from typing import Any

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DATASETS
from verified_nn.files import JSONError, check_output, parse_json
from verified_nn.optimizer import OPTIMIZERS
from verified_nn.robust import METHODS as CERTIFIED_METHODS
from verified_nn.training import (
    PRESETS,
    ModelError,
    RunFiles,
    TrainConfig,
    check_run,
    check_run_name,
    load_model,
    plot_confusion,
    plot_history,
    preset,
    pyplot,
    train,
)

from ._data_options import training_data
from ._options import add_architecture_options, add_dataset_options

# CLI option -> TrainConfig field, for the options that override a preset.
FIELDS = {
    "hidden": "hidden",
    "conv": "conv",
    "kernel": "kernel",
    "activation": "activation",
    "dropout": "dropout",
    "shift": "shift",
    "epochs": "epochs",
    "patience": "patience",
    "warmup": "warmup",
    "batch_size": "batch_size",
    "optimizer": "optimizer",
    "lr": "learning_rate",
    "momentum": "momentum",
    "weight_decay": "weight_decay",
    "beta1": "beta1",
    "beta2": "beta2",
    "schedule": "lr_schedule",
    "clip_norm": "clip_norm",
    "samples_per_epoch": "samples_per_epoch",
    "train_size": "train_size",
    "validation_size": "validation_size",
    "test_size": "test_size",
    "dtype": "dtype",
    "seed": "seed",
    "threads": "threads",
    "log_every": "log_every",
    "train_eval_size": "train_eval_size",
    "max_grad_norm": "max_grad_norm",
    "max_loss": "max_loss",
    "dataset": "dataset",
    "certified_eps": "certified_eps",
    "certified_method": "certified_method",
    "certified_warmup": "certified_warmup",
    "certified_ramp": "certified_ramp",
    "certified_kappa": "certified_kappa",
    "certified_beta": "certified_beta",
}
_ARCHITECTURE = ("hidden", "conv", "kernel", "activation", "dropout")


def _default(field: str) -> str:
    value = getattr(TrainConfig(), field)
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a network on a built-in dataset (fetched on first use) or your own (--data)",
        description="Train an MLP, or a CNN (--conv, --preset cnn), on MNIST, Fashion-MNIST or your own data (--data: "
        "an .npz, a CSV table, an image folder, .npy or IDX files). The network is sized to the data: without a "
        "preset, --hidden 128 on MNIST is the Lean project's 784 -> 128 -> 10, on a 20-feature 3-class table "
        "20 -> 128 -> 3. Options override the preset's values.",
    )
    run = parser.add_argument_group("run")
    run.add_argument(
        "--preset", choices=sorted(PRESETS), default=None, help=f"start from a preset: {', '.join(PRESETS)}"
    )
    run.add_argument("--resume", type=Path, default=None, metavar="MODEL", help="continue from a checkpoint")
    run.add_argument(
        "--name", default=None, help="run name for the log and checkpoints (default: a fresh timestamped name)"
    )
    run.add_argument("--overwrite", action="store_true", help="replace the files of an existing run of this --name")
    run.add_argument(
        "--out", type=Path, default=Path("models"), help="checkpoint directory, created if missing (default models/)"
    )
    run.add_argument(
        "--log-dir", type=Path, default=Path("logs"), help="log directory, created if missing (default logs/)"
    )
    run.add_argument("--plot", action="store_true", help="write training curves and a confusion matrix (PNG)")
    add_architecture_options(parser, defaults="each overrides the preset", conv=True)
    config = parser.add_argument_group("optimisation (each overrides the preset)")
    config.add_argument("--shift", type=int, help="augment: shift each training image by up to N pixels (default 0)")
    config.add_argument(
        "--epochs",
        type=int,
        help="number of epochs (default 8, more for small data: as many steps as 8 epochs of MNIST, at most 100)",
    )
    config.add_argument(
        "--patience",
        type=int,
        metavar="N",
        help="stop early after N epochs without a better validation score (default: never)",
    )
    config.add_argument("--batch-size", type=int, help=f"examples per step (default {_default('batch_size')})")
    config.add_argument("--optimizer", choices=OPTIMIZERS, help=f"update rule (default {_default('optimizer')})")
    config.add_argument(
        "--lr",
        type=float,
        help="learning rate (default: the preset's, else 0.05 for sgd, momentum and nesterov, "
        "0.001 for adam and adamw)",
    )
    config.add_argument(
        "--momentum", type=float, help=f"momentum for momentum/nesterov (default {_default('momentum')})"
    )
    config.add_argument("--weight-decay", type=float, help="L2 penalty; decoupled decay for adamw (default 0)")
    config.add_argument("--beta1", type=float, help=f"Adam's first-moment decay (default {_default('beta1')})")
    config.add_argument("--beta2", type=float, help=f"Adam's second-moment decay (default {_default('beta2')})")
    config.add_argument(
        "--schedule", choices=("constant", "cosine", "step"), help="learning-rate schedule (default cosine)"
    )
    config.add_argument(
        "--warmup",
        type=float,
        metavar="EPOCHS",
        help="raise the learning rate linearly over the first EPOCHS epochs, step by step (default 0: none)",
    )
    config.add_argument("--clip-norm", type=float, help="clip gradients to this global norm (default: no clipping)")
    config.add_argument("--samples-per-epoch", type=int, help="examples drawn per epoch (default: all)")
    config.add_argument("--dtype", choices=("float32", "float64"), help="parameter dtype (default float32)")
    config.add_argument("--seed", type=int, help="seed of initialisation, split, shuffling, dropout (default 0)")
    config.add_argument(
        "--threads",
        type=threads_value,
        metavar="N|auto",
        help="BLAS threads: a number fixes them (a rerun or a resumed run repeats bit for bit); auto chooses "
        "each epoch from the free cores and a timed step (default auto)",
    )
    sizes = parser.add_argument_group("data sizes and diagnostics (each overrides the preset)")
    sizes.add_argument(
        "--train-size", type=int, help="train on the first N training examples (default: all not held out)"
    )
    sizes.add_argument(
        "--validation-size",
        type=int,
        help="N training examples held out to choose the best epoch and stop early (default: a twelfth, at most "
        "5000, when that is at least 1000 or --patience is given: MNIST's last 5000; drawn stratified from data "
        "in no known order; 0: none)",
    )
    sizes.add_argument(
        "--log-every", type=int, help=f"batches between diagnostic lines (default {_default('log_every')})"
    )
    sizes.add_argument("--train-eval-size", type=int, help="training examples scored each epoch (default 10000)")
    sizes.add_argument("--max-grad-norm", type=float, help="stop if a logged gradient norm exceeds this (default 1000)")
    sizes.add_argument("--max-loss", type=float, help="stop if a batch loss exceeds this (default 100)")
    _add_certified_options(parser)
    add_dataset_options(parser, default=None, data=True)  # unset: the preset's, or the resumed run's
    parser.set_defaults(run=run_train, training=True)


def _add_certified_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "certified training (each overrides the preset; docs/certification.md)",
        "With --certified-eps the loss is kappa * CE(logits) + (1 - kappa) * CE(worst-case logits over the "
        "eps-ball); after the warm-up, eps grows linearly from 0 and kappa falls from 1 over the ramp.",
    )
    group.add_argument(
        "--certified-eps",
        type=eps_value,
        metavar="EPS",
        help="train against every L-infinity perturbation of this radius: 0.1, 8/255, ... (default: plain training)",
    )
    group.add_argument(
        "--certified-method",
        choices=CERTIFIED_METHODS,
        help=f"the bound in the loss: intervals or CROWN-IBP (default {_default('certified_method')})",
    )
    group.add_argument(
        "--certified-warmup",
        type=float,
        metavar="EPOCHS",
        help=f"epochs of plain training before eps grows (default {_default('certified_warmup')})",
    )
    group.add_argument(
        "--certified-ramp",
        type=float,
        metavar="EPOCHS",
        help=f"epochs over which eps grows from 0 to its value (default {_default('certified_ramp')})",
    )
    group.add_argument(
        "--certified-kappa",
        type=float,
        metavar="K",
        help=f"final weight of the clean loss; it starts at 1 (default {_default('certified_kappa')})",
    )
    group.add_argument(
        "--certified-beta",
        type=float,
        metavar="B",
        help="crown-ibp: final weight of the CROWN-IBP bound against IBP; it starts at 1 "
        f"(default {_default('certified_beta')})",
    )


def eps_value(text: str) -> float:
    """``"0.1"``, ``"8/255"``: a radius as a float (argparse type)."""
    try:
        return float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected a number such as 0.1 or 8/255, got {text!r}") from None


def threads_value(text: str) -> int | str:
    """``"auto"`` or a whole number (argparse type; the configuration checks that it is >= 1)."""
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or auto, got {text!r}") from None


def overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The configuration fields the command line sets."""
    return {field: getattr(args, option) for option, field in FIELDS.items() if getattr(args, option, None) is not None}


def flag_error(error: InvalidArgumentError) -> InvalidArgumentError:
    """The same error, naming the flag the user typed (``--lr``) instead of the field (``learning_rate``)."""
    text = str(error)
    for option, field in FIELDS.items():
        if text.startswith((f"{field} ", f"{field}:")):
            return InvalidArgumentError("--" + option.replace("_", "-") + text[len(field) :])
    return error


def _config(args: argparse.Namespace, resume: Any) -> TrainConfig:
    values = overrides(args)
    try:
        if resume is None:
            return preset(args.preset, **values)
        try:
            recorded = parse_json(resume.metadata["config"])
            base = TrainConfig.from_dict(recorded)
        except (KeyError, TypeError, AttributeError, JSONError, InvalidArgumentError) as error:
            reason = f" ({error})" if isinstance(error, InvalidArgumentError | JSONError) else ""
            raise InvalidArgumentError(
                f"{args.resume}: the checkpoint records no usable training configuration{reason}"
            ) from None
        try:  # what the checkpoint asks for (not what the options change) is over a ceiling: name the file
            check_run(dataclasses.replace(base, **values))
        except InvalidArgumentError as error:
            field = str(error).split()[0].rstrip(":")
            if field not in values:
                hint = "; or pass --threads N" if field == "threads" else ""
                raise InvalidArgumentError(f"{args.resume}: the checkpoint's {error}{hint}") from None
        changed = [
            f"--{name}"
            for name in _ARCHITECTURE
            if name in values and (name not in recorded or values[name] != getattr(base, name))
        ]
        if changed:
            raise InvalidArgumentError(
                f"{args.resume}: the checkpoint's architecture is {resume.network.describe()}; "
                f"{', '.join(changed)} asks for another (start a new run instead)"
            )
        resumed = dataclasses.replace(base, **values)
        if args.preset is not None:  # the checkpoint's configuration goes on; a preset may only agree with it
            asked = preset(args.preset, **values)
            differ = [f.name for f in dataclasses.fields(resumed) if getattr(asked, f.name) != getattr(resumed, f.name)]
            if differ:
                raise InvalidArgumentError(
                    f"{args.resume}: --preset {args.preset} differs from the checkpoint's configuration in "
                    f"{', '.join(differ[:6])}{', ...' if len(differ) > 6 else ''}: a resumed run continues the "
                    "checkpoint's (drop --preset, or start a new run)"
                )
        return resumed
    except InvalidArgumentError as error:
        raise flag_error(error) from None


def _resumed_data(args: argparse.Namespace, resume: Any) -> None:
    """Refuse to resume a run on your own data without that data, before anything is trained."""
    name = resume.metadata.get("dataset", "")
    if not args.data and args.dataset is None and name and name not in DATASETS:
        raise InvalidArgumentError(
            f"{args.resume} was trained on {name}, your own data: give it again with --data PATH"
        )


def _check_plots(args: argparse.Namespace, resume: Any) -> None:
    """Refuse before training a --plot whose files could not be written (a link or a directory in their place)."""
    name = args.name if args.name is not None else (resume.metadata.get("run") if resume is not None else None)
    if not isinstance(name, str):  # a fresh default name: no file can be in its place
        return
    try:
        check_run_name(name)
    except InvalidArgumentError:  # train() refuses it with its own message
        return
    files = RunFiles.of(name, args.out, args.log_dir)
    for path in (files.curves, files.confusion):
        check_output(path, option="--plot", parents=True, kind="png")


def run_train(args: argparse.Namespace) -> int:
    if args.plot:
        pyplot()  # before training: a missing matplotlib must not cost a whole run
    data, test, notes = training_data(args)
    for note in notes:
        print(note)
    resume = load_model(args.resume) if args.resume is not None else None
    if resume is not None:
        _resumed_data(args, resume)
    if args.plot:
        _check_plots(args, resume)
    config = _config(args, resume)
    if args.kernel is not None and not config.conv:
        raise InvalidArgumentError(
            f"--kernel {args.kernel}: the network has no convolutions to use it (add --conv C1,C2,... or --preset cnn)"
        )
    try:
        result = train(
            config,
            data,
            test_data=test,
            data_dir=args.data_dir,
            out_dir=args.out,
            log_dir=args.log_dir,
            name=args.name,
            resume=resume,
            overwrite=args.overwrite,
        )
    except InvalidArgumentError as error:  # the checkpoint's (its run name): name the file, else the option
        if args.resume is not None and str(error).startswith("the checkpoint"):
            raise InvalidArgumentError(f"{args.resume}: {error}") from None
        raise flag_error(error) from None
    except ModelError as error:  # the checkpoint's history does not describe its parameters: name the file
        if args.resume is not None and str(error).startswith("the checkpoint"):
            raise ModelError(f"{args.resume}: {error}") from None
        raise
    files = result.files
    assert files is not None
    if args.plot:
        plot_history(result.history, files.curves, option="--plot")
        classes = data.classes if data is not None else DATASETS[config.dataset].class_names
        plot_confusion(result.final.confusion, classes, files.confusion, option="--plot")
        print(f"plots: {files.curves}, {files.confusion}")
    best = result.best
    chosen = "validation accuracy" if best.validation_accuracy is not None else "the last epoch"
    verified = ""
    if best.test_verified is not None:
        chosen = "interval-verified validation examples" if best.validation_verified is not None else chosen
        verified = f", interval-verified at eps {config.certified_eps:g} {best.test_verified:.2%}"
    if result.stopped is not None:
        print(result.stopped)
    print(
        f"best epoch {best.epoch} (by {chosen}): test accuracy {best.test_accuracy:.2%}{verified} in "
        f"{result.train_seconds:.1f} s of training; model {result.best_path}; log {result.log_path}; "
        f"history {files.history_csv}"
    )
    return 0
