"""--data on every command: train, evaluate, certify, float-check and predict a model of one's own data from the CLI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from verified_nn.cli import main
from verified_nn.data import write_idx
from verified_nn.training import load_model

RNG = np.random.default_rng(11)
LABELS = np.arange(240) % 3
IMAGES = RNG.random((240, 6, 6)) * 0.3  # faint noise in [0, 0.3]
for _label in range(3):
    IMAGES[_label == LABELS, 2 * _label : 2 * _label + 2, :] = 0.9  # each class lights its own band of rows
QUICK = ["--epochs", "4", "--batch-size", "16", "--hidden", "16"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    np.savez("bands.npz", x=IMAGES.astype(np.float32), y=LABELS)
    features = RNG.normal(size=(240, 5)) + np.eye(3, 5)[LABELS] * 3
    names = np.array(["owl", "cat", "emu"])[LABELS]
    header = "f0,f1,f2,f3,f4,species\n"
    rows = [",".join(f"{v:.6f}" for v in row) + f",{name}" for row, name in zip(features, names, strict=True)]
    Path("train.csv").write_text(header + "\n".join(rows[:180]) + "\n")
    Path("test.csv").write_text(header + "\n".join(rows[180:]) + "\n")
    return tmp_path


def test_train_evaluate_float_check_certify_and_predict_on_an_npz(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--data", "bands.npz", *QUICK, "--name", "b"]) == 0
    out = capsys.readouterr().out
    assert "data bands: 180 examples of shape (6, 6), 3 classes | train 180, test 60" in out
    model = "models/b-best.safetensors"
    assert main(["evaluate", model, "--data", "bands.npz"]) == 0
    out = capsys.readouterr().out
    split = "held out of 240 by test size 0.25, the default, seed 0"  # the examples training held out
    assert out.startswith(f"{model} on bands test (60 examples, {split})\n  accuracy 100.00%") and "note:" not in out
    assert main(["evaluate", model, "--data", "bands.npz", "--test-size", "30"]) == 0
    out = capsys.readouterr().out  # another split: said, and not the test set the model was reported on
    assert f"{model} on bands test (30 examples, held out of 240 by test size 30, from --test-size, seed 0)" in out
    assert "note: this is not the test set" in out
    assert main(["float-check", model, "--data", "bands.npz"]) == 0
    assert "64-16-3" not in capsys.readouterr().out  # 36 inputs: the flattened 6 x 6 images
    assert main(["float-check", model, "--data", "bands.npz", "--count", "9"]) == 0
    assert f"on bands test (9 examples, {split})" in capsys.readouterr().out
    assert main(["float-check", model, "--data", "bands.npz", "--split", "train", "--count", "9"]) == 0
    left = "left of 240 after holding out 60 by test size 0.25, the default, seed 0"
    assert f"on bands train (9 examples, {left})" in capsys.readouterr().out
    assert main(["float-check", model, "--test-data", "bands.npz", "--split", "train"]) == 2  # once: MNIST's
    err = capsys.readouterr().err
    assert "--split train reads the training part of --data; --test-data gives a test set only" in err
    assert main(["float-check", model, "--data", "bands.npz", "--count", "61"]) == 2
    assert capsys.readouterr().err == "verified-nn: error: --count 61 exceeds the 60 examples of bands test\n"
    capsys.readouterr()
    assert main(["certify", model, "--data", "bands.npz", "--eps", "0.001", "--count", "61", "--method", "ibp"]) == 0
    out = capsys.readouterr().out  # more than there are: all of them, and said
    assert "note: --count 61: the test set holds 60 examples; certifying all 60\n" in out
    assert "certify: 60 examples," in out
    assert main(["certify", model, "--data", "bands.npz", "--eps", "0.001", "--method", "ibp"]) == 0
    assert "note:" not in capsys.readouterr().out  # the default, 100, takes what there is without a word
    assert main(["certify", model, "--data", "bands.npz", "--eps", "0.01", "--count", "6", "--method", "crown"]) == 0
    assert f"{model} on bands test ({split})\n" in capsys.readouterr().out
    assert main(["train", "--data", "bands.npz", *QUICK, "--name", "half", "--test-size", "0.5", "--seed", "3"]) == 0
    capsys.readouterr()  # a split the model records is the one reused, and said to be
    assert main(["evaluate", "models/half-best.safetensors", "--data", "bands.npz"]) == 0
    out = capsys.readouterr().out
    assert "on bands test (120 examples, held out of 240 by test size 0.5, as in training, seed 3)" in out
    assert "note:" not in out
    np.save("one.npy", IMAGES[5].astype(np.float32))  # one 6 x 6 image, as the data holds them
    assert main(["predict", model, "one.npy", "--data", "bands.npz"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("one.npy: 2 (") and lines[-1].startswith("accuracy 100.00% (240 of 240 labelled")
    assert lines[1].startswith("bands.npz[0]: 0 (") and lines[1].endswith("| true 0")


def test_a_model_of_ones_own_data_asks_for_that_data(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--data", "bands.npz", *QUICK, "--name", "b"]) == 0
    capsys.readouterr()
    for command in (["evaluate"], ["float-check"], ["certify", "--eps", "0.01"]):
        assert main([command[0], "models/b-best.safetensors", *command[1:]]) == 2
        assert capsys.readouterr().err == (
            "verified-nn: error: models/b-best.safetensors was trained on bands, not a built-in dataset: give its "
            "data with --data PATH (or --test-data PATH)\n"
        )
    assert main(["train", "--resume", "models/b-last.safetensors", "--epochs", "5"]) == 2
    assert "was trained on bands, your own data: give it again with --data PATH" in capsys.readouterr().err
    assert main(["train", "--resume", "models/b-last.safetensors", "--epochs", "5", "--data", "bands.npz"]) == 0


def test_a_csv_table_with_named_labels_and_a_separate_test_file(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["--data", "train.csv", "--test-data", "test.csv", "--label-column", "species"]
    assert main(["train", *options, *QUICK, "--name", "t"]) == 0
    saved = load_model("models/t-best.safetensors")
    assert json.loads(saved.metadata["classes"]) == ["cat", "emu", "owl"] and saved.network.input_shape() == (5,)
    capsys.readouterr()
    assert main(["evaluate", "models/t-best.safetensors", "--test-data", "test.csv", "--label-column", "species"]) == 0
    out = capsys.readouterr().out
    assert "on test test (60 examples)" in out and "    0 cat" in out and "    2 owl" in out
    assert main(["float-check", "models/t-best.safetensors", *options, "--split", "train"]) == 0
    assert "on train train (180 examples, all of it: test.csv is the test set)" in capsys.readouterr().out
    assert main(["evaluate", "models/t-best.safetensors", *options]) == 0  # --test-data wins over --data
    assert "note:" not in capsys.readouterr().out
    assert main(["evaluate", "models/t-best.safetensors", "--data", "train.csv", "--label-column", "species"]) == 0
    assert "note: this is not the test set models/t-best.safetensors was reported on" in capsys.readouterr().out


def _reordered(source: str, target: str, order: list[int], names: list[str] | None = None) -> None:
    """``source``'s CSV with its columns in ``order`` (and its header's names replaced by ``names``)."""
    rows = [line.split(",") for line in Path(source).read_text().splitlines()]
    if names is not None:
        rows[0] = names
    Path(target).write_text("\n".join(",".join(row[i] for i in order) for row in rows) + "\n")


def test_a_table_whose_columns_differ_from_the_training_data_s_is_refused_not_misread(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The model records its features' names: the same values in other columns would be scored as the wrong
    features without a word (about chance accuracy here)."""
    options = ["--label-column", "species"]
    assert main(["train", "--data", "train.csv", "--test-data", "test.csv", *options, *QUICK, "--name", "t"]) == 0
    model = "models/t-best.safetensors"
    assert json.loads(load_model(model).metadata["feature_names"]) == ["f0", "f1", "f2", "f3", "f4"]
    capsys.readouterr()
    assert main(["inspect", model]) == 0
    assert '  feature_names       ["f0", "f1", "f2", "f3", "f4"]\n' in capsys.readouterr().out
    _reordered("test.csv", "swapped.csv", [1, 0, 2, 3, 4, 5])
    _reordered("test.csv", "moved.csv", [5, 0, 1, 2, 3, 4])  # the label first: the features in their order
    _reordered("test.csv", "renamed.csv", [0, 1, 2, 3, 4, 5], ["f0", "f1", "f2", "x3", "x4", "species"])
    capsys.readouterr()
    swapped = (
        "swapped.csv: its columns are those models/t-best.safetensors was trained on in another order (feature 1 "
        "is 'f1' where it was 'f0'): write them in the order 'f0', 'f1', 'f2', 'f3', 'f4'"
    )
    for command in (
        ["evaluate", model],
        ["float-check", model],
        ["predict", model],
        ["certify", model, "--eps", "0.01"],
    ):
        assert main([*command, "--test-data" if command[0] != "predict" else "--data", "swapped.csv", *options]) == 2
        assert capsys.readouterr().err == f"verified-nn: error: {swapped}\n"
    assert main(["evaluate", model, "--test-data", "renamed.csv", *options]) == 2
    assert capsys.readouterr().err == (
        "verified-nn: error: renamed.csv: its columns are not those models/t-best.safetensors was trained on: it "
        "has no 'f3', 'f4'; it has 'x3', 'x4' besides; expected 'f0', 'f1', 'f2', 'f3', 'f4'\n"
    )
    assert main(["evaluate", model, "--test-data", "test.csv", *options]) == 0
    by_name = capsys.readouterr().out
    assert main(["evaluate", model, "--test-data", "moved.csv", *options]) == 0  # where the label sits: no matter
    assert capsys.readouterr().out.replace("moved", "test") == by_name
    Path("plain.csv").write_text("\n".join(Path("test.csv").read_text().splitlines()[1:]) + "\n")
    assert main(["evaluate", model, "--test-data", "plain.csv", "--label-column", "5"]) == 0  # no header: no names
    capsys.readouterr()
    assert main(["train", "--data", "train.csv", "--test-data", "swapped.csv", *options, *QUICK, "--name", "s"]) == 2
    assert capsys.readouterr().err == (
        "verified-nn: error: swapped.csv: its columns are those of train.csv in another order (feature 1 is 'f1' "
        "where it was 'f0'): write them in the order 'f0', 'f1', 'f2', 'f3', 'f4'\n"
    )
    assert not Path("models/s-best.safetensors").exists()
    rows = [line + ",1.0" for line in Path("test.csv").read_text().splitlines()]
    Path("extra.csv").write_text("\n".join([rows[0][:-4] + ",f5", *rows[1:]]) + "\n")  # a sixth feature
    assert main(["train", "--data", "train.csv", "--test-data", "extra.csv", *options, *QUICK, "--name", "s"]) == 2
    assert "the test set's examples have shape (6,), the training set's (5,)" in capsys.readouterr().err
    assert main(["predict", model, "--data", "extra.csv", *options]) == 2
    assert "extra.csv: its columns are not those models/t-best.safetensors was trained on: it has 'f5' besides" in (
        capsys.readouterr().err
    )
    _reordered("test.csv", "numbered.csv", [0, 1, 2, 3, 4, 5], [str(i) for i in range(6)])  # pandas' unnamed columns
    assert main(["evaluate", model, "--test-data", "numbered.csv", "--label-column", "5"]) == 0  # read by position


