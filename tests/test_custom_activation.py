"""An activation defined outside the library goes through every feature with no change to the library:
training and model files, ONNX and PyTorch export, certification, certified training, the float check and
the proofs. Everything it needs, it declares beside its own class (as examples/custom_layer.py does)."""

import dataclasses
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from datafiles import fast_training, use_synthetic_mnist

from verified_nn.layers import Activation, _registry, register_layer
from verified_nn.layers._activation import Curvature

Array = np.ndarray[Any, Any]


@dataclasses.dataclass(frozen=True)
class Softsign(Activation):
    """``x / (1 + |x|)``: nondecreasing, convex below 0 and concave above, values in (-1, 1)."""

    kind: ClassVar[str] = "softsign"
    smooth: ClassVar[bool] = True
    monotone: ClassVar[bool] = True
    curvature: ClassVar[Curvature | None] = "s-shaped"
    # |x| is exact; 1 + |x| and the division round once each: 2 u, declared with room to spare.
    float_error: ClassVar[tuple[float, float] | None] = (4.0, 2.0)
    torch_name: ClassVar[str | None] = "Softsign"
    onnx_operator: ClassVar[str | None] = "Softsign"

    def function(self, x: Array) -> Array:
        result: Array = x / (1 + np.abs(x))
        return result

    def derivative(self, x: Array, y: Array) -> Array:
        result: Array = 1 / ((1 + np.abs(x)) * (1 + np.abs(x)))
        return result


@pytest.fixture
def softsign(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Softsign]]:
    """Registered for this test only (the registry is restored afterwards)."""
    monkeypatch.setattr(_registry, "_KINDS", dict(_registry._KINDS))
    register_layer(Softsign)
    yield Softsign


def test_a_custom_activation_goes_through_every_feature(
    softsign: type[Softsign], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from verified_nn.certify import (
        VERIFIED,
        AttackConfig,
        CertifyConfig,
        certify_images,
        check_certifiable,
        linf_ball,
        pgd_attack,
    )
    from verified_nn.cli import main
    from verified_nn.data import load
    from verified_nn.exact import float_check
    from verified_nn.interop import save_torch, to_onnx, torch_sequential_code
    from verified_nn.proofs import entries, prove_entry
    from verified_nn.training import load_model

    use_synthetic_mnist(tmp_path, monkeypatch)
    # Training by name, and the model file round trip.
    options = [*fast_training(2, train_eval=200), "--hidden", "16", "--activation", "softsign"]
    assert main(["train", *options, "--name", "soft"]) == 0
    network = load_model(tmp_path / "models" / "soft-best.safetensors").network
    assert any(isinstance(layer, Softsign) for layer in network.layers)
    test = load("mnist", "test", report=lambda _: None)
    images, labels = np.asarray(test.inputs)[:40], test.labels[:40]
    # ONNX (onnxruntime computes what the network computes) and PyTorch.
    onnx = pytest.importorskip("onnx")
    runtime = pytest.importorskip("onnxruntime")
    session = runtime.InferenceSession(to_onnx(network).SerializeToString())
    ours = network.logits(images)
    theirs = session.run(["logits"], {"input": images})[0]
    assert np.abs(theirs - ours).max() < 1e-5 and onnx is not None
    assert "torch.nn.Softsign()" in torch_sequential_code(network)
    save_torch(tmp_path / "soft-torch.safetensors", network)
    assert load_model(tmp_path / "soft-torch.safetensors").network == network
    # Certification: bounds from the declarations; what is verified has no counterexample in a strong attack.
    results = certify_images(
        check_certifiable(network), images, labels, CertifyConfig(eps=Fraction(1, 100), method="crown")
    )
    assert any(r.status == VERIFIED for r in results)
    strong = AttackConfig(restarts=20, steps=60)
    for result in results:
        if result.status == VERIFIED:
            ball = linf_ball(images[result.index], Fraction(1, 100))
            assert pgd_attack(network, ball, result.label, config=strong, seed=result.index).example is None
    # Certified training against the bound.
    certified = ["--certified-eps", "0.02", "--certified-warmup", "0", "--certified-ramp", "1"]
    assert main(["train", *options, *certified, "--name", "soft-cert"]) == 0
    # The float check: every float class is the real one.
    assert float_check(network, images).passed
    # The proofs: the registered activation gets its entry, and it is proven.
    entry = next(entry for entry in entries() if entry.name == "Softsign")
    assert prove_entry(entry).passed


def test_a_custom_activation_exports_to_a_torch_module_that_computes_the_same(
    softsign: type[Softsign], rng: np.random.Generator
) -> None:
    from verified_nn.interop import from_torch, to_torch
    from verified_nn.network import mlp

    torch = pytest.importorskip("torch")
    network = mlp((12, 8, 3), rng=rng, activation="softsign", dtype=np.float64)
    images = rng.random((5, 12))
    with torch.no_grad():
        theirs = to_torch(network)(torch.from_numpy(images)).numpy()
    assert np.abs(theirs - network.logits(images)).max() < 1e-12
    assert from_torch(to_torch(network)) == network
