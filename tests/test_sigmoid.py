"""The logistic sigmoid, added as one file: its kernel within the error it declares (against arb), its
gradient, and every feature reading it from the registry: by name, export, bounds, certification."""

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pytest

from verified_nn.bounds import Box, Context, Lines, Rounding, interval_bounds, linear_bounds, rule_for, spec_bounds
from verified_nn.bounds._lines import smooth
from verified_nn.layers import Dense, Sigmoid, activation_named, layer_config, layer_from_config
from verified_nn.network import Network
from verified_nn.verification import check_jacobian

Array = np.ndarray[Any, Any]


def _inputs(dtype: Any, rng: np.random.Generator) -> Array:
    values = rng.normal(size=20000) * 2.0 ** rng.integers(-40, 7, size=20000)
    edges = [0.0, 1e-30, -80.0, -87.0, -88.0, -89.0, -103.0, -104.0, -105.0, -700.0, -745.0, -746.0, 40.0, 800.0]
    return np.concatenate([values, rng.uniform(-120, 120, 2000), edges]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_sigmoid_is_within_the_declared_error_of_the_real_value(dtype: Any) -> None:
    flint = pytest.importorskip("flint")
    relative, absolute = Sigmoid.float_error or (0.0, 0.0)
    u, tiny = float(np.finfo(dtype).eps) / 2, float(np.finfo(dtype).tiny)
    inputs = _inputs(dtype, np.random.default_rng(7))
    computed = Sigmoid().function(inputs)
    saved = flint.ctx.prec
    flint.ctx.prec = 200
    try:
        for x, y in zip(inputs.tolist(), computed.tolist(), strict=True):
            real = 1 / (1 + (-flint.arb(x)).exp())
            allowed = relative * u * abs(float(real.mid())) + absolute * tiny
            assert abs(flint.arb(y) - real) <= flint.arb(allowed), x
    finally:
        flint.ctx.prec = saved


def test_the_derivative_agrees_with_finite_differences() -> None:
    layer = Sigmoid()
    z = np.linspace(-6.0, 6.0, 13)
    report = check_jacobian(layer.function, np.diag(layer.derivative(z, layer.function(z))), z)
    assert report.passed, report.summary()


def test_the_sigmoid_is_known_by_name_and_to_model_files() -> None:
    assert activation_named("sigmoid") == Sigmoid()
    assert layer_from_config(layer_config(Sigmoid()), {}) == Sigmoid()


def test_forward_and_backward_check_their_arguments_at_run_time() -> None:
    from verified_nn.core import ShapeError

    x = np.linspace(-2.0, 2.0, 6).reshape(2, 3)
    y, cache = Sigmoid().forward(x)
    assert Sigmoid().backward(np.ones_like(y), cache)[0].shape == (2, 3)
    with pytest.raises(
        ShapeError, match=r"^Sigmoid.forward: argument 'x' expected float\[batch, \.\.\.\], got int64\[3\]$"
    ):
        Sigmoid().forward(np.arange(3))
    with pytest.raises(
        ShapeError, match=r"^Sigmoid.backward: argument 'dy' expected float64\[2,3\], got float64\[2,2\]$"
    ):
        Sigmoid().backward(np.ones((2, 2)), cache)  # type: ignore[shape]  # the static check sees it too


def test_an_mlp_of_sigmoids_is_certified_soundly(rng: np.random.Generator) -> None:
    from fractions import Fraction

    from verified_nn.certify import VERIFIED, AttackConfig, CertifyConfig, certify_image, linf_ball, pgd_attack
    from verified_nn.network import mlp

    network = mlp((6, 12, 4), rng=rng, activation="sigmoid")
    images = rng.random((12, 6)).astype(np.float32)
    labels = network.predict(images)
    verified = 0
    for index, image in enumerate(images):
        label = int(labels[index])
        result = certify_image(network, image, label, CertifyConfig(eps=Fraction(1, 50), method="crown"), index=index)
        if result.status == VERIFIED:
            verified += 1
            ball = linf_ball(image, Fraction(1, 50))
            assert (
                pgd_attack(network, ball, label, config=AttackConfig(restarts=20, steps=60), seed=index).example is None
            )
    assert verified > 0


# The rule the bound core derives from Sigmoid's declarations: sound against arb, and as tight as documented.

SOUND = Rounding.sound(deployed=None)
PLAIN = Rounding.none(np.float64)
# The largest |f''| of the sigmoid, at x = ln(2 +- sqrt 3): 1 / (6 sqrt 3). A chord or a midpoint tangent on an
# interval of width w where f bends one way is within M w^2 / 8 of f (Taylor).
CURVATURE = 1 / (6 * np.sqrt(3))


@dataclasses.dataclass(frozen=True)
class _LooseSigmoid(Sigmoid):
    """Planted: the same kernel declaring twice its error, so every enclosure widens for nothing."""

    float_error: ClassVar[tuple[float, float] | None] = (24.0, 4.0)


def _exact(z: Array) -> tuple[Array, Array]:
    """arb's rigorous enclosure of the real sigmoid at every float64 in ``z``: ``(below, above)``."""
    import flint

    saved = flint.ctx.prec
    flint.ctx.prec = 120
    try:
        balls = [1 / (1 + (-flint.arb(float(v))).exp()) for v in z.ravel().tolist()]
    finally:
        flint.ctx.prec = saved
    low = np.array([float(b.lower()) for b in balls]).reshape(z.shape)
    high = np.array([float(b.upper()) for b in balls]).reshape(z.shape)
    return low, high


def _interval_excess(layer: Sigmoid, box: Box) -> float:
    """How far the rule's interval reaches beyond the exact image ``[f(l), f(u)]``, in units of ``u |f|``
    (negative: it misses part of the image, unsound)."""
    out = rule_for(layer).interval(layer, box, Context(SOUND))
    (low, _), (_, high) = _exact(box.lower), _exact(box.upper)
    u = SOUND.u
    below = (low - out.lower) / (u * np.abs(low))
    above = (out.upper - high) / (u * np.abs(high))
    if min(below.min(), above.min()) < 0:
        return -1.0
    return float(max(below.max(), above.max()))


def test_the_interval_is_the_exact_image_widened_by_the_declared_error_alone() -> None:
    """Sound: contains arb's ``[f(l), f(u)]``. Tight: at most ``12 u |f|`` (the declared kernel error) plus the
    rule's own roundings beyond it, 16 u in all; a layer declaring twice the error fails this."""
    pytest.importorskip("flint")
    rng = np.random.default_rng(11)
    a, b = rng.normal(0, 4, (2, 3, 60))
    box = Box(np.minimum(a, b), np.maximum(a, b))
    excess = _interval_excess(Sigmoid(), box)
    assert 0 <= excess <= 16, excess
    assert _interval_excess(_LooseSigmoid(), box) > 16  # planted: a looser declaration shows


def _intervals() -> tuple[Array, Array]:
    rng = np.random.default_rng(12)
    ends = rng.normal(0, 3, (2, 60))
    # Convex (u <= 0), concave (l >= 0), across the inflection, tiny, at 0, saturated, a point.
    ends[:, :9] = [
        [-4.0, 0.5, -0.1, -3.0, 0.0, -1e-9, -60.0, 30.0, 1.5],
        [-1.0, 3.0, 0.3, 2.0, 2.0, 1e-9, -40.0, 45.0, 1.5],
    ]
    return np.minimum(*ends)[None], np.maximum(*ends)[None]


def _grid(low: float, high: float) -> Array:
    width = high - low
    near = [low + width * 10.0**-k for k in range(1, 8)] + [high - width * 10.0**-k for k in range(1, 8)]
    return np.unique(np.concatenate([np.linspace(low, high, 300), near]))


def _looseness(lines: Lines, lower: Array, upper: Array) -> float:
    """The worst excess over the documented gap, over every interval (> 0: looser than documented).

    Where the graph bends one way (``u <= 0`` or ``l >= 0``) each line is within ``M w^2 / 8`` of ``f``
    (chord and midpoint tangent). Across the inflection each line passes through an end, and its slope is the
    best such a line can have: the smallest secant slope from that end (``min(f'(l), chord)``), within 3e-7
    (rigorous secants over a step of ``2^-26``: the kernel's declared error over the step); the one-sided gaps
    allow 20 u |f| + 1e-300 for the rigour of the stored lines."""
    worst = -np.inf
    f = Sigmoid().function
    for k in range(lower.shape[1]):
        low, high = float(lower[0, k]), float(upper[0, k])
        if high <= low:
            continue
        grid = _grid(low, high)
        values = f(grid)
        below = lines.lo_s[0, k] * grid + lines.lo_t[0, k]
        above = lines.up_s[0, k] * grid + lines.up_t[0, k]
        rigour = 20 * SOUND.u * np.abs(values) + 1e-300
        if high <= 0 or low >= 0:
            allowed = CURVATURE * (high - low) ** 2 / 8 + rigour
            worst = max(worst, float(np.max(values - below - allowed)), float(np.max(above - values - allowed)))
        else:
            inside = grid[(grid > low) & (grid < high)]
            at_low, at_high = f(np.array([low, high]))
            best_low = np.min((f(inside) - at_low) / (inside - low))
            best_high = np.min((at_high - f(inside)) / (high - inside))
            worst = max(worst, float(best_low - lines.lo_s[0, k] - 3e-7), float(best_high - lines.up_s[0, k] - 3e-7))
    return worst


def test_the_linear_bounds_are_sound_against_arb_and_as_tight_as_documented() -> None:
    """Sound as stored, at 300 points of each interval and next to its ends, against arb; tight as
    ``_looseness`` documents; the interval-only lines (constants ``f(l)`` and ``f(u)``) fail tightness."""
    pytest.importorskip("flint")
    lower, upper = _intervals()
    lines = smooth(Sigmoid(), lower, upper, SOUND)
    for k in range(lower.shape[1]):
        grid = _grid(float(lower[0, k]), float(upper[0, k]))
        low, high = _exact(grid)
        assert np.all(lines.lo_s[0, k] * grid + lines.lo_t[0, k] <= low + 1e-16 * np.abs(low)), k
        assert np.all(lines.up_s[0, k] * grid + lines.up_t[0, k] >= high - 1e-16 * np.abs(high)), k
    assert _looseness(lines, lower, upper) <= 0
    assert _looseness(smooth(Sigmoid(), lower, upper, PLAIN), lower, upper) <= 0
    f = Sigmoid().function
    constant = Lines(np.zeros_like(lower), f(lower), np.zeros_like(lower), f(upper))  # planted: IBP's lines
    assert _looseness(constant, lower, upper) > 0


def _network(rng: np.random.Generator) -> Network[Any, Any]:
    w1, b1 = rng.normal(0, 2, (6, 2)), rng.normal(0, 1, 6)
    w2, b2 = rng.normal(0, 1, (1, 6)), rng.normal(0, 1, 1)
    return Network((Dense(weights=w1, bias=b1), Sigmoid(), Dense(weights=w2, bias=b2)))


def _crown_and_ibp_gaps() -> tuple[float, float]:
    """The worst gap, over 8 random 2-6-1 networks and boxes of half-width 0.05, between the bounds on the output
    and its exact range (found on a 401 x 401 grid), as a fraction of the range's width: CROWN's and IBP's."""
    rng = np.random.default_rng(13)
    worst, worst_ibp = 0.0, 0.0
    for _ in range(8):
        network = _network(rng)
        center = rng.uniform(-1, 1, 2)
        box = Box((center - 0.05)[None], (center + 0.05)[None])
        xs = np.linspace(box.lower[0], box.upper[0], 401)
        grid = np.stack(np.meshgrid(xs[:, 0], xs[:, 1]), axis=-1).reshape(-1, 2)
        values = network.logits(grid)[:, 0]
        bound = spec_bounds(network, linear_bounds(network, box, rounding=SOUND), np.array([[1.0], [-1.0]])).lower[0]
        low, high = bound[0], -bound[1]
        # Between grid points the output moves by at most the spacing times its Lipschitz constant (f' <= 1/4).
        w1, w2 = network.layers[0].parameters()[0], network.layers[2].parameters()[0]
        slack = 0.1 / 400 * float((np.abs(w2) @ np.abs(w1).sum(axis=1)).item()) / 4
        assert low <= values.min() + slack and high >= values.max() - slack
        width = values.max() - values.min()
        worst = max(worst, (values.min() - low) / width, (high - values.max()) / width)
        ibp = interval_bounds(network, box, rounding=SOUND).output
        worst_ibp = max(worst_ibp, (values.min() - ibp.lower[0, 0]) / width, (ibp.upper[0, 0] - values.max()) / width)
    return worst, worst_ibp


def test_crown_bounds_a_sigmoid_network_within_eight_percent_of_its_exact_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sound (contains the exact range) and within 8% of the range's width on each side (measured: 1.4% to
    5.7%), where intervals alone are off by up to 173%; lines no better than intervals' fail this."""
    crown, ibp = _crown_and_ibp_gaps()
    assert crown <= 0.08 and ibp > 10 * crown, (crown, ibp)
    import verified_nn.bounds._elementwise as elementwise

    def constant(layer: Any, lower: Array, upper: Array, rounding: Rounding) -> Lines:  # planted: IBP's lines
        zero = np.zeros_like(lower)
        return Lines(zero, layer.function(lower) - 1e-12, zero, layer.function(upper) + 1e-12)

    monkeypatch.setattr(elementwise, "smooth", constant)
    assert _crown_and_ibp_gaps()[0] > 0.08


