"""Fault suite for outputs: every command's files refused in one line when a link, a directory, a FIFO or an
input stands in their place, checked before any long work, and never written through or half-written."""

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from datafiles import fast_training, use_synthetic_mnist

from verified_nn.cli import main
from verified_nn.files import OutputError
from verified_nn.training import RunFiles, TrainConfig, load_model, train

FAST = fast_training(2, train_eval=400)
VICTIM = b"a file outside the command's reach\n"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model file trained once on the synthetic dataset (copied into each test's directory)."""
    folder = tmp_path_factory.mktemp("trained")
    with pytest.MonkeyPatch.context() as patch:
        use_synthetic_mnist(folder, patch)
        assert main(["train", *FAST, "--name", "m"]) == 0
    return folder / "models" / "m-best.safetensors"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, trained: Path) -> Path:
    use_synthetic_mnist(tmp_path, monkeypatch)
    (tmp_path / "m.safetensors").write_bytes(trained.read_bytes())
    (tmp_path / "victim").write_bytes(VICTIM)
    return tmp_path


def _plant(kind: str, path: Path, victim: Path) -> None:
    if kind == "link":
        path.symlink_to(victim)
    elif kind == "dangling link":
        path.symlink_to(path.parent / "nowhere")
    elif kind == "directory":
        path.mkdir()
    else:
        os.mkfifo(path)


KINDS = {
    "link": "is a symbolic link",
    "dangling link": "is a symbolic link",
    "directory": "is a directory, not a regular file",
    "fifo": r"is a FIFO \(named pipe\), not a regular file",
}

# (command, the option naming the output, the output's name in the working directory)
COMMANDS: list[tuple[list[str], str, str]] = [
    (["export", "m.safetensors", "--torch", "{out}"], "--torch", "t.safetensors"),
    (["export", "m.safetensors", "--onnx", "{out}"], "--onnx", "m.onnx"),
    (["certify", "m.safetensors", "--eps", "0.01", "--count", "3", "--json", "{out}"], "--json", "c.json"),
    (["evaluate", "m.safetensors", "--confusion-png", "{out}"], "--confusion-png", "c.png"),
    (["render", "0", "--png", "{out}"], "--png", "r.png"),
    (["import-torch", "m.safetensors", "--hidden", "128", "--out", "{out}"], "--out", "i.safetensors"),
]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize(("command", "option", "name"), COMMANDS, ids=[c[1] + " " + c[0][0] for c in COMMANDS])
def test_an_output_in_the_place_of_a_link_directory_or_fifo_is_refused_before_any_work(
    workdir: Path, capsys: pytest.CaptureFixture[str], command: list[str], option: str, name: str, kind: str
) -> None:
    if option == "--onnx":
        pytest.importorskip("onnx")
    target = workdir / name
    _plant(kind, target, workdir / "victim")
    before = sorted(p.name for p in workdir.iterdir())
    assert main([part.replace("{out}", name) for part in command]) == 2
    captured = capsys.readouterr()
    assert captured.out == "", "refused before any work: nothing was printed"
    line = captured.err.strip()
    assert "\n" not in line and line.startswith(f"verified-nn: error: {option} {name}: "), line
    assert re.search(KINDS[kind], line), line
    assert sorted(p.name for p in workdir.iterdir()) == before, "nothing written, no part file left"
    assert (workdir / "victim").read_bytes() == VICTIM and not (workdir / "nowhere").exists()


