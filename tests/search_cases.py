"""Small networks and properties for the search tests: planted counterexamples and properties that hold."""

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.layers import Dense, ReLU
from verified_nn.network import Network
from verified_nn.spec import Property, parse_vnnlib


def vnnlib_text(lower: list[float | str], upper: list[float | str], outputs: int, condition: str) -> str:
    """A VNNLIB text: the box ``[lower, upper]`` and the assert ``condition`` on the outputs."""
    lines = [f"(declare-const X_{i} Real)" for i in range(len(lower))]
    lines += [f"(declare-const Y_{j} Real)" for j in range(outputs)]
    for i, (low, high) in enumerate(zip(lower, upper, strict=True)):
        lines += [f"(assert (>= X_{i} {low}))", f"(assert (<= X_{i} {high}))"]
    lines.append(f"(assert {condition})")
    return "\n".join(lines) + "\n"


def robustness(label: int, classes: int) -> str:
    """The mnist_fc form: some other class scores at least as high as ``label``."""
    cases = " ".join(f"(and (>= Y_{j} Y_{label}))" for j in range(classes) if j != label)
    return f"(or {cases})"


def planted(
    inputs: int = 6, *, dtype: Any = np.float32, seed: int = 0
) -> tuple[Network[Any, Any], np.ndarray[Any, Any]]:
    """A ReLU network whose class 1 wins only near one corner of ``[0, 1]^inputs``, and that corner.

    ``h = relu(W x - t)`` is positive only where ``x`` is close to the corner (its coordinates summed with
    the corner's signs exceed ``inputs - 0.3``), and the class-1 logit is ``5 h`` against a class-0 logit
    of ``0.5``: class 0 wins everywhere else. Random corners, a few per restart, rarely hit it.
    """
    rng = np.random.default_rng(seed)
    corner = (rng.random(inputs) < 0.5).astype(np.float64)
    signs = np.where(corner > 0, 1.0, -1.0)
    first = np.stack([signs, -signs * 0.01])  # (2, inputs): the detector, and a harmless second unit
    bias = np.array([-(corner.sum() - 0.3), 0.1])  # detector > 0 iff signs . x > sum(corner) - 0.3
    last = np.array([[0.0, 1.0], [5.0, 0.0]])  # class 0: 0.5 via the second unit's ~0.1..; class 1: 5 h
    last_bias = np.array([0.4, 0.0])
    network: Network[Any, Any] = Network(
        (
            Dense(weights=first.astype(dtype), bias=bias.astype(dtype)),
            ReLU(),
            Dense(weights=last.astype(dtype), bias=last_bias.astype(dtype)),
        )
    )
    return network, corner.astype(dtype)


def planted_property(inputs: int = 6) -> Property:
    """Class 0 is robust on ``[0, 1]^inputs`` (false for :func:`planted`'s network)."""
    return parse_vnnlib(vnnlib_text([0] * inputs, [1] * inputs, 2, robustness(0, 2)))


def write_case(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def exact(value: float) -> Fraction:
    return Fraction(value)
