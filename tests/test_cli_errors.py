"""The real ``verified-nn`` entry point, in a subprocess, on the rough edges: exit status and the one stderr line.

Covered: a bad VERIFIED_NN_RUNTIME_CHECKS value, a reader of standard output that goes away (``| head``),
memory running out, names that are not valid UTF-8, special files given as data files, options the parser
refuses, and runs refused before their first epoch (which leave no file behind).
"""

import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from datafiles import fast_training, use_synthetic_mnist
from devices import device_node

from verified_nn import cli
from verified_nn.cli import main
from verified_nn.data import LIMIT_VARIABLE, MNIST

ENTRY_POINT = Path(sys.executable).parent / "verified-nn"
TIMEOUT = 60.0  # seconds; each case answers in about one, the margin is for a loaded machine


def _run(
    *args: str | bytes, env: dict[str, str] | None = None, stdout: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    assert ENTRY_POINT.exists(), f"{ENTRY_POINT}: the console script is not installed"
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    return subprocess.run(
        [os.fsencode(ENTRY_POINT), *(os.fsencode(a) if isinstance(a, str) else a for a in args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=environment,
        timeout=TIMEOUT,
        check=False,
    )


def _one_line(result: subprocess.CompletedProcess[bytes]) -> str:
    """The single line of stderr (asserting there is exactly one, and no traceback)."""
    text = result.stderr.decode("utf-8", "strict")  # stderr itself must be valid UTF-8
    assert text.count("\n") == 1 and text.endswith("\n"), text
    assert "Traceback" not in text
    return text.rstrip("\n")


def test_a_bad_runtime_checks_value_is_one_line_from_the_command() -> None:
    for args in (["--version"], ["data", "check"], ["render", "0"]):
        result = _run(*args, env={"VERIFIED_NN_RUNTIME_CHECKS": "maybe"})
        assert result.returncode == 2
        assert _one_line(result) == (
            "verified-nn: error: VERIFIED_NN_RUNTIME_CHECKS must be one of 1/0, on/off, true/false, yes/no"
            " (or unset for on); got 'maybe'"
        )


def test_a_bad_runtime_checks_value_is_an_invalid_argument_error_for_library_users() -> None:
    program = (
        "try:\n    import verified_nn.network\n"
        "except ValueError as error:\n    print(type(error).__module__, type(error).__name__, error, sep='|')\n"
    )
    environment = {**os.environ, "VERIFIED_NN_RUNTIME_CHECKS": "sometimes"}
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=environment, check=False
    )
    module, name, message = result.stdout.strip().split("|")
    assert (module, name) == ("verified_nn.core", "InvalidArgumentError")
    assert message.startswith("VERIFIED_NN_RUNTIME_CHECKS must be one of") and message.endswith("got 'sometimes'")


def _into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run with standard output a pipe whose reader has already gone, as ``| head`` leaves it."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return _run(*args, stdout=write_end)
    finally:
        os.close(write_end)


def test_help_into_a_pipe_whose_reader_left_ends_quietly_with_status_0() -> None:
    result = _into_a_closed_pipe("--help")
    assert (result.returncode, result.stderr) == (0, b"")


LONG_OUTPUT = (
    "import sys\nfrom verified_nn import cli\nfrom verified_nn.cli import _data\n"
    "def long(args):\n    for i in range(100_000):\n        print('line', i)\n    return 0\n"
    "_data.run_check = long\nsys.exit(cli.main(['data', 'check']))\n"
)


def test_a_long_output_into_a_pipe_whose_reader_left_ends_quietly_with_status_0() -> None:
    """A command printing 1 MB into a closed pipe (the fast stand-in for ``render --count 2000 | head``)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-c", LONG_OUTPUT], stdout=write_end, stderr=subprocess.PIPE, timeout=TIMEOUT, check=False
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (0, b"")


def test_a_broken_pipe_that_is_not_standard_output_is_still_an_error(tmp_path: Path) -> None:
    """Only a closed standard output is quiet: the check looks at stdout, not at the exception alone."""
    program = (
        "import sys\nfrom verified_nn import cli\nfrom verified_nn.cli import _data\n"
        "def broken(args):\n    raise BrokenPipeError(32, 'Broken pipe')\n"
        "_data.run_check = broken\nsys.exit(cli.main(['data', 'check']))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, timeout=TIMEOUT, check=False)
    assert result.returncode == 2
    assert _one_line(result) == "verified-nn: error: [Errno 32] Broken pipe"


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    """A data directory whose mnist/ folder is there (the files are added by each test)."""
    (tmp_path / "mnist").mkdir()
    return tmp_path


@pytest.mark.parametrize("command", [["data", "check"], ["data", "fetch"], ["render", "0"], ["data", "distribution"]])
def test_a_fifo_given_as_a_data_file_is_refused_at_once(dataset_dir: Path, command: list[str]) -> None:
    fifo = dataset_dir / "mnist" / MNIST.file("train", "images")
    os.mkfifo(fifo)
    result = _run(*command, "--data-dir", str(dataset_dir))
    assert result.returncode == 2
    assert _one_line(result) == f"verified-nn: error: {fifo}: is a FIFO (named pipe), not a regular file"


def test_a_device_given_as_a_data_file_is_refused_at_once(dataset_dir: Path) -> None:
    node = device_node(dataset_dir / "mnist" / MNIST.file("train", "images"))
    if node is None:
        pytest.skip("making a device node needs CAP_MKNOD")
    result = _run("data", "check", "--data-dir", str(dataset_dir))
    assert result.returncode == 2
    assert _one_line(result) == f"verified-nn: error: {node}: is a character device, not a regular file"


def test_a_data_directory_that_is_a_fifo_is_one_line(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    result = _run("data", "check", "--data-dir", str(tmp_path / "fifo"))
    assert result.returncode == 2
    assert (
        _one_line(result)
        == f"verified-nn: error: {tmp_path / 'fifo' / 'mnist'}: cannot create the data directory (Not a directory)"
    )


def test_a_bad_data_limit_is_one_line(dataset_dir: Path) -> None:
    result = _run("data", "check", "--data-dir", str(dataset_dir), env={LIMIT_VARIABLE: "lots"})
    assert result.returncode == 2
    assert (
        _one_line(result)
        == f"verified-nn: error: {LIMIT_VARIABLE} must be a positive whole number of bytes, got 'lots'"
    )


def test_a_name_that_is_not_utf8_reaches_the_error_line_escaped(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path) + b"/caf\xe9"  # Latin-1, not UTF-8
    os.makedirs(folder + b"/mnist")
    os.mkfifo(folder + b"/mnist/train-images-idx3-ubyte.gz")
    strict = {"PYTHONIOENCODING": "utf-8:strict"}  # as in a UTF-8 locale where stdout would refuse it
    result = _run("data", "check", "--data-dir", folder, env=strict)
    assert result.returncode == 2
    assert (
        _one_line(result)
        == f"verified-nn: error: {tmp_path}/caf\\udce9/mnist/train-images-idx3-ubyte.gz: is a FIFO (named pipe), not a regular file"
    )


def test_render_refuses_a_png_it_could_not_write_before_loading_anything(tmp_path: Path) -> None:
    result = _run("render", "--png", str(tmp_path / "missing" / "x.png"), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2
    assert (
        _one_line(result)
        == f"verified-nn: error: --png {tmp_path / 'missing' / 'x.png'}: the directory {tmp_path / 'missing'} does not exist"
    )
    assert not (tmp_path / "data").exists(), "nothing was fetched"
    result = _run("render", "--png", str(tmp_path / "x.png"), "--count", "5000", "--data-dir", str(tmp_path / "data"))
    assert _one_line(result) == "verified-nn: error: --count must be at most 200 with --png, got 5000"
    result = _run("render", "--png", str(tmp_path), "--data-dir", str(tmp_path / "data"))
    assert _one_line(result) == f"verified-nn: error: --png {tmp_path}: is a directory, not a regular file"


PARSER_ERRORS = [
    (["train", "--epochs", "abc"], "train", "argument --epochs: invalid int value: 'abc'"),
    (["train", "--hidden", "0"], "train", "argument --hidden: every width must be >= 1, got '0'"),
    (
        ["train", "--hidden", "128,,64"],
        "train",
        "argument --hidden: expected comma-separated widths such as 256,64, got '128,,64'",
    ),
    (
        ["train", "--optimizer", "lbfgs"],
        "train",
        "argument --optimizer: invalid choice: 'lbfgs' (choose from 'sgd', 'momentum', 'nesterov', 'adam', 'adamw')",
    ),
    (["train", "--preset", "huge"], "train", "argument --preset: invalid choice: 'huge' (choose from "),
    (
        ["train", "--dataset", "cifar"],
        "train",
        "argument --dataset: invalid choice: 'cifar' (choose from 'fashion-mnist', 'mnist')",
    ),
    (["train", "--conv", "0"], "train", "argument --conv: every width must be >= 1, got '0'"),
    (
        ["render", "0", "--split", "valid"],
        "render",
        "argument --split: invalid choice: 'valid' (choose from 'train', 'test')",
    ),
    (
        ["smoke", "--dtype", "float16"],
        "smoke",
        "argument --dtype: invalid choice: 'float16' (choose from 'float32', 'float64')",
    ),
    (["certify", "MODEL"], "certify", "the following arguments are required: --eps"),
    # Seeds, rates and radii numpy or the layers would refuse late, without naming the option.
    (["smoke", "--seed", "-1"], "smoke", "argument --seed: must be >= 0, got -1"),
    (["prove", "--seed", "-3"], "prove", "argument --seed: must be >= 0, got -3"),
    (
        ["certify", "MODEL", "--eps", "0.1", "--seed", "x"],
        "certify",
        "argument --seed: expected a whole number >= 0, got 'x'",
    ),
    (["train", "--dropout", "1.5"], "train", "argument --dropout: must lie in [0, 1), got '1.5'"),
    (
        ["import-torch", "SD", "--hidden", "8", "--dropout", "nan", "--out", "x"],
        "import-torch",
        "argument --dropout: must lie in [0, 1), got 'nan'",
    ),
    (
        ["train", "--certified-eps", "1e400"],
        "train",
        "argument --certified-eps: expected a number such as 0.1 or 8/255, got '1e400'",
    ),
    (["data", "frob"], "data", "argument COMMAND: invalid choice: 'frob' (choose from "),
]


@pytest.mark.parametrize(("args", "command", "message"), PARSER_ERRORS)
def test_an_option_the_parser_refuses_is_one_line_pointing_at_help(args: list[str], command: str, message: str) -> None:
    """No usage block: the command, argparse's message (naming the option), and where the help is."""
    result = _run(*args)
    assert result.returncode == 2 and result.stdout == b""
    line = _one_line(result)
    prefix, suffix = f"verified-nn {command}: error: {message}", f" (see verified-nn {command} --help)"
    assert line.startswith(prefix) and line.endswith(suffix), line
    if not message.endswith("(choose from "):
        assert line == prefix + suffix


def test_an_unknown_command_is_one_line_pointing_at_the_main_help() -> None:
    line = _one_line(_run("frob"))
    assert line.startswith("verified-nn: error: argument COMMAND: invalid choice: 'frob'")
    assert line.endswith(" (see verified-nn --help)")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["train", "--activation", "swish"],
            "--activation: unknown activation 'swish'; known: relu, leaky_relu, tanh, sigmoid, leaky_relu(SLOPE)",
        ),
        (
            ["certify", "MODEL", "--eps", "0.1", "--time-limit", "0"],
            "--time-limit must be a finite number of seconds > 0, got 0",
        ),
        (
            ["certify", "MODEL", "--eps", "0.1", "--time-limit", "inf"],
            "--time-limit must be a finite number of seconds > 0, got inf",
        ),
        (
            ["certify", "MODEL", "--eps", "0.1", "--time-limit", "1e30"],  # once said as 1e+18
            "--time-limit: each image may take 1e+30 seconds, over the limit of 86,400 seconds (set "
            "VERIFIED_NN_MAX_SECONDS to raise it)",
        ),
        (["certify", "MODEL", "--eps", "2", "--input-range", "pixels"], "--eps must lie in [0, 1], got 2"),
        (
            ["certify", "MODEL", "--eps", "-1"],
            "--eps must be >= 0, got -1",
        ),
        (
            ["certify", "MODEL", "--eps", "1", "--input-range", "0"],
            "--input-range: an input range is pixels, none or LOW:HIGH with low < high, got '0'",
        ),
        (["predict", "MODEL", "x.png", "--top", "0"], "--top must be >= 1, got 0"),
    ],
)
def test_a_bad_value_is_refused_naming_the_option_as_typed(args: list[str], line: str, tmp_path: Path) -> None:
    result = subprocess.run([ENTRY_POINT, *args], capture_output=True, cwd=tmp_path, timeout=TIMEOUT, check=False)
    assert result.returncode == 2
    assert _one_line(result) == f"verified-nn: error: {line}"
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory whose "mnist" is the synthetic dataset (400 training, 100 test images)."""
    return use_synthetic_mnist(tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--validation-size", "700"], "--validation-size 700 leaves no training examples out of 400; lower it"),
        (["--test-size", "999999"], "--test-size 999999 exceeds the 100 examples of the test set"),
        (
            ["--train-size", "999999"],
            "--train-size 999999 exceeds the 300 training examples left after holding out 100",
        ),
        (["--test-size", "0.5"], "--test-size 0.5: a fraction splits data without a test set; give a count"),
        (
            ["--conv", "32,32,32,32,32"],
            "--conv 32,32,32,32,32 with kernel 5 does not fit a 28x28 image (fewer blocks, or a smaller kernel): "
            "Network: layer 14: MaxPool2D",
        ),
    ],
)
def test_a_run_refused_before_its_first_epoch_names_the_option_and_leaves_no_file(
    options: list[str], message: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *fast_training(1, train_eval=50), *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"verified-nn: error: {message}") and err.count("\n") == 1, err
    assert err.count(options[0]) == 1, "the option is named once"
    assert not (workdir / "logs").exists() and not (workdir / "models").exists()


def test_a_refused_run_keeps_the_folders_and_files_that_were_there(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "logs").mkdir()
    (workdir / "logs" / "other.log").write_text("another run\n")
    assert main(["train", *fast_training(1, train_eval=50), "--test-size", "101", "--name", "r"]) == 2
    assert sorted(p.name for p in (workdir / "logs").iterdir()) == ["other.log"]
    assert not (workdir / "models").exists()


def test_a_run_that_fails_once_training_has_begun_keeps_its_log(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only a run refused before its first epoch is removed: the log of a diverging run shows what happened."""
    assert main(["train", *fast_training(1, train_eval=50), "--name", "wild", "--max-loss", "0.01"]) == 2
    assert "the loss" in capsys.readouterr().err
    assert "initial | test acc" in (workdir / "logs" / "wild.log").read_text()


