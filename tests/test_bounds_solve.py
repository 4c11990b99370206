"""verified_nn.bounds.minimise: the one call of HiGHS, and the solver's own writes kept off standard output."""

import os
import subprocess
import sys
import types
from typing import Any

import numpy as np
import pytest

from verified_nn.bounds import Program, minimise, solver_tolerance
from verified_nn.bounds._solve import stdout_to_stderr


def _program() -> tuple[Program, np.ndarray[Any, Any]]:
    """min x0 - x1 over x0, x1 in [0, 1] with x0 + x1 >= 1.5: the minimum is -0.5 at (0.5, 1)."""
    program = Program()
    x = program.variables(np.zeros(2), np.ones(2))
    program.add_rows(np.array([0, 0]), x, np.array([1.0, 1.0]), np.array([1.5]), np.array([np.inf]))
    objective = np.zeros(program.size)
    objective[x] = [1.0, -1.0]
    return program, objective


def test_writes_to_descriptor_1_go_to_standard_error_inside_the_block(capfd: pytest.CaptureFixture[str]) -> None:
    print("before", flush=True)
    with stdout_to_stderr():
        os.write(1, b"raw write\n")
    print("after", flush=True)
    out, err = capfd.readouterr()
    assert out == "before\nafter\n" and err == "raw write\n"


def test_c_stdio_buffered_inside_the_block_is_flushed_there() -> None:
    # Standard output on a pipe is fully buffered by C stdio: what a library printf-ed inside the block is
    # still in the buffer when it ends, and must go to standard error before descriptor 1 is restored.
    script = (
        "import ctypes\n"
        "from verified_nn.bounds._solve import stdout_to_stderr\n"
        "with stdout_to_stderr():\n"
        "    ctypes.CDLL(None).printf(b'buffered C write\\n')\n"
        "print('after')\n"
    )
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}  # -u: no buffer
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True, env=environment
    )
    assert done.stdout == "after\n" and done.stderr == "buffered C write\n"


def test_the_solver_cannot_write_to_standard_output(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # HiGHS prints "HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();" from C++ on some
    # programs, whatever its options: a stand-in for milp that does the same shows where it lands.
    import scipy.optimize

    def noisy_milp(*args: Any, **kwargs: Any) -> types.SimpleNamespace:
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();\n")
        return types.SimpleNamespace(status=2, x=None, fun=None, mip_dual_bound=None)

    monkeypatch.setattr(scipy.optimize, "milp", noisy_milp)
    program, objective = _program()
    found = minimise(program, objective, time_limit=1.0, cutoff=0.0)
    out, err = capfd.readouterr()
    assert found.cleared and out == "" and "tmpSolver.run()" in err


def test_minimise_finds_the_minimum_and_clears_only_a_cutoff_below_it() -> None:
    program, objective = _program()
    found = minimise(program, objective, time_limit=10.0, cutoff=-1.0)  # nothing at or below -1
    assert found.cleared and found.dual_bound >= -1.0
    found = minimise(program, objective, time_limit=10.0, cutoff=0.0)  # -0.5 lies below 0
    assert not found.cleared and found.value == pytest.approx(-0.5) and found.x is not None
    assert found.x == pytest.approx([0.5, 1.0])
    assert 0 < solver_tolerance(program, objective) < 1e-5
