"""The attack corpus replayed by scripts/attacks.py: hostile files, names, values, links, kills, full disks,
concurrency and schedulers, over every command (and the scikit-learn estimator).

Each attack is data: the command line, what must happen (refused in one line, accepted, or either but
cleanly), the files it plants in its sandbox, its environment, a file size limit (a full disk), a
signal and its moment (a kill), the outputs that must be complete if they change, and the files no
attack may change. The sandbox's ``work`` directory holds real MNIST and models trained by
:func:`build_base`; ``victim`` is outside it.
"""

import contextlib
import dataclasses
import gzip
import io
import json
import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import safetensors.numpy

Setup = Callable[[Path, Path], None]
MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
MODELS = ("model.safetensors", "adam.safetensors", "cnn.safetensors", "f64.safetensors")
INPUTS = ("digit.png", "digit.npy", "batch.npy", "sd.safetensors")
VICTIM = b"the victim's own file, outside the working directory\n"


def _nothing(work: Path, victim: Path) -> None:
    return None


def _no_problems(work: Path, before: dict[str, str], after: dict[str, str], status: int | None, err: str) -> list[str]:
    return []


@dataclasses.dataclass(frozen=True)
class Attack:
    """One hostile run of the command line (see the module docstring)."""

    id: str
    family: str
    argv: tuple[str, ...]
    expect: str  # "refuse", "accept", "exit1" (a check that fails honestly), or "clean" (either, without fault)
    names: tuple[str, ...] = ()  # a refusal's line must hold one of these (default: the files and options given)
    setup: Setup = _nothing
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    file_size: int | None = None
    kill: tuple[int, float] | None = None
    fresh: bool = False
    outputs: tuple[str, ...] = ()  # paths (under work) that, if changed, must be complete
    extra_check: Callable[[Path, dict[str, str], dict[str, str], int | None, str], list[str]] = _no_problems

    def protected(self, before: dict[str, str]) -> list[str]:
        """The files no outcome may change: all that existed, but the outputs and the run files it may update."""
        return [path for path in before if path not in self.outputs and not path.startswith(("logs/", "models/"))]

    def named(self, line: str) -> bool:
        given = self.names or tuple(
            part for part in (*self.argv, *self.env) if part.startswith("-") or "." in part or "/" in part or part.startswith("VERIFIED")
        )
        return any(name in line for name in given) or not given

    def complete(self, path: Path) -> bool:
        return complete(path)


def complete(path: Path) -> bool:
    """Whether an output is whole: it loads or parses as what its name says (a model, JSON, a PNG, ...)."""
    if path.is_dir() or path.is_symlink():
        return True
    data = path.read_bytes()
    try:
        if path.suffix == ".safetensors":
            from verified_nn.training import load_model

            load_model(path)
        elif path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".png":
            return data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(b"IEND\xaeB`\x82")
        elif path.suffix == ".onnx":
            import onnx

            onnx.checker.check_model(onnx.load_from_string(data))
        elif path.suffix == ".log":
            return data.endswith(b"\n") or not data
        elif path.suffix == ".gz":
            gzip.decompress(data)
    except Exception:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class Base:
    """The files every sandbox starts from (built once) and the servers the scheduler attacks reach."""

    root: Path
    ports: dict[str, int]

    def populate(self, work: Path, victim: Path) -> None:
        (work / "data" / "mnist").mkdir(parents=True)
        for name in MNIST_FILES:
            os.link(self.root / "data" / "mnist" / name, work / "data" / "mnist" / name)
        for name in (*MODELS, *INPUTS):
            shutil.copyfile(self.root / name, work / name)
        victim.mkdir()
        (victim / "secret.txt").write_bytes(VICTIM)
        shutil.copyfile(self.root / "model.safetensors", victim / "victim.safetensors")

    def environment(self, work: Path) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "VERIFIED_NN_DATA_DIR": str(work / "data"),
            "OPENBLAS_NUM_THREADS": "1",
            "PIP_NO_INDEX": "1",  # a fetch the attack provokes fails fast instead of downloading
            "LANG": "C.UTF-8",
        }


def build_base(root: Path) -> Base:
    """Real MNIST, four small trained models, a state dict, an image and arrays; servers for the scheduler.

    The files are made in a process of their own: training keeps freed memory for reuse, and a runner grown
    by it would lend its pages to every attack forked from it (and to the peak a new interpreter's
    ``ru_maxrss`` reports, which counts the forked image before ``exec``)."""
    if not (root / "model.safetensors").exists():
        code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import attack_corpus; attack_corpus.base_files(sys.argv[1])"
        subprocess.run([sys.executable, "-c", code, str(root)], check=True)
    return Base(root=root, ports=_servers())


def base_files(folder: str) -> None:
    """build_base's files, in a process of its own."""
    from verified_nn.data import MNIST, fetch, load
    from verified_nn.interop import torch_state_dict
    from verified_nn.training import TrainConfig, load_model, train

    root = Path(folder)
    cache = Path(os.environ.get("VERIFIED_NN_TEST_DATA") or Path.home() / ".cache" / "verified-nn" / "test-data")
    fetch(MNIST, cache / "mnist", report=lambda _: None)
    (root / "data" / "mnist").mkdir(parents=True, exist_ok=True)
    for name in MNIST_FILES:
        shutil.copyfile(cache / "mnist" / name, root / "data" / "mnist" / name)
    sizes: dict[str, Any] = {"train_size": 3000, "validation_size": 500, "test_size": 500, "train_eval_size": 500, "log_every": 10_000}
    configs = {
        "model": TrainConfig(hidden=(32,), epochs=1, **sizes),
        "adam": TrainConfig(hidden=(32,), epochs=1, optimizer="adam", **sizes),
        "cnn": TrainConfig(conv=(4,), kernel=3, hidden=(16,), epochs=1, **sizes),
        "f64": TrainConfig(hidden=(32,), epochs=1, dtype="float64", **sizes),
    }
    for name, config in configs.items():
        result = train(config, data_dir=root / "data", out_dir=root / "runs", log_dir=root / "runs", name=name, echo=False)
        shutil.copyfile(result.last_path, root / f"{name}.safetensors")
    network = load_model(root / "model.safetensors").network
    safetensors.numpy.save_file(torch_state_dict(network), root / "sd.safetensors")
    test = load("mnist", "test", directory=root / "data", dtype="uint8")
    pixels = np.asarray(test.inputs)
    np.save(root / "digit.npy", pixels[0].reshape(28, 28))
    np.save(root / "batch.npy", pixels[:5].reshape(5, 28, 28))
    (root / "digit.png").write_bytes(_png(np.kron(255 - pixels[0].reshape(28, 28), np.ones((4, 4), np.uint8))))


