"""mypy checks a user's own code against verified-nn as installed: from outside the repository, against a
non-editable install built from this checkout (what ``pip install .`` leaves), and against the development
install the tests run in (``scripts/check``'s editable install)."""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent

USER_CODE = """
from typing import Literal

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Network, default_network

rng = np.random.default_rng(0)
description = default_network(rng).describe()  # a str, if mypy reads the package
first = Dense.init(Dim[Literal[128]](), Dim[Literal[784]](), rng=rng)
wrong = Dense.init(Dim[Literal[10]](), Dim[Literal[100]](), rng=rng)
Network.of(first).then(ReLU()).then(wrong)  # line 14: 100 inputs after a layer of 128 outputs
width: int = description  # line 15: a str is not an int
"""
# What mypy says when it sees the package's types; without them it says "Cannot find implementation or library stub".
EXPECTED = (
    'user.py:14: error: Argument 1 to "then" of "Network" has incompatible type "Dense[Literal[10], Literal[100]]"',
    'user.py:15: error: Incompatible types in assignment (expression has type "str", variable has type "int")',
)


def _mypy(folder: Path, python: str) -> list[str]:
    """mypy --strict on folder/user.py, run in ``folder`` (no project configuration), resolving imports as ``python`` does."""
    (folder / "user.py").write_text(USER_CODE)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-executable", python, "user.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if ": error:" in line]


def _assert_types_seen(errors: list[str]) -> None:
    assert len(errors) == 2, errors
    for line, expected in zip(errors, EXPECTED, strict=True):
        assert line.startswith(expected), line


@pytest.mark.slow  # builds a wheel and runs mypy over numpy's stubs: about 15 s
def test_mypy_sees_the_package_installed_from_a_wheel(tmp_path: Path) -> None:
    # Built from a copy of what the wheel takes, so that no build/ folder is left in the checkout.
    source = tmp_path / "source"
    shutil.copytree(ROOT / "verified_nn", source / "verified_nn", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",  # with build isolation: Python 3.11's venv setuptools (65) cannot build wheels alone
            "-q",
            "-w",
            str(tmp_path / "wheel"),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "wheel").glob("verified_nn-*.whl")
    # A fresh environment holding only the wheel's files; the dependencies (numpy, jaxtyping, ...) come from
    # this environment's site-packages, added as a plain path so that its own .pth files (an editable
    # install of this checkout) are not processed.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "env")], check=True)
    python = tmp_path / "env" / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", site, str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.run(
        [str(python), "-c", "import verified_nn; print(verified_nn.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert where == os.path.join(site, "verified_nn", "__init__.py")  # the wheel's copy, not this checkout
    assert Path(site, "verified_nn", "py.typed").exists()  # the marker that lets mypy read an installed package
    user = tmp_path / "user"
    user.mkdir()
    _assert_types_seen(_mypy(user, str(python)))


@pytest.mark.slow  # mypy over numpy's stubs without a cache: about 5 s
def test_mypy_sees_the_development_install_from_outside_the_repository(tmp_path: Path) -> None:
    # scripts/check installs this checkout in editable "compat" mode (a path entry mypy can follow); the
    # default editable mode installs an import hook, and mypy then reports the package missing.
    _assert_types_seen(_mypy(tmp_path, sys.executable))
