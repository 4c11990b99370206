"""CNNs through the interop paths: ONNX (checked against onnxruntime) and PyTorch state dicts both ways.

Every image layer has a counterpart in both formats, so a CNN exports whole; what a format has but
verified-nn lacks (a grouped or dilated convolution, ceil-mode pooling) is refused on import in one line.
The PyTorch tests skip without torch, which is in no extra.
"""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from quick_models import quick_model

from verified_nn.cli import main
from verified_nn.core import InvalidArgumentError
from verified_nn.data import load
from verified_nn.interop import from_torch_state_dict, save_torch, to_onnx, torch_sequential_code, torch_state_dict
from verified_nn.layers import AvgPool2D, Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU, Reshape, Tanh
from verified_nn.network import Network, cnn
from verified_nn.training import load_model, save_model

Array = np.ndarray[Any, Any]


def _every_image_layer(dtype: Any = np.float32) -> Network[Any, Any]:
    """Strides, paddings, a non-square kernel, both poolings (one padded) and a declared flatten width."""
    rng = np.random.default_rng(0)
    layers: tuple[Layer[Any, Any], ...] = (
        Reshape((1, 28, 28)),
        Conv2D.init(4, 1, kernel=(3, 5), stride=(1, 2), padding=(1, 2), rng=rng, dtype=dtype),
        ReLU(),
        MaxPool2D(3, stride=2, padding=1),
        Conv2D.init(6, 4, kernel=3, stride=2, rng=rng, dtype=dtype),
        Tanh(),
        AvgPool2D(2, padding=1),
        Flatten(48),
        Dense.init(10, 48, rng=rng, dtype=dtype),
    )
    return Network(layers)


def test_the_test_network_has_the_shapes_it_claims() -> None:
    assert _every_image_layer().output_shape((784,)) == (10,)
    assert _every_image_layer().layers[6].output_shape((6, 6, 3)) == (6, 4, 2)