def _png(pixels: np.ndarray) -> bytes:
    from verified_nn.certify import png_bytes

    return png_bytes(pixels.astype(np.uint8))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _lying_png(width: int, height: int) -> bytes:
    """A valid PNG header declaring ``width`` x ``height`` grey pixels, followed by a few bytes of data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(64))) + _chunk(b"IEND", b"")


# The servers of the scheduler attacks: they run in the runner for its whole life (daemon threads).


def _serve(respond: Callable[[socket.socket], None]) -> int:
    listener = socket.create_server(("127.0.0.1", 0))

    def loop() -> None:
        while True:
            connection, _ = listener.accept()
            with contextlib.suppress(OSError):
                respond(connection)

    threading.Thread(target=loop, daemon=True).start()
    return int(listener.getsockname()[1])


def _hold(connection: socket.socket) -> None:
    threading.Timer(30, connection.close).start()


def _say(data: bytes, *, then_close: bool = False) -> Callable[[socket.socket], None]:
    def respond(connection: socket.socket) -> None:
        connection.sendall(data)
        if then_close:
            connection.close()
        else:
            _hold(connection)

    return respond


def _servers() -> dict[str, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        refused = int(probe.getsockname()[1])
    return {
        "refused": refused,
        "http": _serve(_say(b"HTTP/1.1 400 Bad Request\r\n\r\n", then_close=True)),
        "huge frame": _serve(_say((3 << 60).to_bytes(8, "little") + bytes(8))),
        "silent": _serve(_hold),
        "hang up": _serve(lambda c: c.close()),
        "ssh banner": _serve(_say(b"SSH-2.0-OpenSSH_9.6\r\n")),
        "small garbage": _serve(_say(struct.pack("<QQQ", 24, 1, 8) + b"\xc1" * 8)),
        "slow drip": _serve(_say(b"\x20")),
    }


# Hostile model files: each a function of the model file's tensors and metadata.

Tensors = dict[str, np.ndarray]
Meta = dict[str, str]


def _read(path: Path) -> tuple[bytes, Tensors, Meta]:
    raw = path.read_bytes()
    length = struct.unpack("<Q", raw[:8])[0]
    return raw, safetensors.numpy.load(raw), json.loads(raw[8 : 8 + length])["__metadata__"]


def _save(tensors: Tensors, metadata: Meta) -> bytes:
    return safetensors.numpy.save(tensors, metadata=metadata)


def _arch(metadata: Meta, layers: Any, **extra: Any) -> Meta:
    return {**metadata, "architecture": json.dumps({"input_shape": [784], "layers": layers, **extra})}


def _layer(metadata: Meta, index: int, **changes: Any) -> Meta:
    architecture = json.loads(metadata["architecture"])
    architecture["layers"][index].update(changes)
    return {**metadata, "architecture": json.dumps(architecture)}


def _history(metadata: Meta, **changes: Any) -> Meta:
    records = json.loads(metadata["history"])
    for record in records:
        record.update(changes)
    return {**metadata, "history": json.dumps(records)}


def _config(metadata: Meta, **changes: Any) -> Meta:
    return {**metadata, "config": json.dumps({**json.loads(metadata["config"]), **changes})}


def _model_variants() -> dict[str, tuple[Callable[[bytes, Tensors, Meta], bytes], frozenset[str] | None]]:
    """name -> (file content, the readers that must refuse it; None: all of them)."""
    deep = "[" * 100_000 + "]" * 100_000
    conv = [
        {"kind": "reshape", "shape": [1, 28, 28]},
        {"kind": "conv2d", "in": 1, "out": 1, "kernel": [1, 1], "stride": [1, 1], "padding": [100000, 100000]},
        {"kind": "flatten"},
    ]
    only_resume = frozenset({"resume"})
    w = "0.weight"
    return {
        "empty": (lambda r, t, m: b"", None),
        "four bytes": (lambda r, t, m: r[:4], None),
        "header cut": (lambda r, t, m: r[:40], None),
        "payload cut": (lambda r, t, m: r[:-100], None),
        "garbage header": (lambda r, t, m: struct.pack("<Q", 10) + b"{not json!" + r[18:], None),
        "header a list": (lambda r, t, m: struct.pack("<Q", 2) + b"[]", None),
        "length 2**63": (lambda r, t, m: struct.pack("<Q", 1 << 63) + r[8:], None),
        "deep header": (lambda r, t, m: struct.pack("<Q", len(deep)) + deep.encode(), None),
        "deep architecture": (lambda r, t, m: _save(t, {**m, "architecture": deep}), None),
        "deep history": (lambda r, t, m: _save(t, {**m, "history": deep}), None),
        "deep optimizer": (lambda r, t, m: _save(t, {**m, "optimizer": deep}), None),
        "deep config": (lambda r, t, m: _save(t, {**m, "config": deep}), only_resume),
        "20 MB metadata": (lambda r, t, m: _save(t, {**m, "run_note": "x" * 20_000_000}), None),
        "NaN weight": (lambda r, t, m: _save({**t, w: np.where(t[w] > 0.1, np.nan, t[w]).astype(t[w].dtype)}, m), None),
        "Inf bias": (lambda r, t, m: _save({**t, "0.bias": np.full_like(t["0.bias"], np.inf)}, m), None),
        "1e30 weight": (lambda r, t, m: _save({**t, w: np.full_like(t[w], 1e30)}, m), None),
        "dtype lie": (lambda r, t, m: _save(t, {**m, "dtype": "float64"}), None),
        "int64 tensor": (lambda r, t, m: _save({**t, "0.bias": t["0.bias"].astype(np.int64)}, m), None),
        "float16 tensor": (lambda r, t, m: _save({k: v.astype(np.float16) for k, v in t.items()}, m), None),
        "missing tensor": (lambda r, t, m: _save({k: v for k, v in t.items() if k != "2.bias"}, m), None),
        "extra tensor": (lambda r, t, m: _save({**t, "7.weight": t["0.bias"]}, m), None),
        "wrong shape": (lambda r, t, m: _save({**t, w: t[w][:, :100].copy()}, m), None),
        "5000 layers": (lambda r, t, m: _save(t, _arch(m, [*json.loads(m["architecture"])["layers"], *[{"kind": "relu"}] * 5000])), None),
        "padded conv": (lambda r, t, m: _save({"1.weight": np.ones((1, 1, 1, 1), np.float32), "1.bias": np.zeros(1, np.float32)}, _arch({k: v for k, v in m.items() if k in ("format", "dtype")}, conv)), None),
        "huge reshape": (lambda r, t, m: _save(t, _arch(m, [{"kind": "reshape", "shape": [10**12, 10**12]}, *json.loads(m["architecture"])["layers"]])), None),
        "unknown kind": (lambda r, t, m: _save(t, _layer(m, 1, kind="swish")), None),
        "in a string": (lambda r, t, m: _save(t, _layer(m, 0, **{"in": "784"})), None),
        "in negative": (lambda r, t, m: _save(t, _layer(m, 0, **{"in": -784})), None),
        "in 1e30": (lambda r, t, m: _save(t, _layer(m, 0, **{"in": 1e30})), None),
        "in true": (lambda r, t, m: _save(t, _layer(m, 0, **{"in": True})), None),
        "in 10**400": (lambda r, t, m: _save(t, {**m, "architecture": m["architecture"].replace('"in": 784', '"in": 1' + "0" * 400)}), None),
        "extra setting": (lambda r, t, m: _save(t, _layer(m, 1, slope=0.2)), None),
        "dropout rate 2": (lambda r, t, m: _save(t, _arch(m, [*json.loads(m["architecture"])["layers"][:2], {"kind": "dropout", "rate": 2}, *json.loads(m["architecture"])["layers"][2:]])), None),
        "slope NaN": (lambda r, t, m: _save(t, {**m, "architecture": json.dumps({"input_shape": [784], "layers": [*json.loads(m["architecture"])["layers"][:1], {"kind": "leaky_relu", "slope": float("nan")}, *json.loads(m["architecture"])["layers"][2:]]})}), None),
        "architecture a number": (lambda r, t, m: _save(t, {**m, "architecture": "7"}), None),
        "no layers": (lambda r, t, m: _save(t, _arch(m, [])), None),
        "layers null": (lambda r, t, m: _save(t, _arch(m, None)), None),
        "input shape lie": (lambda r, t, m: _save(t, {**m, "architecture": json.dumps({**json.loads(m["architecture"]), "input_shape": [100]})}), None),
        "input shape text": (lambda r, t, m: _save(t, {**m, "architecture": json.dumps({**json.loads(m["architecture"]), "input_shape": "784"})}), None),
        "other format": (lambda r, t, m: _save(t, {**m, "format": "other/1"}), None),
        "no format": (lambda r, t, m: _save(t, {k: v for k, v in m.items() if k != "format"}), None),
        "legacy garbage config": (lambda r, t, m: _save({"W1": t[w], "b1": t["0.bias"], "W2": t["2.weight"], "b2": t["2.bias"]}, {"architecture": "784-128-10", "config": json.dumps({"momentum": "fast"}), "history": "[1, 2]"}), only_resume),
        "legacy wrong shapes": (lambda r, t, m: _save({"W1": t[w][:5], "b1": t["0.bias"], "W2": t["2.weight"], "b2": t["2.bias"]}, {"architecture": "784-128-10"}), None),
        "history perfect": (lambda r, t, m: _save(t, _history(m, test_accuracy=1.0, validation_accuracy=1.0, train_accuracy=1.0, test_loss=0.0, validation_loss=0.0)), only_resume),
        "history 150%": (lambda r, t, m: _save(t, _history(m, test_accuracy=1.5)), None),
        "history negative loss": (lambda r, t, m: _save(t, _history(m, mean_loss=-3.0)), None),
        "history text": (lambda r, t, m: _save(t, _history(m, train_seconds="fast")), None),
        "history extra key": (lambda r, t, m: _save(t, _history(m, surprise=1)), only_resume),
        "epoch lie": (lambda r, t, m: _save(t, {**m, "epoch": "9"}), None),
        "config threads 10**6": (lambda r, t, m: _save(t, _config(m, threads=1_000_000)), only_resume),
        "config epochs 10**9": (lambda r, t, m: _save(t, _config(m, epochs=10**9)), frozenset()),
        "config rate text": (lambda r, t, m: _save(t, _config(m, learning_rate="high")), only_resume),
        "config hidden huge": (lambda r, t, m: _save(t, _config(m, hidden=[10**9])), only_resume),
        "config unknown key": (lambda r, t, m: _save(t, _config(m, turbo=True)), only_resume),
        "config a list": (lambda r, t, m: _save(t, {**m, "config": "[1, 2]"}), only_resume),
        "run name traversal": (lambda r, t, m: _save(t, {**m, "run": "../../victim/escaped"}), only_resume),
        "run name control": (lambda r, t, m: _save(t, {**m, "run": "x\x1b[2J"}), only_resume),
        "state unknown key": (lambda r, t, m: _save(t, {**m, "optimizer_state": json.dumps({**json.loads(m["optimizer_state"]), "step": -1})}), None),
        "optimizer unknown": (lambda r, t, m: _save(t, {**m, "optimizer": json.dumps({"name": "warp", "learning_rate": 1})}), None),
        "optimizer state type": (lambda r, t, m: _save(t, {**m, "optimizer_state": json.dumps({"type": "Other"})}), None),
        "velocity NaN": (lambda r, t, m: _save({**t, **{k: np.full_like(v, np.nan) for k, v in t.items() if k.startswith("optimizer.")}}, m), None),
        "velocity shape": (lambda r, t, m: _save({**t, **{k: v[:1].copy() for k, v in t.items() if k.startswith("optimizer.")}}, m), None),
        "png as model": (lambda r, t, m: _png(np.zeros((4, 4), np.uint8)), None),
        "text as model": (lambda r, t, m: b"README: this is not a model\n" * 10, None),
    }


def _adam_variants() -> dict[str, Callable[[bytes, Tensors, Meta], bytes]]:
    second = "optimizer.second.0.bias"
    return {
        "adam second negative": lambda r, t, m: _save({**t, second: -np.abs(t[second]) - 1}, m),
        "adam second 1e30": lambda r, t, m: _save({**t, second: np.full_like(t[second], 1e30)}, m),
        "adam first NaN": lambda r, t, m: _save({**t, "optimizer.first.0.bias": np.full_like(t[second], np.nan)}, m),
        "adam step 10**400": lambda r, t, m: _save(t, {**m, "optimizer_state": json.dumps({"type": "AdamState", "step": 10**400})}),
        "adam step negative": lambda r, t, m: _save(t, {**m, "optimizer_state": json.dumps({"type": "AdamState", "step": -1})}),
        "adam step float": lambda r, t, m: _save(t, {**m, "optimizer_state": json.dumps({"type": "AdamState", "step": 1.5})}),
    }


READERS: dict[str, tuple[str, ...]] = {
    "inspect": ("inspect", "{f}"),
    "evaluate": ("evaluate", "{f}"),
    "predict": ("predict", "{f}", "digit.npy"),
    "export": ("export", "{f}", "--torch", "out.safetensors"),
    "certify": ("certify", "{f}", "--eps", "0.01", "--count", "2", "--method", "crown"),
    "float-check": ("float-check", "{f}", "--count", "10", "--audit", "2"),
    "smoke": ("smoke", "--model", "{f}", "--batch-size", "2"),
    "resume": ("train", "--resume", "{f}", "--epochs", "2"),
}


def _plant_model(name: str, source: str, build: Callable[[bytes, Tensors, Meta], bytes]) -> Setup:
    def setup(work: Path, victim: Path) -> None:
        raw, tensors, metadata = _read(work / source)
        (work / name).write_bytes(build(raw, tensors, metadata))

    return setup


def _special(kind: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        if kind == "fifo":
            os.mkfifo(path)
        elif kind == "directory":
            path.mkdir()
        elif kind == "device":  # a private node in the sandbox, never the machine's /dev (root only)
            try:
                os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))
            except PermissionError:
                os.mkfifo(path)
        elif kind == "socket":
            with socket.socket(socket.AF_UNIX) as server:
                server.bind(str(path))
        elif kind == "link to fifo":
            os.mkfifo(path.with_name(path.name + ".target"))
            path.symlink_to(path.with_name(path.name + ".target"))
        elif kind == "dangling link":
            path.symlink_to(path.with_name("nowhere"))
        elif kind == "link to victim":
            sandbox = next(parent for parent in path.parents if (parent / "victim").is_dir())
            path.symlink_to(sandbox / "victim" / "secret.txt")
        elif kind == "link loop":
            path.symlink_to(path)

    return make


def plant(kind: str, name: str) -> Setup:
    """A setup placing a special file (see :func:`_special`) at ``name`` under the working directory."""

    def setup(work: Path, victim: Path) -> None:
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        _special(kind)(work / name)

    return setup


def write(name: str, content: Callable[[Path], bytes]) -> Setup:
    """A setup writing ``content(work)`` to ``name`` under the working directory."""

    def setup(work: Path, victim: Path) -> None:
        (work / name).write_bytes(content(work))

    return setup


SPECIALS = ("fifo", "directory", "device", "socket", "link to fifo", "dangling link", "link loop")


def model_file_attacks() -> Iterator[Attack]:
    for variant, (build, refused_by) in _model_variants().items():
        for reader, argv in READERS.items():
            refuse = refused_by is None or reader in refused_by
            name = "hostile.safetensors"
            yield Attack(
                id=f"model-file/{variant}/{reader}",
                family="model files",
                argv=tuple(part.replace("{f}", name) for part in argv),
                expect="refuse" if refuse else "clean",
                names=(name, "--resume"),
                setup=_plant_model(name, "model.safetensors", build),
                outputs=("out.safetensors",),
            )
    for variant, build in _adam_variants().items():
        for reader in ("inspect", "evaluate", "resume", "export"):
            name = "hostile.safetensors"
            yield Attack(
                id=f"model-file/{variant}/{reader}",
                family="model files",
                argv=tuple(part.replace("{f}", name) for part in READERS[reader]),
                expect="refuse",
                names=(name,),
                setup=_plant_model(name, "adam.safetensors", build),
                outputs=("out.safetensors",),
            )
    for kind in SPECIALS:
        for reader, argv in READERS.items():
            name = "special.safetensors"
            yield Attack(
                id=f"model-file/{kind}/{reader}",
                family="special files",
                argv=tuple(part.replace("{f}", name) for part in argv),
                expect="refuse",
                names=(name,),
                setup=plant(kind, "special.safetensors"),
            )


# Outputs: a link, a directory, a FIFO, a device, a socket, an input in the output's place.

WRITERS: dict[str, tuple[tuple[str, ...], str, str]] = {  # id -> (argv, option, the output's path)
    "export --torch": (("export", "model.safetensors", "--torch", "{o}"), "--torch", "out.safetensors"),
    "export --onnx": (("export", "model.safetensors", "--onnx", "{o}"), "--onnx", "out.onnx"),
    "import-torch --out": (("import-torch", "sd.safetensors", "--hidden", "32", "--out", "{o}"), "--out", "out.safetensors"),
    "certify --json": (("certify", "model.safetensors", "--eps", "0.01", "--count", "2", "--method", "crown", "--json", "{o}"), "--json", "out.json"),
    "evaluate --confusion-png": (("evaluate", "model.safetensors", "--confusion-png", "{o}"), "--confusion-png", "out.png"),
    "render --png": (("render", "0", "--count", "3", "--png", "{o}"), "--png", "out.png"),
}
# 1,000 images: 300 ended near chance in one epoch (22% validation accuracy), which the trainer refuses.
TRAIN = ("train", "--hidden", "16", "--train-size", "1000", "--validation-size", "100", "--test-size", "200", "--train-eval-size", "100", "--epochs", "1", "--log-every", "100")


def output_attacks() -> Iterator[Attack]:
    kinds = (*SPECIALS, "link to victim", "the input", "hard link to the input")
    for writer, (argv, option, output) in WRITERS.items():
        for kind in kinds:

            def setup(work: Path, victim: Path, kind: str = kind, output: str = output, argv: tuple[str, ...] = argv) -> None:
                source = work / argv[1]
                if kind == "the input":
                    return
                if kind == "hard link to the input":
                    os.link(source if source.exists() else work / "data/mnist/t10k-images-idx3-ubyte.gz", work / output)
                    return
                _special(kind)(work / output)

            target = argv[1] if kind == "the input" and writer != "render --png" else output
            if kind == "the input" and writer == "render --png":
                target = "data/mnist/t10k-images-idx3-ubyte.gz"
            yield Attack(
                id=f"output/{writer}/{kind}",
                family="outputs",
                argv=tuple(part.replace("{o}", target) for part in argv),
                expect="refuse",
                names=(option,),
                setup=setup,
            )
    run_files = {"best": "models/r-best.safetensors", "last": "models/r-last.safetensors", "log": "logs/r.log", "lock": "models/.r.lock"}
    for which, path in run_files.items():
        for kind in ("link to victim", "dangling link", "directory", "fifo", "device"):

            def setup_run(work: Path, victim: Path, path: str = path, kind: str = kind) -> None:
                (work / path).parent.mkdir(parents=True, exist_ok=True)
                _special(kind)(work / path)

            for overwrite in (False, True):
                refuse = not (overwrite and kind in ("link to victim", "dangling link") and which != "lock")
                yield Attack(
                    id=f"output/train {which}/{kind}{' --overwrite' if overwrite else ''}",
                    family="outputs",
                    argv=(*TRAIN, "--name", "r", *(("--overwrite",) if overwrite else ())),
                    expect="refuse" if refuse else "accept",
                    names=(path.split("/")[-1], "run r"),
                    setup=setup_run,
                )
    for kind in ("link to victim", "dangling link", "directory", "fifo"):
        yield Attack(
            id=f"output/train --plot/{kind}",
            family="outputs",
            argv=(*TRAIN, "--name", "p", "--plot"),
            expect="refuse",
            names=("--plot",),
            setup=plant(kind, "logs/p-confusion.png"),
        )
        yield Attack(
            id=f"output/certify --png/{kind}",
            family="outputs",
            argv=("certify", "model.safetensors", "--eps", "0.05", "--count", "3", "--method", "crown", "--png", "pngs"),
            expect="refuse" if kind != "directory" else "accept",
            names=("--png",),
            setup=plant(kind, "pngs"),
        )


# Values and names given on the command line.

BAD_NUMBERS = ("-1", "0", "1e400", "nan", "inf", "-inf", "abc", "", "10" * 20, "0x10", "1_000")
OPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # command -> (the command without the option, the options to attack)
    "train": (TRAIN, ("--epochs", "--batch-size", "--lr", "--momentum", "--weight-decay", "--beta1", "--beta2", "--clip-norm",
                      "--samples-per-epoch", "--train-size", "--validation-size", "--test-size", "--seed", "--threads",
                      "--log-every", "--train-eval-size", "--max-grad-norm", "--max-loss", "--dropout", "--shift", "--kernel",
                      "--certified-eps", "--certified-warmup", "--certified-ramp", "--certified-kappa", "--certified-beta")),
    "certify": (("certify", "model.safetensors", "--eps", "0.01", "--count", "2", "--method", "crown"), ("--count", "--time-limit", "--jobs", "--seed", "--eps", "--connect-timeout")),
    "float-check": (("float-check", "model.safetensors", "--count", "10"), ("--count", "--audit", "--show")),
    "smoke": (("smoke",), ("--batch-size", "--seed", "--dropout")),
    "render": (("render",), ("--count",)),
    "predict": (("predict", "model.safetensors", "digit.npy"), ("--top",)),
    "prove": (("prove", "--entry", "Flatten"), ("--show", "--seed")),
    "evaluate": (("evaluate", "model.safetensors"), ("--dataset", "--data-dir")),
}


def value_attacks() -> Iterator[Attack]:
    for command, (argv, options) in OPTIONS.items():
        for option in options:
            values: tuple[str, ...]
            if command == "certify" and option == "--eps":
                values = ("2", "-0.1", "1/0", "nan", "1e400", "abc", "", "0.1.2", "8/255/2", "1" * 5000)
            elif option in ("--dataset",):
                values = ("mnist2", "", "../../etc", "fashion-mnist\n")
            elif option == "--data-dir":
                values = ("missing-dir", "model.safetensors", "/proc/self", "")
            else:
                values = BAD_NUMBERS
            if option in ("--epochs", "--count", "--audit") and command in ("train", "certify", "float-check"):
                values = tuple(v for v in values if v not in ("1_000", "10" * 20) or (command, option) == ("float-check", "--count"))  # legitimately long
            for value in values:
                # "0", a huge number and "1_000" (which Python reads as 1000) are valid for some options and not
                # for others: either outcome is right if it is clean. The rest is never a valid value.
                expect = "clean" if value in ("0", "10" * 20, "1_000") else "refuse"
                if option in ("--dataset", "--data-dir", "--eps"):
                    expect = "refuse"
                yield Attack(
                    id=f"value/{command} {option} {value[:30]!r}",
                    family="values",
                    argv=(*argv, option, value),
                    expect=expect,
                    names=(option, value[:20]) if value else (option,),
                    outputs=(),
                )
    for name in ("../escape", "/tmp/abs", "a/b", "..", ".hidden", "tab\tname", "x" * 101, "", "new\nline", "nul\x00x", "-rf", "caf\u00e9"):
        yield Attack(id=f"value/train --name {name[:20]!r}", family="names", argv=(*TRAIN, "--name", name),
                     expect="refuse" if name not in ("caf\u00e9",) else "clean", names=("--name", "run name", "name"))
    for spec in ("784", "0", "-3", "100000000", "1,2,x", "1e9", ",,", "128,0", "none", "10000,10000,10000"):
        expect = "clean" if spec in ("784", "none") else "refuse"
        yield Attack(id=f"value/train --hidden {spec}", family="values", argv=(*TRAIN[:1], *TRAIN[3:], "--hidden", spec), expect=expect, names=("--hidden",))
        yield Attack(id=f"value/smoke --hidden {spec}", family="values", argv=("smoke", "--hidden", spec), expect=expect, names=("--hidden",))
    for spec in ("4", "0", "100000", "4,4,4,4,4,4", "-1", "x", "4096,4096"):
        expect = "clean" if spec == "4" else "refuse"
        yield Attack(id=f"value/train --conv {spec}", family="values", argv=(*TRAIN, "--conv", spec, "--kernel", "3"), expect=expect, names=("--conv", "--kernel"))
    for activation in ("swish", "leaky_relu(nan)", "leaky_relu(1e400)", "leaky_relu(-1)", "leaky_relu(", "relu\x00", "tanh", "sigmoid"):
        expect = "clean" if activation in ("tanh", "sigmoid") else "refuse"  # sigmoid is built in since the bound core
        yield Attack(id=f"value/train --activation {activation!r}", family="values", argv=(*TRAIN, "--activation", activation), expect=expect, names=("--activation", "activation"))
    for index in ("-1", "60000", "99999999999999999999", "x"):
        yield Attack(id=f"value/render index {index}", family="values", argv=("render", index), expect="refuse", names=(index, "samples", "index"))
    for entry in ("", " ", "x" * 1000, "\x00"):
        yield Attack(id=f"value/prove --entry {entry[:10]!r}", family="values", argv=("prove", "--entry", entry), expect="refuse", names=("--entry", "prove"))


ENV_CEILINGS = (
    "VERIFIED_NN_MAX_LAYERS", "VERIFIED_NN_MAX_PARAMETERS", "VERIFIED_NN_MAX_JSON_DEPTH", "VERIFIED_NN_MAX_MODEL_BYTES",
    "VERIFIED_NN_MAX_WORKERS", "VERIFIED_NN_MAX_MAGNITUDE", "VERIFIED_NN_MAX_DATA_BYTES", "VERIFIED_NN_MAX_IMAGE_PIXELS",
)


def environment_attacks() -> Iterator[Attack]:
    for variable in ENV_CEILINGS:
        for value in ("0", "-1", "lots", "1e9", "\uff11"):
            command: tuple[str, ...] = ("evaluate", "model.safetensors") if "IMAGE" not in variable else ("predict", "model.safetensors", "digit.png")
            if variable == "VERIFIED_NN_MAX_WORKERS":
                command = ("certify", "model.safetensors", "--eps", "0.01", "--count", "2", "--jobs", "2")
            yield Attack(id=f"env/{variable}={value}", family="environment", argv=command, expect="refuse", env={variable: value}, names=(variable,))
    for value in ("maybe", "", "2"):
        yield Attack(id=f"env/VERIFIED_NN_RUNTIME_CHECKS={value!r}", family="environment", argv=("inspect", "model.safetensors"),
                     expect="refuse" if value else "clean", env={"VERIFIED_NN_RUNTIME_CHECKS": value}, fresh=True, names=("VERIFIED_NN_RUNTIME_CHECKS",))
    for target in ("model.safetensors", "missing/dir", "fifo-dir"):
        def setup(work: Path, victim: Path, target: str = target) -> None:
            if target == "fifo-dir":
                os.mkfifo(work / "fifo-dir")
        yield Attack(id=f"env/VERIFIED_NN_DATA_DIR={target}", family="environment", argv=("render", "0"), expect="refuse",
                     env={"VERIFIED_NN_DATA_DIR": target}, setup=setup, names=(target,))
    yield Attack(id="env/VERIFIED_NN_MAX_LAYERS=2", family="environment", argv=("evaluate", "model.safetensors"), expect="refuse", env={"VERIFIED_NN_MAX_LAYERS": "2"}, names=("model.safetensors",))
    yield Attack(id="env/VERIFIED_NN_MAX_PARAMETERS=10", family="environment", argv=TRAIN, expect="refuse", env={"VERIFIED_NN_MAX_PARAMETERS": "10"}, names=("--hidden",))


# predict's inputs.


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _npy_header(descr: str, shape: str) -> bytes:
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}".encode()
    text += b" " * (63 - len(text) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def _image(kind: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    if kind == "bomb":
        Image.new("1", (30_000, 30_000), 0).save(buffer, "PNG")
    elif kind == "lying header":
        return _lying_png(100_000, 100_000)
    elif kind == "lying header under the ceiling":
        return _lying_png(4000, 4000)
    elif kind == "4096 page":
        page = np.full((4096, 4096), 255, np.uint8)
        page[1000:1400, 2000:2200] = 0
        Image.fromarray(page).save(buffer, "PNG")
    elif kind == "blank":
        Image.new("L", (64, 64), 255).save(buffer, "PNG")
    elif kind == "16-bit":
        Image.fromarray((np.arange(64 * 64).reshape(64, 64) * 7).astype(np.uint16)).save(buffer, "PNG")
    elif kind == "rgba":
        image = Image.new("RGBA", (80, 80), (0, 0, 0, 0))
        image.paste((0, 0, 0, 255), (20, 10, 40, 70))
        image.save(buffer, "PNG")
    elif kind == "cmyk jpeg":
        Image.new("CMYK", (64, 64), (0, 0, 0, 255)).save(buffer, "JPEG")
    elif kind == "gif":
        Image.new("P", (40, 40), 1).save(buffer, "GIF")
    elif kind == "tiff huge":
        Image.new("L", (16, 16), 0).save(buffer, "TIFF")
        data = bytearray(buffer.getvalue())
        return bytes(data)
    elif kind == "bmp":
        Image.new("L", (30, 30), 0).save(buffer, "BMP")
        data = bytearray(buffer.getvalue())
        data[18:26] = struct.pack("<ii", 1_000_000, 1_000_000)  # a header claiming 10^12 pixels
        return bytes(data)
    elif kind == "ico":
        Image.new("RGBA", (32, 32), (0, 0, 0, 255)).save(buffer, "ICO")
    return buffer.getvalue()


def predict_attacks() -> Iterator[Attack]:
    good = np.zeros((3, 28, 28), np.uint8)
    npys = {
        "object dtype": (_npy_header("|O", "(784,)") + bytes(8 * 784), "refuse"),
        "unicode dtype": (_npy_header("<U3", "(784,)") + bytes(12 * 784), "refuse"),
        "structured": (_npy_bytes(np.zeros(784, dtype=[("a", "u1")])), "refuse"),
        "10**8 images": (_npy_header("|u1", "(100000000, 784)"), "refuse"),
        "10001 images": (_npy_bytes(np.zeros((10_001, 784), np.uint8)), "refuse"),
        "2**62 shape": (_npy_header("<f8", f"({2**62}, {2**62}, 28)"), "refuse"),
        "negative": (_npy_header("|u1", "(-1, 784)"), "refuse"),
        "truncated": (_npy_bytes(good)[:-1], "refuse"),
        "trailing": (_npy_bytes(good) + b"x", "refuse"),
        "bad magic": (b"\x93NUMPZ" + _npy_bytes(good)[6:], "refuse"),
        "version 9": (_npy_bytes(good)[:6] + b"\x09\x00" + _npy_bytes(good)[8:], "refuse"),
        "code in header": (_npy_header("|u1", "__import__('os').system('touch pwned')"), "refuse"),
        "empty": (b"", "refuse"),
        "3 x 5": (_npy_bytes(np.zeros((3, 5), np.float32)), "refuse"),
        "NaN pixels": (_npy_bytes(np.full(784, np.nan)), "refuse"),
        "pixels 0-255 floats": (_npy_bytes(np.full(784, 200.0)), "refuse"),
        "int32 pixels": (_npy_bytes(np.zeros(784, np.int32)), "refuse"),
        "big-endian floats": (_npy_bytes(np.full((2, 784), 0.5, ">f8")), "accept"),
        "fortran": (_npy_bytes(np.asfortranarray(np.zeros((4, 784), np.float32))), "accept"),
        "bool": (_npy_bytes(np.zeros(784, bool)), "accept"),
        "zero images": (_npy_bytes(np.zeros((0, 784), np.uint8)), "clean"),
    }
    for name, (content, expect) in npys.items():
        yield Attack(id=f"predict/npy {name}", family="predict inputs", argv=("predict", "model.safetensors", "x.npy"), expect=expect,
                     setup=write("x.npy", lambda work, content=content: content), names=("x.npy",))  # type: ignore[misc]
    images = {"bomb": "refuse", "lying header": "refuse", "lying header under the ceiling": "refuse", "4096 page": "accept", "blank": "refuse", "16-bit": "clean",
              "rgba": "accept", "cmyk jpeg": "refuse", "gif": "refuse", "tiff huge": "clean", "bmp": "refuse", "ico": "clean"}
    for name, expect in images.items():
        yield Attack(id=f"predict/image {name}", family="predict inputs", argv=("predict", "model.safetensors", "x.img"), expect=expect,
                     setup=write("x.img", lambda work, name=name: _image(name)), names=("x.img",))  # type: ignore[misc]
    for share in (0.01, 0.1, 0.5, 0.9, 0.99):
        yield Attack(id=f"predict/png cut at {share:.0%}", family="predict inputs", argv=("predict", "model.safetensors", "cut.png"), expect="refuse",
                     setup=write("cut.png", lambda work, share=share: (data := (work / "digit.png").read_bytes())[: int(len(data) * share)]), names=("cut.png",))  # type: ignore[misc]
    for kind in (*SPECIALS, "link to victim"):
        for suffix in (".npy", ".png"):
            yield Attack(id=f"predict/{kind} {suffix}", family="special files", argv=("predict", "model.safetensors", f"x{suffix}"), expect="refuse",
                         setup=plant(kind, f"x{suffix}"), names=(f"x{suffix}",))
    yield Attack(id="predict/many files over the ceiling", family="predict inputs", argv=("predict", "model.safetensors", *["batch.npy"] * 2001), expect="refuse", names=("batch.npy",))
    yield Attack(id="predict/a good digit and a bomb", family="predict inputs", argv=("predict", "model.safetensors", "digit.png", "x.img"), expect="refuse",
                 setup=write("x.img", lambda work: _image("bomb")), names=("x.img",))


# import-torch: state dicts and architectures.


def import_attacks() -> Iterator[Attack]:
    def state(build: Callable[[Tensors], Tensors | bytes]) -> Setup:
        def setup(work: Path, victim: Path) -> None:
            tensors = safetensors.numpy.load_file(work / "sd.safetensors")
            built = build(tensors)
            (work / "in.safetensors").write_bytes(built if isinstance(built, bytes) else safetensors.numpy.save(built))
        return setup

    states: dict[str, Callable[[Tensors], Tensors | bytes]] = {
        "NaN": lambda t: {**t, "0.weight": np.full_like(t["0.weight"], np.nan)},
        "1e30": lambda t: {**t, "0.bias": np.full_like(t["0.bias"], 1e30)},
        "int": lambda t: {**t, "0.bias": t["0.bias"].astype(np.int32)},
        "missing": lambda t: {k: v for k, v in t.items() if k != "2.weight"},
        "extra": lambda t: {**t, "9.weight": t["0.bias"]},
        "transposed": lambda t: {**t, "0.weight": t["0.weight"].T.copy()},
        "empty": lambda t: b"",
        "garbage": lambda t: b"\x00" * 100,
        "deep header": lambda t: struct.pack("<Q", 200_000) + ("[" * 100_000 + "]" * 100_000).encode(),
        "huge offsets": lambda t: struct.pack("<Q", 70) + b'{"0.weight":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4]}}'[:70] + bytes(4),
        "float16": lambda t: {k: v.astype(np.float16) for k, v in t.items()},
        "float64": lambda t: {k: v.astype(np.float64) for k, v in t.items()},
    }
    for name, build in states.items():
        expect = "accept" if name in ("float16", "float64") else "refuse"
        yield Attack(id=f"import-torch/state {name}", family="import-torch", argv=("import-torch", "in.safetensors", "--hidden", "32", "--out", "m.safetensors"),
                     expect=expect, setup=state(build), names=("in.safetensors", "--hidden"), outputs=("m.safetensors",))
    architectures = {
        "deep": "[" * 100_000 + "]" * 100_000,
        "50000 layers": json.dumps([{"kind": "dense", "in": 784, "out": 32}, *[{"kind": "relu"}] * 50_000]),
        "2 MB": json.dumps([{"kind": "relu", "pad": "x" * 2_000_000}]),
        "not a list": "7",
        "empty list": "[]",
        "strings": '["dense"]',
        "unknown kind": '[{"kind": "swish"}]',
        "huge in": '[{"kind": "dense", "in": 1' + "0" * 30 + ', "out": 32}]',
        "padded conv": json.dumps([{"kind": "reshape", "shape": [1, 28, 28]}, {"kind": "conv2d", "in": 1, "out": 1, "kernel": [1, 1], "stride": [1, 1], "padding": [10**6, 10**6]}]),
        "NaN": "[NaN]",
        "good": json.dumps([{"kind": "dense", "in": 784, "out": 32}, {"kind": "relu"}, {"kind": "dense", "in": 32, "out": 10}]),
    }
    for name, text in architectures.items():
        expect = "accept" if name == "good" else "refuse"
        for form in ("inline", "@file"):
            if form == "inline" and len(text) > 100_000:
                continue
            argument = text if form == "inline" else "@arch.json"
            yield Attack(id=f"import-torch/architecture {name} {form}", family="import-torch",
                         argv=("import-torch", "sd.safetensors", "--architecture", argument, "--out", "m.safetensors"), expect=expect,
                         setup=write("arch.json", lambda work, text=text: text.encode()), names=("--architecture",), outputs=("m.safetensors",))  # type: ignore[misc]
    for kind in (*SPECIALS, "link to victim"):
        yield Attack(id=f"import-torch/@{kind}", family="special files", argv=("import-torch", "sd.safetensors", "--architecture", "@arch.json", "--out", "m.safetensors"),
                     expect="refuse", setup=plant(kind, "arch.json"), names=("--architecture",))
        yield Attack(id=f"import-torch/state is {kind}", family="special files", argv=("import-torch", "in.safetensors", "--hidden", "32", "--out", "m.safetensors"),
                     expect="refuse", setup=plant(kind, "in.safetensors"), names=("in.safetensors",))
    for hidden in ("0", "-1", "x", "100000000", "32,32", "none"):
        yield Attack(id=f"import-torch/--hidden {hidden}", family="import-torch", argv=("import-torch", "sd.safetensors", "--hidden", hidden, "--out", "m.safetensors"),
                     expect="refuse", names=("--hidden", "sd.safetensors"))


# Data files.


_BOMB: list[bytes] = []


def _bomb() -> bytes:
    """A gzip file whose IDX header declares MNIST's test images but whose stream inflates to 64 MiB."""
    if not _BOMB:
        _BOMB.append(gzip.compress(struct.pack(">HBB3I", 0, 8, 3, 10000, 28, 28) + bytes(64 << 20), 9))
    return _BOMB[0]