def test_a_diverging_run_is_one_line_without_numpy_warnings_above_it(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """numpy's overflow warnings would print source lines above the trainer's one-line explanation."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["train", *fast_training(1, train_eval=50), "--name", "wild", "--lr", "1e30"]) == 2
    assert [str(warning.message) for warning in caught] == []
    assert "training diverged at learning rate 1e+30" in capsys.readouterr().err


def test_an_interrupt_while_the_library_loads_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert main(["render", "0"]) == 130
    assert capsys.readouterr().err == "verified-nn: interrupted\n"


def test_an_interrupt_of_a_command_says_so(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A bare KeyboardInterrupt (Ctrl-C in certify, say) printed 'verified-nn: ' and nothing more."""

    def interrupted(parser: object, argv: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", interrupted)
    assert main(["render", "0"]) == 130
    assert capsys.readouterr().err == "verified-nn: interrupted\n"


# With the real MNIST files (fetched once per session).


@pytest.mark.slow
def test_piping_a_long_output_into_head_ends_quietly_with_status_0(real_data_dir: Path) -> None:
    command = f"'{ENTRY_POINT}' render 0 --count 2000 --data-dir '{real_data_dir}' | head -n 1; exit ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", command], capture_output=True, timeout=TIMEOUT, check=False)
    assert result.stdout == b"mnist train sample 0: label 5\n"
    assert (result.returncode, result.stderr) == (0, b"")