class TestOnnx:
    onnx: Any
    ort: Any

    @pytest.fixture(autouse=True)
    def _modules(self) -> None:  # skips this class's tests (only) without the onnx extra
        self.onnx, self.ort = pytest.importorskip("onnx"), pytest.importorskip("onnxruntime")

    def _run(self, network: Network[Any, Any], images: Array) -> tuple[Array, Array]:
        model = to_onnx(network)
        session = self.ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        logits, probabilities = session.run(["logits", "probabilities"], {"input": images})
        return logits, probabilities

    def test_every_image_layer_becomes_its_operator(self) -> None:
        model = to_onnx(_every_image_layer())
        assert [node.op_type for node in model.graph.node] == [
            "Reshape", "Conv", "Relu", "MaxPool", "Conv", "Tanh", "AveragePool", "Flatten", "Gemm", "Softmax"
        ]  # fmt: skip
        attributes = {
            node.name: {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
            for node in model.graph.node
        }
        assert attributes["1.conv2d"] == {"kernel_shape": [3, 5], "strides": [1, 2], "pads": [1, 2, 1, 2]}
        assert attributes["3.max_pool2d"] == {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}
        assert attributes["6.avg_pool2d"]["count_include_pad"] == 1 and attributes["7.flatten"] == {"axis": 1}
        tensors = {t.name: self.onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
        assert list(tensors["0.shape"]) == [-1, 1, 28, 28]
        conv = _every_image_layer().layers[1]
        assert isinstance(conv, Conv2D)
        np.testing.assert_array_equal(tensors["1.weight"], conv.weights)  # (out, in, kh, kw), as held here

    def test_onnxruntime_computes_what_the_network_computes(self) -> None:
        network = _every_image_layer()
        images = np.random.default_rng(1).random((64, 784), dtype=np.float32)
        logits, probabilities = self._run(network, images)
        assert np.abs(logits - network.logits(images)).max() <= 1e-5
        assert np.abs(probabilities - network.probabilities(images)).max() <= 1e-6

    def test_a_float64_cnn_is_valid_onnx(self) -> None:
        # The checker accepts it; onnxruntime's CPU provider has no float64 Conv kernel (docs/interop.md).
        model = to_onnx(_every_image_layer(np.float64))
        self.onnx.checker.check_model(model, full_check=True)
        assert model.graph.input[0].type.tensor_type.elem_type == self.onnx.TensorProto.DOUBLE

    @pytest.mark.slow  # trains a small CNN for one epoch on 20,000 images
    def test_a_trained_cnn_predicts_the_same_in_onnxruntime_on_the_whole_test_set(
        self, real_data_dir: Path, tmp_path: Path
    ) -> None:
        path = quick_model(real_data_dir, tmp_path, name="cnn", conv=(8, 16), kernel=3, hidden=(32,))
        network = load_model(path).network
        images = np.asarray(load("mnist", "test", directory=real_data_dir, report=lambda _: None).inputs)
        _, probabilities = self._run(network, images)
        np.testing.assert_array_equal(probabilities.argmax(axis=1), network.predict(images))
        assert np.abs(probabilities - network.probabilities(images)).max() <= 1e-5

    def test_the_export_command_writes_a_cnn(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        model = tmp_path / "c.safetensors"
        save_model(model, cnn((4,), kernel=3, hidden=(8,), rng=np.random.default_rng(0)), {"dataset": "mnist"})
        assert main(["export", str(model), "--onnx", str(tmp_path / "c.onnx")]) == 0
        assert "ONNX, input 'input' (batch, 784) float32" in capsys.readouterr().out
        props = {p.key: p.value for p in self.onnx.load(str(tmp_path / "c.onnx")).metadata_props}
        kinds = [layer["kind"] for layer in json.loads(props["verified_nn_architecture"])["layers"]]
        assert kinds == ["reshape", "conv2d", "max_pool2d", "relu", "flatten", "dense", "relu", "dense"]


def test_the_state_dict_names_follow_the_sequential() -> None:
    network = _every_image_layer()
    tensors = torch_state_dict(network)
    assert {name: block.shape for name, block in tensors.items()} == {
        "1.weight": (4, 1, 3, 5),
        "1.bias": (4,),
        "4.weight": (6, 4, 3, 3),
        "4.bias": (6,),
        "8.weight": (10, 48),
        "8.bias": (10,),
    }
    assert all(block.flags.c_contiguous for block in tensors.values())
    assert torch_sequential_code(network) == (
        "torch.nn.Sequential(torch.nn.Unflatten(1, (1, 28, 28)), "
        "torch.nn.Conv2d(1, 4, (3, 5), stride=(1, 2), padding=(1, 2)), torch.nn.ReLU(), "
        "torch.nn.MaxPool2d((3, 3), stride=(2, 2), padding=(1, 1)), "
        "torch.nn.Conv2d(4, 6, (3, 3), stride=(2, 2), padding=(0, 0)), torch.nn.Tanh(), "
        "torch.nn.AvgPool2d((2, 2), stride=(2, 2), padding=(1, 1)), torch.nn.Flatten(), torch.nn.Linear(48, 10))"
    )


def test_a_cnn_state_dict_round_trips_through_its_layer_list() -> None:
    network = _every_image_layer(np.float64)
    assert from_torch_state_dict(torch_state_dict(network), network.config()["layers"]) == network


def test_the_torch_export_command_writes_a_cnn_that_loads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "c.safetensors"
    network = cnn((4,), kernel=3, hidden=(8,), rng=np.random.default_rng(0))
    save_model(model, network, {"dataset": "mnist"})
    assert main(["export", str(model), "--torch", str(tmp_path / "t.safetensors")]) == 0
    out = capsys.readouterr().out
    assert "for torch.nn.Sequential(torch.nn.Unflatten(1, (1, 28, 28)), torch.nn.Conv2d(1, 4, (3, 3)" in out
    assert load_model(tmp_path / "t.safetensors").network == network
    save_torch(tmp_path / "u.safetensors", network, dtype=np.float64)
    assert load_model(tmp_path / "u.safetensors").network == network.astype(np.float64)


class TestTorch:
    torch: Any

    @pytest.fixture(autouse=True)
    def _modules(self) -> None:  # skips this class's tests (only) without torch
        self.torch = pytest.importorskip("torch")

    def test_to_torch_computes_what_the_network_computes(self) -> None:
        from verified_nn.interop import to_torch

        for dtype in (np.float32, np.float64):
            network = _every_image_layer(dtype)
            images = np.random.default_rng(2).random((32, 784)).astype(dtype)
            with self.torch.no_grad():
                theirs = to_torch(network)(self.torch.from_numpy(images)).numpy()
            assert theirs.dtype == dtype
            assert np.abs(theirs - network.logits(images)).max() <= (1e-5 if dtype == np.float32 else 1e-12)

    def test_from_torch_reads_the_image_modules_back(self) -> None:
        from verified_nn.interop import from_torch, to_torch

        network = _every_image_layer(np.float64)
        layers = list(network.layers)
        layers[7] = Flatten()  # torch.nn.Flatten declares no width: the declared 48 is not carried over
        assert from_torch(to_torch(network)) == Network(tuple(layers))

    @pytest.mark.parametrize(
        ("module", "message"),
        [
            (
                "torch.nn.Conv2d(1, 4, 3, groups=1, dilation=2)",
                "a convolution without bias, with groups or with dilation",
            ),
            ("torch.nn.Conv2d(1, 4, 3, bias=False)", "a convolution without bias, with groups or with dilation"),
            ("torch.nn.Conv2d(1, 4, 3, padding='same')", "padding 'same' (zeros)"),
            ("torch.nn.Conv2d(1, 4, 3, padding_mode='reflect')", "padding (0, 0) (reflect)"),
            ("torch.nn.MaxPool2d(2, ceil_mode=True)", "ceil_mode=True"),
            ("torch.nn.AvgPool2d(2, count_include_pad=False)", "count_include_pad=False or a divisor_override"),
            ("torch.nn.Flatten(0)", "flattening dimensions 0..-1 (not 1..-1)"),
            ("torch.nn.Unflatten(0, (1, 28, 28))", "unflattening dimension 0 (not 1)"),
        ],
    )
    def test_what_verified_nn_lacks_is_refused_in_one_line(self, module: str, message: str) -> None:
        from verified_nn.interop import from_torch

        child = eval(module, {"torch": self.torch})  # a module written as in the error's table
        with pytest.raises(InvalidArgumentError) as caught:
            from_torch(self.torch.nn.Sequential(self.torch.nn.Unflatten(1, (1, 28, 28)), child))
        text = str(caught.value)
        assert (
            "\n" not in text
            and text.startswith("from_torch: module 1 (")
            and text.endswith(f"{message} has no equivalent")
        )