def data_attacks() -> Iterator[Attack]:
    images = "data/mnist/t10k-images-idx3-ubyte.gz"

    def plant(kind: str, path: str = images) -> Setup:
        def setup(work: Path, victim: Path) -> None:
            target = work / path
            content = target.read_bytes()
            target.unlink()
            if kind == "truncated":
                target.write_bytes(content[: len(content) // 2])
            elif kind == "garbage":
                target.write_bytes(os.urandom(1000))
            elif kind == "bomb":
                target.write_bytes(_bomb())
            elif kind == "huge header":
                target.write_bytes(gzip.compress(struct.pack(">HBB3I", 0, 8, 3, 2**31, 2**31, 2**31)))
            elif kind == "empty":
                target.write_bytes(b"")
            else:
                _special(kind)(target)
        return setup

    readers = {
        "render": ("render", "0"),
        "data check": ("data", "check"),
        "distribution": ("data", "distribution", "--split", "test"),
        "evaluate": ("evaluate", "model.safetensors"),
        "certify": ("certify", "model.safetensors", "--eps", "0.01", "--count", "2", "--method", "crown"),
        "float-check": ("float-check", "model.safetensors", "--count", "5"),
    }
    for kind in ("truncated", "garbage", "bomb", "huge header", "empty", "fifo", "directory", "device", "link to victim", "dangling link"):
        for reader, argv in readers.items():
            yield Attack(id=f"data/{kind}/{reader}", family="data files", argv=argv, expect="refuse", setup=plant(kind), names=("t10k-images", "mnist"))


# Kills and full disks during every kind of write.

KILLED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # id -> (argv, outputs)
    # About 5 s on a quiet machine, so that the kills at 2 and 3.5 s land while it trains and writes.
    "train": (("train", "--hidden", "128", "--train-size", "30000", "--validation-size", "500", "--test-size", "1000", "--epochs", "12", "--threads", "1", "--name", "k", "--overwrite"),
              ("models/k-best.safetensors", "models/k-last.safetensors", "logs/k.log")),
    "export --torch": (("export", "cnn.safetensors", "--torch", "out.safetensors"), ("out.safetensors",)),
    "export --onnx": (("export", "cnn.safetensors", "--onnx", "out.onnx"), ("out.onnx",)),
    "import-torch": (("import-torch", "sd.safetensors", "--hidden", "32", "--out", "out.safetensors"), ("out.safetensors",)),
    "certify --json": (("certify", "model.safetensors", "--eps", "0.02", "--count", "5", "--method", "crown", "--json", "out.json"), ("out.json",)),
    "evaluate --confusion-png": (("evaluate", "model.safetensors", "--confusion-png", "out.png"), ("out.png",)),
    "render --png": (("render", "0", "--count", "50", "--png", "out.png"), ("out.png",)),
}


def _old_outputs(outputs: tuple[str, ...]) -> Setup:
    """Earlier, complete versions of the outputs: a kill or a full disk must leave them whole."""

    def setup(work: Path, victim: Path) -> None:
        for output in outputs:
            path = work / output
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".safetensors":
                shutil.copyfile(work / "model.safetensors", path)
            elif path.suffix == ".json":
                path.write_text('{"old": true}\n')
            elif path.suffix == ".png":
                path.write_bytes(_png(np.zeros((3, 3), np.uint8)))
            elif path.suffix == ".onnx":
                import onnx

                from verified_nn.interop import to_onnx
                from verified_nn.training import load_model

                path.write_bytes(to_onnx(load_model(work / "model.safetensors").network).SerializeToString())
                _ = onnx
            elif path.suffix == ".log":
                path.write_text("an earlier line\n")

    return setup


def kill_and_disk_attacks() -> Iterator[Attack]:
    for writer, (argv, outputs) in KILLED.items():
        for signum in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
            for moment in (0.2, 0.6, 1.2, 2.0, 3.5):
                yield Attack(id=f"kill/{writer}/{signal.Signals(signum).name} at {moment} s", family="kills", argv=argv, expect="clean",
                             kill=(signum, moment), setup=_old_outputs(outputs), outputs=outputs)
        for size in (0, 512, 20_000, 150_000, 1_000_000):
            yield Attack(id=f"disk/{writer}/{size} bytes", family="full disks", argv=argv, expect="clean", file_size=size,
                         setup=_old_outputs(outputs), outputs=outputs, names=(*(o.split("/")[-1] for o in outputs), "--out", "--json", "--png", "--torch", "--onnx", "--confusion-png", "File too large"))


# Concurrency: runs of one name, writers of one file, in two processes at once (the second is a fresh
# interpreter started by the first attack's setup, so the two overlap).


_OTHERS: dict[str, Any] = {}  # sandbox -> the second process of a concurrency attack (started in its setup)


def _start_concurrent(argv: tuple[str, ...]) -> Setup:
    def setup(work: Path, victim: Path) -> None:
        import subprocess
        import sys

        entry = Path(sys.executable).parent / "verified-nn"
        env = {**os.environ, "VERIFIED_NN_DATA_DIR": str(work / "data"), "OPENBLAS_NUM_THREADS": "1", "PIP_NO_INDEX": "1"}
        err = open(victim.parent / "other.err", "wb")  # noqa: SIM115  # closed when the check has waited
        _OTHERS[str(work)] = (subprocess.Popen([str(entry), *argv], cwd=work, stdout=subprocess.DEVNULL, stderr=err, env=env), err)

    return setup


def _other_was_clean(work: Path, before: dict[str, str], after: dict[str, str], status: int | None, err: str) -> list[str]:
    process, handle = _OTHERS.pop(str(work))
    try:
        code = process.wait(timeout=120)
    except Exception:
        process.kill()
        return ["hang (concurrent)"]
    finally:
        handle.close()
    text = (work.parent / "other.err").read_text(errors="replace")
    problems = ["traceback (concurrent)"] if "Traceback" in text else []
    if code not in (0, 2) or (code == 2 and len(text.splitlines()) != 1):
        problems.append(f"concurrent run ended {code}: {text[-200:]!r}")
    return problems


def concurrency_attacks() -> Iterator[Attack]:
    train = (*TRAIN[:3], "--train-size", "2000", "--validation-size", "300", "--test-size", "500", "--epochs", "2", "--name", "r")
    for delay in range(8):
        yield Attack(id=f"concurrent/two trains of one name #{delay}", family="concurrency", argv=train, expect="clean",
                     setup=_start_concurrent(train), outputs=("models/r-best.safetensors", "models/r-last.safetensors"),
                     names=("run r",), extra_check=_other_was_clean)
    for writer in ("export --torch", "export --onnx", "import-torch", "certify --json"):
        argv, outputs = KILLED[writer]
        for repeat in range(3):
            yield Attack(id=f"concurrent/two {writer} into one file #{repeat}", family="concurrency", argv=argv, expect="accept",
                         setup=_start_concurrent(argv), outputs=outputs, extra_check=_other_was_clean)


# Schedulers.


def scheduler_attacks(base: Base) -> Iterator[Attack]:
    command = ("certify", "model.safetensors", "--eps", "0.01", "--count", "2", "--method", "crown", "--scheduler")
    addresses = [
        "tcp://::::", "::::", "tcp://", "tcp://:8786", "udp://127.0.0.1:8786", "inproc://x/1/2", "tcp://127.0.0.1:0",
        "tcp://127.0.0.1:65536", "tcp://127.0.0.1:-5", "tcp://127.0.0.1:80/path", "tcp://a b:1", "tcp://[::1", "tcp://h\x00:1",
        "x" * 1000, "", "http://127.0.0.1:8786", "tcp://256.256.256.256:1", "tcp://no-such-host.invalid:8786",
        "tcp://192.0.2.1:8786", "tcp://[::1]:1", "localhost", "tcp://127.0.0.1:1e3",
    ]
    for address in addresses:
        yield Attack(id=f"scheduler/{address[:40]!r}", family="schedulers", argv=(*command, address), expect="refuse", names=("--scheduler",))
    for name, port in base.ports.items():
        for timeout in ("1", "5"):
            yield Attack(id=f"scheduler/{name} server, timeout {timeout}", family="schedulers",
                         argv=(*command, f"tcp://127.0.0.1:{port}", "--connect-timeout", timeout), expect="refuse", names=("--scheduler",))


# The scikit-learn estimator.

ESTIMATOR = (
    "import numpy as np, sys, warnings\n"
    "warnings.simplefilter('ignore')\n"
    "from verified_nn.sklearn import MLPClassifier\n"
    "X = np.random.default_rng(0).random((40, 6)); y = np.arange(40) % 3\n"
    "try:\n"
    "    MLPClassifier({params}).fit(X, y)\n"
    "except (ValueError, TypeError) as error:\n"
    "    print('verified-nn: error: ' + str(error).splitlines()[0], file=sys.stderr); sys.exit(2)\n"
)


def estimator_attacks() -> Iterator[Attack]:
    params = {
        "hidden_layer_sizes=(10**9,)": "refuse", "hidden_layer_sizes=(0,)": "refuse", "hidden_layer_sizes='x'": "refuse",
        "hidden_layer_sizes=(2.5,)": "refuse", "threads=10**6": "refuse", "threads=0": "refuse", "threads=-1": "refuse",
        "max_iter=0": "refuse", "max_iter=2.5": "refuse", "learning_rate_init=float('nan')": "refuse", "learning_rate_init=-1": "refuse",
        "learning_rate_init=1e30, max_iter=3": "clean", "alpha=-1": "refuse", "alpha=float('inf')": "refuse", "batch_size=0": "refuse",
        "batch_size=10**12, max_iter=2": "clean", "dropout=1": "refuse", "dropout=float('nan')": "refuse", "momentum=1": "refuse",
        "validation_fraction=1, early_stopping=True": "refuse", "early_stopping=True, validation_fraction=0.99": "clean",
        "dtype='float16'": "refuse", "solver='lbfgs'": "refuse", "activation='sigmoid'": "clean", "activation='swish'": "refuse", "activation='leaky_relu(nan)'": "refuse",
        "tol=-1": "refuse", "n_iter_no_change=0": "refuse", "random_state='x'": "refuse", "verbose=True, max_iter=2": "clean",
        "hidden_layer_sizes=(3,), max_iter=2": "accept",
    }
    for param, expect in params.items():
        code = ESTIMATOR.replace("{params}", param)
        yield Attack(id=f"sklearn/{param}", family="estimator", argv=("__python__", code), expect=expect, fresh=True, names=("",))


def corpus(base: Base) -> list[Attack]:
    """Every attack, in a fixed order."""
    return [
        *model_file_attacks(),
        *output_attacks(),
        *value_attacks(),
        *environment_attacks(),
        *predict_attacks(),
        *import_attacks(),
        *data_attacks(),
        *kill_and_disk_attacks(),
        *concurrency_attacks(),
        *scheduler_attacks(base),
        *estimator_attacks(),
    ]