def test_export_refuses_to_write_over_its_own_input_and_two_outputs_on_one_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = (workdir / "m.safetensors").read_bytes()
    os.link(workdir / "m.safetensors", workdir / "hard-link")
    for command in (
        ["export", "m.safetensors", "--torch", "m.safetensors"],
        ["export", "m.safetensors", "--torch", "hard-link"],
        ["export", "m.safetensors", "--torch", "./m.safetensors"],
        ["import-torch", "m.safetensors", "--hidden", "128", "--out", "m.safetensors"],
        ["evaluate", "m.safetensors", "--confusion-png", "m.safetensors"],
        ["certify", "m.safetensors", "--eps", "0", "--json", "m.safetensors"],
    ):
        assert main(command) == 2
        assert "is the same file as the input m.safetensors; choose another output path" in capsys.readouterr().err
    pytest.importorskip("onnx")
    assert main(["export", "m.safetensors", "--torch", "x", "--onnx", f"{workdir}/x"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"verified-nn: error: --onnx {workdir}/x and --torch x name the same file: give each its own"
    )
    assert (workdir / "m.safetensors").read_bytes() == model and not (workdir / "x").exists()


def test_an_output_named_as_the_other_format_is_refused_and_an_onnx_model_file_gets_a_hint(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # export --torch x.onnx wrote safetensors that verify-spec then read as ONNX, and failed.
    assert main(["export", "m.safetensors", "--torch", "t.onnx"]) == 2
    assert capsys.readouterr().err == (
        "verified-nn: error: --torch t.onnx: the file written is a PyTorch state dict in safetensors, "
        "not .onnx: rename it\n"
    )
    assert main(["export", "m.safetensors", "--onnx", "m2.safetensors"]) == 2
    assert capsys.readouterr().err == (
        "verified-nn: error: --onnx m2.safetensors: the file written is ONNX, not .safetensors: rename it\n"
    )
    assert not (workdir / "t.onnx").exists() and not (workdir / "m2.safetensors").exists()
    pytest.importorskip("onnx")
    assert main(["export", "m.safetensors", "--onnx", "m.onnx"]) == 0
    capsys.readouterr()
    assert main(["certify", "m.onnx", "--eps", "0.01", "--method", "crown"]) == 2
    assert capsys.readouterr().err == (
        "verified-nn: error: m.onnx: not a model file (it is not in the safetensors format): import it first "
        "(verified-nn import-onnx MODEL.onnx --out MODEL.safetensors)\n"
    )


# (command, the option naming the model file it writes, that file's name); {out} stands for it
MODEL_WRITERS: list[tuple[list[str], str, str]] = [
    (["export", "m.safetensors", "--torch", "{out}"], "--torch", "t.safetensors"),
    (["export", "m.safetensors", "--onnx", "{out}"], "--onnx", "m.onnx"),
    (["import-torch", "t.safetensors", "--hidden", "128", "--out", "{out}"], "--out", "i.safetensors"),
    (["import-onnx", "m.onnx", "--out", "{out}"], "--out", "i.safetensors"),
]


@pytest.mark.parametrize(
    ("command", "option", "name"), MODEL_WRITERS, ids=[c[0][0] + " " + c[1] for c in MODEL_WRITERS]
)
def test_a_file_that_exists_is_replaced_only_with_overwrite(
    workdir: Path, capsys: pytest.CaptureFixture[str], command: list[str], option: str, name: str
) -> None:
    from verified_nn.interop import save_torch

    if "onnx" in command[0] or option == "--onnx":
        pytest.importorskip("onnx")
        pytest.importorskip("onnxruntime")
        assert main(["export", "m.safetensors", "--onnx", "m.onnx"]) == 0
    save_torch(workdir / "t.safetensors", load_model(workdir / "m.safetensors").network)
    target = workdir / (name if name != "m.onnx" else "out.onnx")
    target.write_bytes(VICTIM)  # a user's file, under the name the command was given by mistake
    argv = [part.replace("{out}", target.name) for part in command]
    capsys.readouterr()
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"verified-nn: error: {option} {target.name}: exists; replace it with --overwrite, or choose another path\n"
    )
    assert target.read_bytes() == VICTIM
    assert main([*argv, "--overwrite"]) == 0
    assert target.read_bytes() != VICTIM and target.stat().st_size > len(VICTIM)


REPORTS = [c for c in COMMANDS if c[1] in ("--json", "--confusion-png", "--png")]


@pytest.mark.parametrize(("command", "option", "name"), REPORTS, ids=[c[1] + " " + c[0][0] for c in REPORTS])
def test_a_report_replaces_its_last_report_but_never_a_model_of_the_same_name(
    workdir: Path, capsys: pytest.CaptureFixture[str], command: list[str], option: str, name: str
) -> None:
    model = workdir / "other.safetensors"  # another model, not the command's input
    model.write_bytes(kept := (workdir / "m.safetensors").read_bytes())
    argv = [part.replace("{out}", model.name) for part in command]
    assert main(argv) == 2  # the path of a model given by mistake where the report goes
    kind = "JSON" if option == "--json" else "PNG"
    assert capsys.readouterr().err.startswith(
        f"verified-nn: error: {option} other.safetensors: exists and is not a {kind} file; it is never replaced by one"
    )
    assert model.read_bytes() == kept
    argv = [part.replace("{out}", name) for part in command]
    assert main(argv) == 0 and main(argv) == 0  # run again: the report of the first run is replaced
    assert (workdir / name).stat().st_size > 0


def test_certify_refuses_a_png_directory_that_is_a_link_or_a_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "linked").symlink_to(workdir)
    for name, message in (("linked", "is a symbolic link"), ("victim", "is a regular file, not a directory")):
        assert main(["certify", "m.safetensors", "--eps", "0.01", "--png", name]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and f"--png {name}: {message}" in captured.err
    assert (workdir / "victim").read_bytes() == VICTIM


def test_train_plot_files_in_the_place_of_links_are_refused_before_training(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("matplotlib")
    (workdir / "logs").mkdir()
    (workdir / "logs" / "p-curves.png").symlink_to(workdir / "victim")
    assert main(["train", *FAST, "--name", "p", "--plot"]) == 2
    captured = capsys.readouterr()
    assert "--plot logs/p-curves.png: is a symbolic link" in captured.err
    assert not (workdir / "models").exists() and (workdir / "victim").read_bytes() == VICTIM


@pytest.mark.parametrize("which", ["log", "best", "last"])
def test_a_link_planted_in_a_runs_place_is_an_existing_run_and_never_followed(
    workdir: Path, which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    files = RunFiles.of("r", workdir / "models", workdir / "logs")
    path: Path = getattr(files, which)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(workdir / "absent-victim")  # dangling: it still counts as the run's file
    assert main(["train", *FAST, "--name", "r"]) == 2
    assert f"run r exists ({path.relative_to(workdir)})" in capsys.readouterr().err
    assert main(["train", *FAST, "--name", "r", "--overwrite"]) == 0  # the link is removed, not followed
    assert not (workdir / "absent-victim").exists() and not path.is_symlink()


def test_resuming_into_a_planted_link_is_refused_before_training(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *FAST, "--name", "s"]) == 0
    last = workdir / "models" / "s-last.safetensors"
    (workdir / "resume.safetensors").write_bytes(last.read_bytes())
    log = workdir / "logs" / "s.log"
    log.unlink()
    log.symlink_to(workdir / "victim")
    assert main(["train", *fast_training(3, train_eval=400), "--resume", "resume.safetensors"]) == 2
    assert f"logs/s.log: is a symbolic link to {workdir / 'victim'}" in capsys.readouterr().err
    assert (workdir / "victim").read_bytes() == VICTIM
    assert load_model(last).metadata["epoch"] == "2", "the run's checkpoint is untouched"


def test_the_training_log_keeps_every_line_of_a_resumed_run(workdir: Path) -> None:
    config = TrainConfig(epochs=2, batch_size=16, log_every=10, train_eval_size=400, validation_size=100)
    first = train(config, out_dir=workdir / "models", log_dir=workdir / "logs", name="l", echo=False)
    before = first.log_path.read_text()
    resumed: Callable[[], object] = lambda: train(  # noqa: E731
        TrainConfig(**{**config.__dict__, "epochs": 3}),
        out_dir=workdir / "models",
        log_dir=workdir / "logs",
        resume=load_model(first.last_path),
        echo=False,
    )
    resumed()
    after = first.log_path.read_text()
    assert after.startswith(before) and "epoch 3/3" in after[len(before) :]


def test_the_library_writers_refuse_links_too(workdir: Path) -> None:
    from verified_nn.interop import save_torch

    saved = load_model(workdir / "m.safetensors")
    (workdir / "planted").symlink_to(workdir / "victim")
    with pytest.raises(OutputError, match="planted: is a symbolic link"):
        save_torch(workdir / "planted", saved.network)
    assert (workdir / "victim").read_bytes() == VICTIM


FULL_DISK = [  # (command, how the refusal names the output, the output); library writers name the path alone
    (["export", "m.safetensors", "--torch", "out.safetensors", "--overwrite"], "out.safetensors", "out.safetensors"),
    (
        ["import-torch", "t.safetensors", "--hidden", "128", "--out", "out.safetensors", "--overwrite"],
        "out.safetensors",
        "out.safetensors",
    ),
    (
        ["certify", "m.safetensors", "--eps", "0.01", "--count", "2", "--method", "crown", "--json", "out.json"],
        "--json out.json",
        "out.json",
    ),
    (["evaluate", "m.safetensors", "--confusion-png", "out.png"], "--confusion-png out.png", "out.png"),
    (["render", "0", "--count", "4", "--png", "out.png"], "--png out.png", "out.png"),
]


@pytest.mark.parametrize(("command", "named", "output"), FULL_DISK, ids=[c[1] for c in FULL_DISK])
def test_a_full_disk_leaves_the_previous_output_whole_and_says_so_in_one_line(
    workdir: Path, real_data_dir: Path, command: list[str], named: str, output: str
) -> None:
    """RLIMIT_FSIZE in the command's process: writes past 256 bytes fail as on a full disk (EFBIG)."""
    from faults import one_line, run_command

    from verified_nn.interop import save_torch

    if command[0] == "import-torch":
        save_torch(workdir / "t.safetensors", load_model(workdir / "m.safetensors").network)
    previous = {".png": b"\x89PNG\r\n\x1a\n", ".json": b"{"}.get(Path(output).suffix, b"") + b"the previous output\n"
    (workdir / output).write_bytes(previous)  # of the kind written there: a report replaces only a report
    environment = {"VERIFIED_NN_DATA_DIR": str(real_data_dir)}  # real MNIST, read only
    result = run_command(command, cwd=workdir, file_size=256, env=environment)
    assert result.returncode == 2
    assert (
        one_line(result)
        == f"verified-nn: error: {named}: cannot write (File too large); the previous file is unchanged"
    )
    assert (workdir / output).read_bytes() == previous
    assert not list(workdir.glob(".*.part-*"))
