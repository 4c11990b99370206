"""The switch VERIFIED_NN_RUNTIME_CHECKS=0 turns runtime checks off; an unknown value is refused."""

import os
import subprocess
import sys

PROGRAM = """
import numpy as np
from verified_nn.core import softmax
try:
    softmax(np.arange(10))  # integers: the annotation asks for float32 or float64
except Exception as error:
    print(type(error).__name__)
else:
    print("unchecked")
"""


def _run(value: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VERIFIED_NN_RUNTIME_CHECKS": value}
    return subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=False)


def test_checks_are_on_by_default_and_with_1() -> None:
    assert _run("1").stdout.strip() == "ShapeError"


def test_checks_turn_off_with_0() -> None:
    # With checks off, the integer array reaches numpy, which computes a softmax of it without complaint.
    assert _run("0").stdout.strip() == "unchecked"


def test_an_unrecognised_switch_value_is_refused_with_its_name() -> None:
    result = _run("maybe")
    assert result.returncode != 0
    assert "VERIFIED_NN_RUNTIME_CHECKS must be one of" in result.stderr
