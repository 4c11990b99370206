"""ONNX export: the file passes the checker, and onnxruntime reproduces our predictions on the whole test set."""

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from quick_models import quick_model

from verified_nn.cli import main
from verified_nn.core import InvalidArgumentError, MissingExtraError
from verified_nn.data import load
from verified_nn.interop import OPSET, save_onnx, to_onnx
from verified_nn.layers import Activation, Dense
from verified_nn.network import Network, mlp
from verified_nn.training import load_model, save_model

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

# The default network and deeper ones with the other activations (and dropout, the identity at inference).
ARCHITECTURES: dict[str, dict[str, Any]] = {
    "default": {},
    "tanh": {"hidden": (96, 48), "activation": "tanh"},
    "leaky": {"hidden": (128, 64, 32), "activation": "leaky_relu(0.2)", "dropout": 0.1},
}


@pytest.fixture(scope="module")
def models(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("onnx-models")
    return {name: quick_model(real_data_dir, folder, name=name, **config) for name, config in ARCHITECTURES.items()}


@pytest.fixture(scope="module")
def test_images(real_data_dir: Path) -> np.ndarray[Any, Any]:
    return np.asarray(load("mnist", "test", directory=real_data_dir, report=lambda _: None).inputs)  # all 10,000, float32


def _run(path: Path, images: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    logits, probabilities = session.run(["logits", "probabilities"], {"input": images})
    return logits, probabilities


@pytest.mark.slow  # trains three networks (about a second each on a quiet machine)
@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_onnxruntime_reproduces_the_predictions_on_the_whole_test_set(
    tmp_path: Path, models: dict[str, Path], test_images: np.ndarray[Any, Any], name: str, dtype: str
) -> None:
    network = load_model(models[name]).network.astype(dtype)
    images = test_images.astype(dtype)
    path = tmp_path / f"{name}.onnx"
    save_onnx(path, network)
    onnx.checker.check_model(str(path), full_check=True)
    logits, probabilities = _run(path, images)
    assert probabilities.dtype == np.dtype(dtype) and probabilities.shape == (10_000, 10)
    np.testing.assert_array_equal(probabilities.argmax(axis=1), network.predict(images))
    assert np.abs(probabilities - network.probabilities(images)).max() <= 1e-5
    assert np.abs(logits - network.logits(images)).max() <= 1e-4 * max(1.0, float(np.abs(logits).max()))


def test_the_graph_is_built_layer_by_layer() -> None:
    network = mlp((784, 128, 64, 32, 10), rng=np.random.default_rng(0), activation="leaky_relu(0.2)", dropout=0.1)
    model = to_onnx(network, metadata={"dataset": "mnist"})
    assert [node.op_type for node in model.graph.node] == [
        "Gemm", "LeakyRelu", "Gemm", "LeakyRelu", "Gemm", "LeakyRelu", "Gemm", "Softmax"
    ]  # fmt: skip
    leaky = model.graph.node[1]
    assert leaky.attribute[0].name == "alpha" and leaky.attribute[0].f == pytest.approx(0.2)
    gemm = model.graph.node[0]
    assert list(gemm.input) == ["input", "0.weight", "0.bias"] and gemm.attribute[0].name == "transB"
    weights = {tensor.name: onnx.numpy_helper.to_array(tensor) for tensor in model.graph.initializer}
    first = network.layers[0]
    assert isinstance(first, Dense)
    np.testing.assert_array_equal(weights["0.weight"], first.weights)  # (out, in), as our layer holds it
    assert [output.name for output in model.graph.output] == ["logits", "probabilities"]
    assert model.opset_import[0].version == OPSET
    props = {prop.key: prop.value for prop in model.metadata_props}
    assert props["dataset"] == "mnist" and json.loads(props["verified_nn_architecture"])["input_shape"] == [784]


@dataclasses.dataclass(frozen=True)
class Cube(Activation):
    """x^3, a layer kind the exporter has no rule for."""

    kind: ClassVar[str] = "cube"

    def function(self, x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return x**3

    def derivative(self, x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return 3 * x**2


def test_a_layer_without_an_onnx_form_is_refused_by_name() -> None:
    rng = np.random.default_rng(0)
    network: Network[Any, Any] = Network((Dense.init(8, 784, rng=rng), Cube(), Dense.init(10, 8, rng=rng)))
    with pytest.raises(
        InvalidArgumentError, match=r"no ONNX form for layer 1 \(cube\); layer kinds with one: dense, relu, leaky_relu"
    ):
        to_onnx(network)


def test_the_export_command_writes_onnx_with_the_class_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "default.safetensors"
    save_model(model, mlp((784, 128, 10), rng=np.random.default_rng(0)), {"dataset": "mnist", "run": "default"})
    assert main(["export", str(model), "--onnx", str(tmp_path / "m.onnx")]) == 0
    assert capsys.readouterr().out == (
        f"wrote {tmp_path / 'm.onnx'}: ONNX, input 'input' (batch, 784) float32, outputs 'logits', 'probabilities'\n"
    )
    props = {prop.key: prop.value for prop in onnx.load(str(tmp_path / "m.onnx")).metadata_props}
    assert json.loads(props["class_names"]) == [str(digit) for digit in range(10)] and props["run"] == "default"
    save_model(tmp_path / "table.safetensors", mlp((20, 16, 3), rng=np.random.default_rng(0)), {"run": "table"})
    assert main(["export", str(tmp_path / "table.safetensors"), "--onnx", str(tmp_path / "t.onnx")]) == 0
    assert "ONNX, input 'input' (batch, 20) float32" in capsys.readouterr().out  # the model's own width, not 784
    assert main(["export", str(model)]) == 2
    assert "say where to write: --onnx FILE and/or --torch FILE" in capsys.readouterr().err


def test_without_onnx_the_export_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    network = mlp((784, 8, 10), rng=np.random.default_rng(0))
    with pytest.raises(MissingExtraError, match=r"^ONNX export needs onnx: pip install 'verified-nn\[onnx\]'$"):
        to_onnx(network)