# Export, proofs and the exact pass, each reading the layer's own declarations.


def test_the_sigmoid_exports_to_onnx_and_torch_computing_the_same(rng: np.random.Generator) -> None:
    from verified_nn.interop import from_torch, to_onnx, to_torch, torch_sequential_code
    from verified_nn.network import mlp

    network = mlp((12, 8, 3), rng=rng, activation="sigmoid")
    images = rng.random((5, 12)).astype(np.float32)
    runtime = pytest.importorskip("onnxruntime")
    session = runtime.InferenceSession(to_onnx(network).SerializeToString())
    assert np.abs(session.run(["logits"], {"input": images})[0] - network.logits(images)).max() < 1e-6
    torch = pytest.importorskip("torch")
    assert "torch.nn.Sigmoid()" in torch_sequential_code(network)
    wide = mlp((12, 8, 3), rng=rng, activation="sigmoid", dtype=np.float64)
    with torch.no_grad():
        theirs = to_torch(wide)(torch.from_numpy(images.astype(np.float64))).numpy()
    assert np.abs(theirs - wide.logits(images.astype(np.float64))).max() < 1e-12
    assert from_torch(to_torch(wide)) == wide


@dataclasses.dataclass(frozen=True)
class _WrongDerivativeSigmoid(Sigmoid):
    """Planted: ``1 - y = e^-x / (1 + e^-x)``, one power of the denominator short of the derivative."""

    def derivative(self, x: Array, y: Array) -> Array:
        result: Array = 1 - y  # e^-x / (1 + e^-x)
        return result