def test_numbered_labels_for_a_model_of_named_classes_are_indices_and_said_to_be(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["--label-column", "species"]
    assert main(["train", "--data", "train.csv", "--test-data", "test.csv", *options, *QUICK, "--name", "t"]) == 0
    text = Path("test.csv").read_text()
    for index, name in enumerate(["cat", "emu", "owl"]):  # the model's classes, in its order
        text = text.replace(f",{name}\n", f",{index}\n")
    Path("numbered.csv").write_text(text)
    capsys.readouterr()
    assert main(["evaluate", "models/t-best.safetensors", "--test-data", "test.csv", *options]) == 0
    named = capsys.readouterr().out
    assert "note:" not in named
    assert main(["evaluate", "models/t-best.safetensors", "--test-data", "numbered.csv", *options]) == 0
    out = capsys.readouterr().out
    note = "note: the labels of numbered.csv are numbers, taken as class indices: 0 = cat, 1 = emu, 2 = owl; "
    assert out.startswith(note + "label by name to match by name\n")
    # The same scores as by name, and the test set the model was reported on (its SHA-256 is the same).
    assert out.split("\n", 1)[1].replace("numbered", "test") == named
    assert main(["predict", "models/t-best.safetensors", "--data", "test.csv", *options]) == 0
    by_name = capsys.readouterr().out.splitlines()[-1]
    assert main(["predict", "models/t-best.safetensors", "--data", "numbered.csv", *options]) == 0
    out = capsys.readouterr().out
    assert out.startswith(note) and out.splitlines()[-1] == by_name and by_name.startswith("accuracy ")
    assert main(["train", "--data", "train.csv", "--test-data", "numbered.csv", *options, *QUICK, "--name", "n"]) == 0
    assert capsys.readouterr().out.startswith(note)  # train matches its test set to its training data's classes
    Path("yak.csv").write_text(Path("test.csv").read_text().replace(",emu\n", ",yak\n", 1))
    assert main(["evaluate", "models/t-best.safetensors", "--test-data", "yak.csv", *options]) == 2
    err = capsys.readouterr().err
    assert "yak.csv: line 4: label 'yak' is not one of the classes (cat, emu, owl)" in err


def test_certify_takes_a_table_unclipped_and_refuses_a_range_its_inputs_leave(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ["--data", "train.csv", "--test-data", "test.csv", "--label-column", "species"]
    assert main(["train", *options, *QUICK, "--name", "t"]) == 0
    capsys.readouterr()
    assert main(["certify", "models/t-best.safetensors", *options, "--eps", "0.01", "--json", "c.json"]) == 0
    assert "certify: 60 examples, eps 1/100 = 0.01, inputs unbounded, method complete" in capsys.readouterr().out
    assert json.loads(Path("c.json").read_text())["summary"]["input_range"] == "unbounded"
    for chosen, line in (
        (["--input-range", "pixels"], "test.csv: these inputs range over [-"),
        (["--input-range=-1:1"], "test.csv: these inputs range over [-"),
        (
            ["--input-range", "none", "--png", "png"],
            "--png draws square greyscale images of pixels in [0, 1]; these inputs",
        ),
        (["--input-range", "0:1", "--eps", "2"], "--eps must lie in [0, 1], got 2"),
    ):
        assert main(["certify", "models/t-best.safetensors", *options, "--eps", "0.01", *chosen]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"verified-nn: error: {line}") and err.count("\n") == 1, err
    assert not Path("png").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["train", "--data", "bands.npz", "--dataset", "mnist"], "--dataset names a built-in dataset; --data gives"),
        (["train", "--test-data", "test.csv"], "--test-data needs training data: --data PATH"),
        (
            ["train", "--data", "bands.npz", "--data-dir", "data"],
            "--data-dir is where built-in datasets are kept; --data",
        ),
        (["data", "check", "--data", "bands.npz", "--data-dir", "data"], "--data reads your own files where they are"),
        (["data", "distribution", "--test-data", "t.csv", "--data-dir", "d"], "kept; --test-data reads your own files"),
        (["train", "--data", "a.npy", "b.npy", "c.npy"], "--data: one path, or two (inputs, labels); got 3"),
        (["train", "--data", "bands.npz", "--label-column", "y"], "bands.npz: a label column is for CSV tables"),
        (
            ["train", "--data", "train.csv"],
            "train.csv: which column holds the labels? name it or give its index (--label-column",
        ),
        (["train", "--data", "bands.npz", "--test-size", "abc"], "argument --test-size: expected a count such as 1000"),
        (["train", "--data", "bands.npz", "--patience", "0"], "--patience must be >= 1 or unset, got 0"),
        (["train", "--data", "bands.npz", "--shift", "1", "--epochs", "1"], None),
        (["predict", "m.safetensors"], "give FILEs to classify, or --data PATH"),
    ],
)
def test_data_options_that_cannot_work_are_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str | None
) -> None:
    try:
        status = main(arguments)
    except SystemExit as exit:  # argparse's own errors (one line too: see cli._Parser)
        status = int(exit.code or 0)
    err = capsys.readouterr().err
    if message is None:  # a shift of 6 x 6 images is allowed
        assert status == 0, err
        return
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert message in err


