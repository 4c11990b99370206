"""ONNX import: each supported operator reproduces onnxruntime; the rest is refused by name; files round-trip."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verified_nn.cli import main
from verified_nn.interop import OnnxRunner, compare_with_onnxruntime, from_onnx, load_onnx, save_onnx
from verified_nn.layers import Conv2D, Dense, Flatten, Normalize, ReLU, Reshape
from verified_nn.network import Network
from verified_nn.search import SearchError, load_network
from verified_nn.training import ModelError, load_model

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
helper, numpy_helper = onnx.helper, onnx.numpy_helper

RNG = np.random.default_rng(7)


def _f32(*shape: int) -> np.ndarray[Any, Any]:
    return RNG.normal(size=shape).astype(np.float32)


def model(
    nodes: list[Any], constants: dict[str, np.ndarray[Any, Any]], shape: list[Any], output: str, *, opset: int = 13
) -> Any:
    """A graph from ``nodes`` with input ``x`` of dimensions ``shape`` and the output tensor ``output``."""
    graph = helper.make_graph(
        nodes,
        "test",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info(output, onnx.TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(value, name) for name, value in constants.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _agrees(proto: Any) -> Network[Any, Any]:
    """The imported network, checked against onnxruntime on random rows (normal and uniform)."""
    network = from_onnx(proto)
    compare_with_onnxruntime(proto, network)
    rows = RNG.normal(size=(5, *(network.input_shape() or ()))).astype(np.float32)
    np.testing.assert_allclose(network.logits(rows), OnnxRunner(proto)(rows), rtol=1e-5, atol=1e-5)
    return network


def test_gemm_both_layouts_with_relu_leaky_relu_and_tanh() -> None:
    nodes = [
        helper.make_node("Flatten", ["x"], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "w0", "b0"], ["z0"], transB=1),
        helper.make_node("Relu", ["z0"], ["a0"]),
        helper.make_node("Gemm", ["a0", "w1", "b1"], ["z1"]),  # transB=0: weights (in, out)
        helper.make_node("LeakyRelu", ["z1"], ["a1"], alpha=0.2),
        helper.make_node("Gemm", ["a1", "w2", "b2"], ["z2"], transB=1),
        helper.make_node("Tanh", ["z2"], ["y"]),
    ]
    constants = {"w0": _f32(6, 12), "b0": _f32(6), "w1": _f32(6, 5), "b1": _f32(5), "w2": _f32(3, 5), "b2": _f32(3)}
    network = _agrees(model(nodes, constants, [1, 12, 1], "y"))
    assert [layer.kind for layer in network.layers] == ["dense", "relu", "dense", "leaky_relu", "dense", "tanh"]
    assert isinstance(network.layers[2], Dense)
    np.testing.assert_array_equal(network.layers[2].weights, constants["w1"].T)  # transposed exactly
    assert network.layers[3].config() == {"slope": pytest.approx(0.2)}


def test_sigmoid_is_the_sigmoid_layer() -> None:
    nodes = [
        helper.make_node("Gemm", ["x", "w0", "b0"], ["z0"], transB=1),
        helper.make_node("Sigmoid", ["z0"], ["a0"]),
        helper.make_node("Gemm", ["a0", "w1", "b1"], ["y"], transB=1),
    ]
    constants = {"w0": 3 * _f32(6, 4), "b0": _f32(6), "w1": _f32(2, 6), "b1": _f32(2)}  # wide: both tails reached
    network = _agrees(model(nodes, constants, [1, 4], "y"))
    assert [layer.kind for layer in network.layers] == ["dense", "sigmoid", "dense"]


def test_matmul_then_add_is_one_dense_layer_and_w_times_x_without_batch_axis() -> None:
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Add", ["m", "b"], ["y"])]
    network = _agrees(model(nodes, {"w": _f32(4, 3), "b": _f32(3)}, ["batch", 4], "y"))
    assert len(network.layers) == 1 and isinstance(network.layers[0], Dense)
    # A one-dimensional input is one sample, and W x is a dense layer too (VNN-COMP's test_small.onnx).
    nodes = [helper.make_node("MatMul", ["w", "x"], ["m"]), helper.make_node("Add", ["m", "b"], ["y"])]
    network = _agrees(model(nodes, {"w": _f32(2, 3), "b": _f32(2)}, [3], "y"))
    assert network.input_shape() == (3,) and isinstance(network.layers[0], Dense)


def test_normalisation_is_kept_as_one_layer_computing_the_graphs_two_roundings() -> None:
    mean = np.array([0.5, 0.25, 0.125], dtype=np.float32).reshape(1, 3, 1, 1)
    std = np.array([0.3, 0.2, 0.7], dtype=np.float32).reshape(1, 3, 1, 1)
    nodes = [
        helper.make_node("Sub", ["x", "mean"], ["s"]),
        helper.make_node("Div", ["s", "std"], ["n"]),
        helper.make_node("Conv", ["n", "k", "kb"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("Flatten", ["r"], ["f"]),
        helper.make_node("Gemm", ["f", "w", "b"], ["y"], transB=1),
    ]
    constants = {"mean": mean, "std": std, "k": _f32(4, 3, 3, 3), "kb": _f32(4), "w": _f32(2, 64), "b": _f32(2)}
    proto = model(nodes, constants, [1, 3, 8, 8], "y")
    network = _agrees(proto)
    normalize = network.layers[1]
    assert isinstance(normalize, Normalize) and normalize.shape == (3, 1, 1)
    # Bit for bit: the layer subtracts, then divides, in float32, as onnxruntime does.
    rows = RNG.random((4, 192)).astype(np.float32)
    images = rows.reshape(4, 3, 8, 8)
    np.testing.assert_array_equal(normalize.forward(images)[0], (images - mean[0]) / std[0])


def test_pooling_reshape_dropout_identity_and_a_constant_node() -> None:
    shape = np.array([1, 2, 6, 6], dtype=np.int64)
    nodes = [
        helper.make_node("Constant", [], ["shape"], value=numpy_helper.from_array(shape)),
        helper.make_node("Reshape", ["x", "shape"], ["img"]),
        helper.make_node("MaxPool", ["img"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node(
            "AveragePool", ["p"], ["q"], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=1
        ),
        helper.make_node("Dropout", ["q"], ["d"]),
        helper.make_node("Identity", ["d"], ["i"]),
        helper.make_node("Reshape", ["i", "flat"], ["y"]),
    ]
    network = _agrees(model(nodes, {"flat": np.array([1, -1], dtype=np.int64)}, [1, 72], "y"))
    assert [layer.kind for layer in network.layers] == ["reshape", "max_pool2d", "avg_pool2d", "flatten"]


def test_an_add_after_a_convolution_without_bias_becomes_its_bias() -> None:
    nodes = [
        helper.make_node("Conv", ["x", "k"], ["c"], kernel_shape=[2, 2]),
        helper.make_node("Add", ["c", "bias"], ["y"]),
    ]
    network = _agrees(model(nodes, {"k": _f32(3, 1, 2, 2), "bias": _f32(1, 3, 1, 1)}, [1, 1, 4, 4], "y"))
    assert isinstance(network.layers[1], Conv2D) and network.layers[-1].kind == "flatten"


@pytest.mark.parametrize(
    ("node", "constants", "message"),
    [
        (helper.make_node("Softmax", ["x"], ["y"]), {}, r"ONNX operator Softmax \(node 'y'\) is not supported"),
        (helper.make_node("Mul", ["x", "c"], ["y"]), {"c": _f32(4)}, "ONNX operator Mul"),
        (helper.make_node("Gemm", ["x", "w"], ["y"], alpha=2.0), {"w": _f32(4, 2)}, "alpha=1"),
        (helper.make_node("Sub", ["c", "x"], ["y"]), {"c": _f32(4)}, "only x - constant"),
        (helper.make_node("Add", ["x", "x"], ["y"]), {}, "uses the computed tensor twice|does not continue a chain"),
    ],
)
def test_anything_else_is_refused_by_name(node: Any, constants: dict[str, Any], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        from_onnx(model([node], constants, [1, 4], "y"))


def test_a_branching_graph_and_asymmetric_padding_are_refused() -> None:
    nodes = [
        helper.make_node("Relu", ["x"], ["a"]),
        helper.make_node("Tanh", ["x"], ["b"]),
        helper.make_node("Sub", ["a", "b"], ["y"]),
    ]
    with pytest.raises(ModelError, match="not graphs with branches"):
        from_onnx(model(nodes, {}, [1, 4], "y"))
    conv = helper.make_node("Conv", ["x", "k"], ["y"], kernel_shape=[2, 2], pads=[0, 0, 1, 1])
    with pytest.raises(ModelError, match="same padding on both sides"):
        from_onnx(model([conv], {"k": _f32(1, 1, 2, 2)}, [1, 1, 4, 4], "y"))


def test_the_check_rejects_a_network_that_differs_from_the_graph() -> None:
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)]
    proto = model(nodes, {"w": _f32(3, 4), "b": _f32(3)}, [1, 4], "y")
    right = from_onnx(proto)
    dense = right.layers[0]
    assert isinstance(dense, Dense)
    wrong: Network[Any, Any] = Network(
        (Dense(weights=dense.weights[::-1].copy(), bias=dense.bias),)
    )  # outputs permuted
    with pytest.raises(ModelError, match="differs from onnxruntime"):
        compare_with_onnxruntime(proto, wrong)
    nudged: Network[Any, Any] = Network((Dense(weights=dense.weights, bias=dense.bias + np.float32(1e-2)),))
    with pytest.raises(ModelError, match="differs from onnxruntime"):
        compare_with_onnxruntime(proto, nudged)


def test_exported_networks_import_as_themselves(tmp_path: Path) -> None:
    network: Network[Any, Any] = Network(
        (
            Normalize((), (0.25,), (0.5,)),
            Dense(weights=_f32(5, 6), bias=_f32(5)),
            ReLU(),
            Dense(weights=_f32(2, 5), bias=_f32(2)),
        )
    )
    path = tmp_path / "net.onnx"
    save_onnx(path, network)
    assert load_onnx(path).layers[1:] == network.layers  # a Reshape fixes the input width first


def test_cli_import_onnx_writes_a_model_file_that_loads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nodes = [helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1), helper.make_node("Relu", ["z"], ["y"])]
    source = tmp_path / "net.onnx"
    source.write_bytes(model(nodes, {"w": _f32(3, 4), "b": _f32(3)}, ["n", 4], "y").SerializeToString())
    out = tmp_path / "net.safetensors"
    assert main(["import-onnx", str(source), "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert [layer.kind for layer in load_model(out).network.layers] == ["dense", "relu"]
    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    assert main(["import-onnx", str(tmp_path / "bad.onnx"), "--out", str(out), "--overwrite"]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"verified-nn: error: {tmp_path / 'bad.onnx'}: not an ONNX model (DecodeError)"
    )
    assert main(["import-onnx", str(source), "--out", str(tmp_path / "net2.onnx")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"verified-nn: error: --out {tmp_path / 'net2.onnx'}: the model file written is safetensors, not ONNX: "
        "give it a .safetensors name"
    )
    assert not (tmp_path / "net2.onnx").exists()
    # A failed import replaces nothing.
    assert [layer.kind for layer in load_model(out).network.layers] == ["dense", "relu"]


def test_weights_that_are_not_finite_are_named_not_blamed_on_an_operator(tmp_path: Path) -> None:
    weights = _f32(3, 4)
    weights[1, 2] = np.inf
    path = tmp_path / "inf.onnx"
    path.write_bytes(
        model(
            [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)], {"w": weights, "b": _f32(3)}, ["n", 4], "y"
        ).SerializeToString()
    )
    with pytest.raises(
        ModelError, match=r"inf.onnx: 0.weight holds 0 NaN and 1 infinite values: the model is unusable$"
    ):
        load_onnx(path)
    # verify-spec imports ONNX files its own way (keeping onnxruntime to confirm counterexamples): the same.
    with pytest.raises(SearchError, match=r"inf.onnx: 0.weight holds 0 NaN and 1 infinite values: the model is"):
        load_network(path)
    weights[1, 2] = 2e6  # over the model files' ceiling of 1e6: another tool's file may hold it
    path.write_bytes(
        model(
            [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)], {"w": weights, "b": _f32(3)}, ["n", 4], "y"
        ).SerializeToString()
    )
    assert load_network(path)[0].parameters()[0].max() == np.float32(2e6)


def test_an_empty_file_and_a_tensor_short_of_its_dimensions_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")  # parses as an empty ModelProto: once "the graph has 0 inputs"
    with pytest.raises(ModelError, match=r"empty.onnx: not an ONNX model \(empty\)$"):
        load_onnx(empty)
    graph = model(
        [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)], {"w": _f32(3, 4), "b": _f32(3)}, ["n", 4], "y"
    )
    graph.graph.initializer[0].dims[:] = [3, 10**12]  # 12 values for 3 x 10^12
    short = tmp_path / "short.onnx"
    short.write_bytes(graph.SerializeToString())
    message = r"short.onnx: tensor 'w' of dimensions \[3, 1000000000000\] cannot be read \(.*\): the file is corrupt$"
    with pytest.raises(ModelError, match=message):  # once numpy's reshape message, without the file
        load_onnx(short)
    with pytest.raises(SearchError, match=message):
        load_network(short)
    good = tmp_path / "good.onnx"
    good.write_bytes(model([helper.make_node("Relu", ["x"], ["y"])], {}, ["n", 4], "y").SerializeToString())
    assert main(["import-torch", str(good), "--hidden", "4", "--out", str(tmp_path / "t.safetensors")]) == 2
    assert "good.onnx: not a readable safetensors file (" in (err := capsys.readouterr().err)
    assert err.endswith("): an ONNX model is read by import-onnx (verified-nn import-onnx MODEL.onnx --out ...)\n")


def test_a_model_onnxruntime_cannot_run_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # verified-nn's own float64 export of a CNN: onnxruntime has no float64 Conv kernel.
    rng = np.random.default_rng(0)
    conv = Conv2D(weights=rng.normal(size=(2, 1, 3, 3)), bias=np.zeros(2))
    network: Network[Any, Any] = Network(
        (Reshape((1, 6, 6)), conv, Flatten(), Dense(weights=rng.normal(size=(3, 32)), bias=np.zeros(3)))
    )
    path = tmp_path / "cnn64.onnx"
    save_onnx(path, network)
    message = (
        r"onnxruntime cannot run the model \(Could not find an implementation for Conv\(\d+\) node with name "
        r"'[^']*'\): onnxruntime has no float64 kernel for some operators \(Conv, pooling\); export the model in float32$"
    )
    with pytest.raises(ModelError, match=message):
        load_onnx(path)
    assert main(["import-onnx", str(path), "--out", str(tmp_path / "m.safetensors")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "float64 kernel" in err
