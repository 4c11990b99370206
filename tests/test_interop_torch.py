"""PyTorch both ways: exported files load with load_state_dict into the equivalent Sequential, and state dicts of
Sequentials trained in PyTorch import with their architecture given; predictions agree on the whole test set."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
from quick_models import quick_model

from verified_nn.cli import main
from verified_nn.data import load
from verified_nn.interop import (
    TORCH_SEQUENTIAL_KEY,
    from_torch_state_dict,
    load_torch,
    mlp_layers,
    torch_sequential_code,
    torch_state_dict,
)
from verified_nn.network import flatten, mlp
from verified_nn.optimizer import Momentum
from verified_nn.training import ModelError, load_model, save_model

Array = np.ndarray[Any, Any]


@pytest.fixture
def deep() -> Any:
    return mlp((784, 32, 16, 10), rng=np.random.default_rng(1), activation="leaky_relu(0.2)", dropout=0.25)


def test_the_state_dict_has_sequential_names_shapes_and_row_major_layout(deep: Any) -> None:
    tensors = torch_state_dict(deep)
    assert {name: block.shape for name, block in tensors.items()} == {
        "0.weight": (32, 784), "0.bias": (32,), "3.weight": (16, 32), "3.bias": (16,), "6.weight": (10, 16), "6.bias": (10,)
    }  # fmt: skip
    assert all(block.flags.c_contiguous and block.dtype == np.float32 for block in tensors.values())
    np.testing.assert_array_equal(tensors["0.weight"], deep.layers[0].weights)
    assert torch_sequential_code(deep) == (
        "torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.LeakyReLU(0.2), torch.nn.Dropout(0.25), "
        "torch.nn.Linear(32, 16), torch.nn.LeakyReLU(0.2), torch.nn.Dropout(0.25), torch.nn.Linear(16, 10))"
    )
    assert torch_sequential_code(deep.astype(np.float64)).endswith(".double()")


def test_mlp_layers_lists_the_layers_of_mlp_in_order(deep: Any) -> None:
    layers = mlp_layers([32, 16], inputs=784, classes=10, activation="leaky_relu(0.2)", dropout=0.25)
    assert layers == deep.config()["layers"]
    assert mlp_layers([], inputs=784, classes=10) == [{"kind": "dense", "in": 784, "out": 10}]


def test_a_state_dict_round_trips_to_the_same_network(deep: Any) -> None:
    back = from_torch_state_dict(torch_state_dict(deep), deep.config()["layers"])
    assert back == deep
    assert from_torch_state_dict(torch_state_dict(deep), {"layers": deep.config()["layers"]}) == deep
    half = {name: block.astype(np.float16) for name, block in torch_state_dict(deep).items()}
    assert from_torch_state_dict(half, deep.config()["layers"]).dtype == np.float32  # float16 is widened


HELD = r"the state dict holds 0\.bias \(32,\), 0\.weight \(32, 784\), 3\.bias \(16,\), 3\.weight \(16, 32\)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t, layers: (
                t,
                mlp_layers([64, 16], inputs=784, classes=10, activation="leaky_relu(0.2)", dropout=0.25),
            ),
            r"layer 0: dense layer: recorded as 784 -> 64, the arrays are Dense\(784 -> 32, float32\); " + HELD,
        ),
        (
            lambda t, layers: (t, mlp_layers([32, 16], inputs=784, classes=10, activation="relu")),
            r"layer 2: dense layer: expected arrays weight and bias, missing \['bias', 'weight'\]",
        ),
        (
            lambda t, layers: ({**t, "7.weight": np.zeros((2, 2), np.float32)}, layers),
            r"tensors the architecture has no place for: 7\.weight; " + HELD,
        ),
        (lambda t, layers: ({**t, "0.bias": np.zeros(32, np.int64)}, layers), r"tensor 0\.bias has dtype int64"),
        (
            lambda t, layers: (
                {**t, "3.weight": t["3.weight"].astype(float), "3.bias": t["3.bias"].astype(float)},
                layers,
            ),
            r"all parameters must share a dtype, got \['float32', 'float64'\]",
        ),
        (lambda t, layers: (t, [{"kind": "conv"}]), r"layer 0: unknown layer kind 'conv'"),
    ],
)
def test_a_state_dict_that_does_not_fit_the_architecture_is_refused_listing_the_tensors(
    deep: Any, change: Any, message: str
) -> None:
    tensors, layers = change(torch_state_dict(deep), deep.config()["layers"])
    with pytest.raises(ModelError, match=message):
        from_torch_state_dict(tensors, layers)


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["export", "{model}", "--torch"], "--torch"),
        (["export", "{model}", "--onnx"], "--onnx"),
        (["import-torch", "{model}", "--hidden", "32,16", "--out"], "--out"),
    ],
)
def test_a_file_to_write_in_a_missing_folder_is_refused_before_any_work(
    tmp_path: Path, deep: Any, capsys: pytest.CaptureFixture[str], command: list[str], option: str
) -> None:
    """Folders are not created silently (a typo would leave a stray tree); train --out, a folder, is created."""
    save_model(tmp_path / "m.safetensors", deep, {"dataset": "mnist"})
    target = tmp_path / "missing" / ("x.onnx" if option == "--onnx" else "x.safetensors")
    arguments = [part.replace("{model}", str(tmp_path / "m.safetensors")) for part in command]
    assert main([*arguments, str(target)]) == 2
    assert capsys.readouterr().err == (
        f"verified-nn: error: {option} {target}: the directory {tmp_path / 'missing'} does not exist\n"
    )
    assert not (tmp_path / "missing").exists()


def test_export_torch_strips_the_optimizer_state_and_loads_back(
    tmp_path: Path, deep: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    optimizer = Momentum(0.1)
    save_model(
        tmp_path / "ckpt.safetensors", deep, {"dataset": "mnist"}, optimizer=optimizer, state=optimizer.init(deep)
    )
    assert any(name.startswith("optimizer.") for name in safetensors.numpy.load_file(tmp_path / "ckpt.safetensors"))
    assert main(["export", str(tmp_path / "ckpt.safetensors"), "--torch", str(tmp_path / "t.safetensors")]) == 0
    assert capsys.readouterr().out == (
        f"wrote {tmp_path / 't.safetensors'}: a state dict (float32) for {torch_sequential_code(deep)}\n"
    )
    tensors = safetensors.numpy.load_file(tmp_path / "t.safetensors")
    assert sorted(tensors) == sorted(deep.parameter_names())
    saved = load_model(tmp_path / "t.safetensors")  # also a verified-nn model file
    assert saved.network == deep and saved.metadata[TORCH_SEQUENTIAL_KEY] == torch_sequential_code(deep)
    assert json.loads(saved.metadata["class_names"])[0] == "0"
    assert (
        main(
            [
                "export",
                str(tmp_path / "ckpt.safetensors"),
                "--torch",
                str(tmp_path / "d.safetensors"),
                "--dtype",
                "float64",
            ]
        )
        == 0
    )
    assert load_model(tmp_path / "d.safetensors").network.dtype == np.float64


def test_import_torch_builds_the_model_from_the_given_architecture(
    tmp_path: Path, deep: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    safetensors.numpy.save_file(torch_state_dict(deep), tmp_path / "sd.safetensors")  # no metadata, as PyTorch writes
    out = tmp_path / "m.safetensors"
    command = ["import-torch", str(tmp_path / "sd.safetensors"), "--out", str(out)]
    assert main([*command, "--hidden", "32,16", "--activation", "leaky_relu(0.2)", "--dropout", "0.25"]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out}: 784 -> Dense(784 -> 32, float32) -> LeakyReLU(slope=0.2)")
    saved = load_model(out)
    assert saved.network == deep and saved.metadata["dataset"] == "mnist"
    assert saved.metadata["imported_from"] == "torch state dict sd.safetensors"
    (tmp_path / "arch.json").write_text(json.dumps(deep.config()["layers"]))
    arch = ["--architecture", f"@{tmp_path / 'arch.json'}", "--dataset", "fashion-mnist"]
    assert main([*command, *arch]) == 2  # the model file exists: replaced only when asked
    assert "exists; replace it with --overwrite" in capsys.readouterr().err
    assert main([*command, *arch, "--overwrite"]) == 0
    assert load_model(out).network == deep and load_model(out).metadata["dataset"] == "fashion-mnist"
    assert load_torch(tmp_path / "sd.safetensors", deep.config()["layers"]) == deep


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "give the architecture: --hidden W1,W2,... or --architecture JSON"),
        (  # the file's Sequential has a Dropout after each activation: weights at 0, 3, 6
            ["--hidden", "32"],
            "an MLP with 1 hidden layer(s) without dropout has its weights at 0, 2; the file holds 0.bias (32,), "
            "0.weight (32, 784), 3.bias (16,), 3.weight (16, 32), 6.bias (10,), 6.weight (10, 16): its weights are "
            "those of an MLP with 2 hidden layer(s) with a Dropout after each activation: give --hidden 32,16 "
            "--dropout RATE (any rate above 0",
        ),
        (
            ["--hidden", "32,16", "--activation", "relu"],
            "an MLP with 2 hidden layer(s) without dropout has its weights at 0, 2, 4; the file holds",
        ),
        (
            ["--hidden", "32,16,8", "--dropout", "0.2"],  # too many layers: the file's own widths are named
            "an MLP with 3 hidden layer(s) and dropout has its weights at 0, 3, 6, 9; the file holds",
        ),
        (["--hidden", "32,8", "--dropout", "0.25"], "layer 3: dense layer: recorded as 32 -> 8"),
        (["--architecture", "[{"], "--architecture: not JSON (Expecting property name"),
        (["--architecture", "{}"], "error: --architecture: the architecture must be a non-empty list of layers"),
        (["--architecture", "[1, 2]"], "error: --architecture: the architecture must be a non-empty list of layers"),
        (
            ["--architecture", "[]", "--hidden", "32"],
            "--hidden and --architecture both give the architecture: give one",
        ),
        (
            ["--architecture", "[]", "--dropout", "0.2", "--activation", "tanh"],
            "import-torch: --activation and --dropout only apply to the MLP of --hidden: with --architecture, put",
        ),
        (
            ["--hidden", "32", "--activation", "swish"],
            "--activation: unknown activation 'swish'; known: relu, leaky_relu, tanh, sigmoid, leaky_relu(SLOPE)",
        ),
        (
            ["--architecture", "@nonexistent.json"],
            "--architecture @nonexistent.json: no such file",
        ),
        (["--architecture", "@{sd}"], "--architecture @{sd}: not a text file (expected a JSON layer list)"),
        (["--architecture", '[{"kind": "swish"}]'], "{sd} with --architecture: layer 0: unknown layer kind 'swish'"),
        (
            ["--architecture", json.dumps([{"kind": "relu"}] * 1001)],
            "{sd} with --architecture: the architecture has 1,001 layers, over the limit of 1,000 layers",
        ),
    ],
)
def test_import_torch_errors_are_one_line(
    tmp_path: Path,
    deep: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    message: str,
) -> None:
    safetensors.numpy.save_file(torch_state_dict(deep), tmp_path / "sd.safetensors")
    monkeypatch.chdir(tmp_path)
    sd = str(tmp_path / "sd.safetensors")
    arguments = [argument.replace("{sd}", sd) for argument in arguments]
    assert main(["import-torch", sd, "--out", str(tmp_path / "m"), *arguments]) == 2
    error = capsys.readouterr().err
    assert message.replace("{sd}", sd) in error and error.count("\n") == 1
    assert not (tmp_path / "m").exists()


def test_import_torch_says_when_dropout_was_given_for_a_file_without_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = mlp((784, 32, 10), rng=np.random.default_rng(1))
    safetensors.numpy.save_file(torch_state_dict(plain), tmp_path / "sd.safetensors")  # indices 0 and 2
    command = ["import-torch", str(tmp_path / "sd.safetensors"), "--out", str(tmp_path / "m.safetensors")]
    assert main([*command, "--hidden", "32", "--dropout", "0.2"]) == 2
    assert capsys.readouterr().err.endswith(
        ": its weights are those of an MLP with 1 hidden layer(s) with no Dropout: give --hidden 32 without --dropout\n"
    )
    assert main([*command, "--hidden", "32"]) == 0


def test_import_torch_reads_the_layer_count_and_dropout_from_the_spacing_of_the_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    three = mlp((784, 16, 8, 4, 10), rng=np.random.default_rng(1), dropout=0.2)  # weights at 0, 3, 6, 9
    safetensors.numpy.save_file(torch_state_dict(three), tmp_path / "sd.safetensors")
    command = ["import-torch", str(tmp_path / "sd.safetensors"), "--out", str(tmp_path / "m.safetensors")]
    # without dropout, 3 hidden layers would sit at 0, 2, 4, 6: 6.weight is there, but 2 and 4 are not
    assert main([*command, "--hidden", "16,8,4"]) == 2
    assert capsys.readouterr().err.endswith(
        "give --hidden 16,8,4 --dropout RATE (any rate above 0: evaluation "
        "does not use it; the model file records it)\n"
    )
    assert main([*command, "--hidden", "16", "--dropout", "0.2"]) == 2  # too few layers: the right ones named
    assert "with 3 hidden layer(s) with a Dropout after each activation: give --hidden 16,8,4\n" in (
        capsys.readouterr().err
    )
    assert main([*command, "--hidden", "16,8,4", "--dropout", "0.2"]) == 0


def test_import_torch_lists_the_tensors_in_the_sequential_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tensors = {name: np.zeros((2, 3), dtype=np.float32) for name in ("1.weight", "10.weight", "4.weight")}
    safetensors.numpy.save_file(tensors, tmp_path / "sd.safetensors")
    assert main(["import-torch", str(tmp_path / "sd.safetensors"), "--out", str(tmp_path / "m"), "--hidden", "8"]) == 2
    assert capsys.readouterr().err.endswith("the file holds 1.weight (2, 3), 4.weight (2, 3), 10.weight (2, 3)\n")


# With PyTorch installed (it is not in the dev extra: pip install torch).

ARCHITECTURES: dict[str, dict[str, Any]] = {
    "default": {},
    "leaky": {"hidden": (128, 64, 32), "activation": "leaky_relu(0.2)", "dropout": 0.1},
    "tanh": {"hidden": (96, 48), "activation": "tanh"},
}


@pytest.fixture(scope="module")
def test_set(real_data_dir: Path) -> tuple[Array, Array]:
    test = load("mnist", "test", directory=real_data_dir, report=lambda _: None)
    return np.asarray(test.inputs), test.labels


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_an_exported_model_loads_into_the_sequential_and_predicts_the_same(
    tmp_path: Path, real_data_dir: Path, test_set: tuple[Array, Array], name: str
) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    model = quick_model(real_data_dir, tmp_path, name=name, **ARCHITECTURES[name])
    assert main(["export", str(model), "--torch", str(tmp_path / "t.safetensors")]) == 0
    network = load_model(model).network
    module = eval(torch_sequential_code(network), {"torch": torch})  # the expression the file records
    module.load_state_dict(safetensors_torch.load_file(tmp_path / "t.safetensors"), strict=True)
    module.eval()
    images, _ = test_set
    with torch.no_grad():
        theirs = torch.softmax(module(torch.from_numpy(images)), dim=1).numpy()
    np.testing.assert_array_equal(theirs.argmax(axis=1), network.predict(images))
    assert np.abs(theirs - network.probabilities(images)).max() <= 1e-5


def _train_in_torch(torch: Any, images: Array, labels: Array, *, double: bool) -> Any:
    """A Sequential with dropout trained by PyTorch itself: one epoch of SGD with momentum on 20,000 images."""
    torch.manual_seed(0)
    torch.set_num_threads(1)  # two cores shared with other processes: more threads fight (DESIGN-NOTES)
    module = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Dropout(0.1),
        torch.nn.Linear(256, 64), torch.nn.ReLU(), torch.nn.Dropout(0.1),
        torch.nn.Linear(64, 10),
    )  # fmt: skip
    if double:
        module = module.double()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.05, momentum=0.9)
    x, y = torch.from_numpy(images[:20_000]), torch.from_numpy(labels[:20_000])
    x = x.double() if double else x
    module.train()
    for start in range(0, len(x), 64):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(module(x[start : start + 64]), y[start : start + 64]).backward()
        optimizer.step()
    return module.eval()


@pytest.mark.slow
@pytest.mark.parametrize("double", [False, True])
def test_a_sequential_trained_in_pytorch_imports_and_predicts_the_same(
    tmp_path: Path, real_data_dir: Path, test_set: tuple[Array, Array], capsys: pytest.CaptureFixture[str], double: bool
) -> None:
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    from verified_nn.interop import from_torch, to_torch

    train = load("mnist", "train", directory=real_data_dir, report=lambda _: None)
    module = _train_in_torch(torch, np.asarray(train.inputs), train.labels, double=double)
    safetensors_torch.save_file(module.state_dict(), tmp_path / "torch.safetensors")
    out = tmp_path / "imported.safetensors"
    command = ["import-torch", str(tmp_path / "torch.safetensors"), "--hidden", "256,64", "--dropout", "0.1"]
    assert main([*command, "--out", str(out)]) == 0
    network = load_model(out).network
    assert network.dtype == (np.float64 if double else np.float32)
    images, labels = test_set
    images = images.astype(network.dtype)
    with torch.no_grad():
        theirs = torch.softmax(module(torch.from_numpy(images)), dim=1).numpy()
    ours = network.probabilities(images)
    np.testing.assert_array_equal(theirs.argmax(axis=1), network.predict(images))
    assert np.abs(theirs - ours).max() <= 1e-5
    assert (network.predict(images) == labels).mean() > 0.9  # PyTorch really trained it
    # The same through the in-memory converters.
    assert from_torch(module) == network
    with torch.no_grad():
        again = torch.softmax(to_torch(network)(torch.from_numpy(images)), dim=1).numpy()
    np.testing.assert_array_equal(again, theirs)
    np.testing.assert_array_equal(
        flatten(network), np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])
    )
