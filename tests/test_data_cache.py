"""The tests share one cached data directory across runs: $VERIFIED_NN_TEST_DATA, else ~/.cache/verified-nn/test-data."""

from pathlib import Path

import pytest

from conftest import TEST_DATA_VARIABLE, cached_data_root
from verified_nn.data import MNIST, file_status


def test_the_cache_is_the_variable_or_the_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(TEST_DATA_VARIABLE, str(tmp_path / "shared"))
    assert cached_data_root() == tmp_path / "shared"
    monkeypatch.delenv(TEST_DATA_VARIABLE)
    assert cached_data_root() == Path.home() / ".cache" / "verified-nn" / "test-data"


def test_real_data_lives_in_the_cache_and_is_verified(real_data_dir: Path) -> None:
    assert real_data_dir == cached_data_root()
    assert set(file_status(MNIST, real_data_dir / "mnist").values()) == {"ok"}