@pytest.mark.slow
def test_a_name_that_is_not_utf8_is_printed_escaped_on_standard_output(real_data_dir: Path, tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    shutil.copytree(real_data_dir, os.fsdecode(folder))
    result = _run("data", "fetch", "--data-dir", folder, env={"PYTHONIOENCODING": "utf-8:strict"})
    assert (result.returncode, result.stderr) == (0, b"")
    expected = f"mnist: all 4 files present in {tmp_path}/caf\\udce9/mnist with verified SHA-256\n"
    assert result.stdout.decode("utf-8", "strict") == expected
    png = folder + b"/digits-\xff.png"
    result = _run(
        "render", "--png", png, "--count", "3", "--data-dir", folder, env={"PYTHONIOENCODING": "utf-8:strict"}
    )
    assert result.returncode == 0, result.stderr
    assert os.path.exists(png)
    assert result.stdout.decode() == f"wrote {tmp_path}/caf\\udce9/digits-\\udcff.png (3 samples of mnist train)\n"


def _address_space_after_start() -> int:
    """Bytes of address space the command has reserved once it has loaded, before it reads any data."""
    program = (
        "import numpy, re\nfrom verified_nn.cli import build_parser\nbuild_parser()\n"
        "print(re.search(r'VmPeak:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1))\n"
    )
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=environment, check=True
    )
    return int(result.stdout) * 1024


@pytest.mark.slow
def test_running_out_of_memory_is_one_line(real_data_dir: Path) -> None:
    """``data check`` needs about 250 MB for the 60,000 training images; give it 100 MB beyond start-up."""
    limit_kib = (_address_space_after_start() + 100 * 2**20) // 1024
    command = f"ulimit -v {limit_kib}; exec '{ENTRY_POINT}' data check --data-dir '{real_data_dir}'"
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run(["bash", "-c", command], capture_output=True, env=environment, timeout=TIMEOUT, check=False)
    assert result.returncode == 2
    assert re.fullmatch(r"verified-nn: error: out of memory( \(.*\))?", _one_line(result))