def test_the_prover_proves_the_sigmoid_and_refuses_a_wrong_derivative() -> None:
    pytest.importorskip("sympy")
    from verified_nn.proofs import entries, layer_entry, prove_entry

    entry = next(entry for entry in entries() if entry.name == "Sigmoid")
    assert prove_entry(entry).passed
    wrong = prove_entry(layer_entry("wrong sigmoid", _WrongDerivativeSigmoid, (2, 3)))
    assert not wrong.passed and wrong.failures


def _two_sigmoid_logits(bias: float) -> Network[Any, Any]:
    # logits (sigmoid 1 - sigmoid 1 + bias, 0) on the input 1
    layer1 = Dense(weights=np.ones((2, 1)), bias=np.zeros(2))
    return Network((layer1, Sigmoid(), Dense(weights=np.array([[1.0, -1.0], [0.0, 0.0]]), bias=np.array([bias, 0.0]))))


def test_the_ball_pass_separates_a_tiny_real_margin_past_a_sigmoid() -> None:
    pytest.importorskip("flint")
    from verified_nn.exact import ball_classes, float_check

    assert ball_classes(_two_sigmoid_logits(2.0**-200), np.ones((1, 1))).tolist() == [0]
    assert ball_classes(_two_sigmoid_logits(-(2.0**-200)), np.ones((1, 1))).tolist() == [1]
    assert ball_classes(_two_sigmoid_logits(0.0), np.ones((1, 1))).tolist() == [-1]
    report = float_check(_two_sigmoid_logits(2.0**-200), np.ones((1, 1)))
    assert report.passed


def test_certified_training_bounds_a_sigmoid_network_soundly(rng: np.random.Generator) -> None:
    """The training bound (no rounding allowance, the network's dtype) contains every sampled logit gap."""
    from verified_nn.core import InvalidArgumentError
    from verified_nn.network import mlp
    from verified_nn.robust import worst_case_logits

    network = mlp((6, 10, 3), rng=rng, activation="sigmoid", dtype=np.float64)
    images, labels = rng.random((4, 6)), np.array([0, 1, 2, 0])
    worst = worst_case_logits(network, images, labels, eps=0.05, method="ibp")
    for b in range(4):
        samples = np.clip(images[b] + rng.uniform(-0.05, 0.05, (500, 6)), 0, 1)
        logits = network.logits(samples)
        assert np.all(logits - logits[:, [labels[b]]] <= worst[b] + 1e-12)
    with pytest.raises(InvalidArgumentError, match="Sigmoid"):  # CROWN-IBP's gradients: the ReLU family only
        worst_case_logits(network, images, labels, eps=0.05, method="crown-ibp")