def test_a_users_idx_files_in_the_data_directory_survive_a_run(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = workdir / "data" / "mnist"
    write_idx(folder / "train-images-idx3-ubyte.gz", (IMAGES * 255).astype(np.uint8))
    write_idx(folder / "train-labels-idx1-ubyte.gz", LABELS.astype(np.uint8))
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert main(["train", "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("verified-nn: error: data/mnist/train-images-idx3-ubyte.gz: not mnist's")
    assert "(an IDX file of uint8 (240, 6, 6), SHA-256 " in err and "left untouched" in err and err.count("\n") == 1
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    assert sorted(path.name for path in workdir.iterdir()) == ["bands.npz", "data", "test.csv", "train.csv"]
    images, labels = (str(folder / name) for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"))
    assert main(["train", "--data", images, labels, *QUICK, "--name", "own"]) == 0  # as the message says
    assert "data mnist: 180 examples of shape (6, 6)" in capsys.readouterr().out


def test_the_progress_bar_stays_off_a_pipe_and_the_log_has_one_line_per_epoch(workdir: Path) -> None:
    script = "import sys; from verified_nn.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", script, "train", "--data", "bands.npz", *QUICK, "--name", "p"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert run.returncode == 0, run.stderr
    assert "\r" not in run.stderr and "batch/s" not in run.stderr
    log = (workdir / "logs" / "p.log").read_text().splitlines()
    assert [line.split(" |")[0] for line in log if line.startswith("epoch ")] == [f"epoch {e}/4" for e in (1, 2, 3, 4)]
    assert (workdir / "logs" / "p-history.csv").exists() and (workdir / "logs" / "p-history.json").exists()


def test_data_distribution_describes_ones_own_data(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "distribution", "--data", "train.csv", "--label-column", "species"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("train: 180 examples of shape (5,), 3 classes | value range [")
    assert out[1] == "train: 180 samples" and out[2].startswith("  0 cat ") and out[-1].startswith("balanced")
    assert main(["data", "distribution", "--data", "bands.npz", "--split", "test"]) == 2
    assert "bands.npz: has no test split of its own (--split train shows all of it)" in capsys.readouterr().err
    species = ["--label-column", "species"]
    for given in (["--test-data", "test.csv"], ["--data", "train.csv", "--test-data", "test.csv"]):
        assert main(["data", "distribution", *given, *species, "--split", "test"]) == 0  # once ignored for MNIST
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("test: 60 examples of shape (5,), 3 classes") and out[1] == "test test: 60 samples"
        assert main(["data", "distribution", *given, *species]) == 2
        assert "--test-data is a test set: show it with --split test" in capsys.readouterr().err


def test_data_check_reads_ones_own_data_as_train_does_and_shows_its_splits(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["data", "check", "--data", "bands.npz"]) == 0  # train on it says "train 180, test 60"
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("bands: 240 examples of shape (6, 6), 3 classes | value range [")
    assert out[1:] == [
        "  train       180 examples, trained on",
        "  validation  none (train holds out a twelfth of its data, at most 5,000, when that makes at least 1,000)",
        "  test        60 examples, held out by test size 0.25, stratified, seed 0",
        "ok: train --data reads it and, with its default settings, splits it as above",
    ]
    given = ["--data", "train.csv", "--test-data", "test.csv", "--label-column", "species", "--test-size", "20"]
    assert main(["data", "check", *given]) == 0
    text = capsys.readouterr().out
    assert "  train       180 examples, trained on\n" in text
    assert "  test        20 examples, from test.csv (its first --test-size)\n" in text
    assert "with its default settings and this --test-size, splits it as above\n" in text
    one = Path("one.csv")
    one.write_text("a,b,label\n" + "".join(f"{i},{i + 1},same\n" for i in range(20)))
    assert main(["data", "check", "--data", str(one)]) == 2  # refused as train refuses it
    assert "has one class, 'same': a classifier needs examples of at least 2" in capsys.readouterr().err
    assert main(["data", "check", "--test-data", "test.csv"]) == 2
    assert capsys.readouterr().err.startswith("verified-nn: error: --test-data needs training data: --data PATH")
    assert main(["data", "check", "--test-size", "100"]) == 2  # a built-in's check would ignore it
    assert "data check: --test-size goes with --data (your own data)" in capsys.readouterr().err
    monkeypatch.setenv("VERIFIED_NN_MAX_PARAMETERS", "1000")  # train would refuse its default network: so does check
    assert main(["data", "check", "--data", "bands.npz"]) == 2
    assert "the network has 5,123 parameters, over the limit of 1,000" in capsys.readouterr().err


def test_a_class_without_test_examples_is_shown_as_such_not_as_nan(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = pytest.importorskip("PIL.Image")
    for root, classes in (("shapes", 3), ("shapes-test", 2)):  # the test folder lacks the third class
        for label in range(classes):
            folder = Path(root) / f"class{label}"
            folder.mkdir(parents=True)
            for index in np.flatnonzero(label == LABELS)[:40]:
                image.fromarray((IMAGES[index] * 255).astype(np.uint8)).save(folder / f"{index}.png")
    assert main(["train", "--data", "shapes", "--test-data", "shapes-test", *QUICK, "--name", "s"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "models/s-best.safetensors", "--data", "shapes", "--test-data", "shapes-test"]) == 0
    out = capsys.readouterr().out
    assert "nan" not in out
    assert [line.split() for line in out.splitlines() if "no test examples" in line] == [
        ["2", "class2", "-", "(no", "test", "examples)"]
    ]


def test_inspect_shows_many_column_names_as_the_first_eight_and_the_count() -> None:
    from verified_nn.cli._models import _shown

    names = [f"x{i}" for i in range(20)]
    assert _shown("feature_names", json.dumps(names)) == ", ".join(f'"x{i}"' for i in range(8)) + ", ... (20 in all)"
    assert _shown("feature_names", json.dumps(names[:8])) == json.dumps(names[:8])  # eight or fewer: as recorded
    assert _shown("feature_names", "not json") == "not json" and _shown("dataset", "[1]") == "[1]"
