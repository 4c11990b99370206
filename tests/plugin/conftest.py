"""The plugin's tests run mypy (over snippets, copies of kernels, a user package): seconds on a quiet machine,
minutes on a loaded one. They get a longer time limit than the quick tests' default, as slow tests do."""

from pathlib import Path

import pytest

MYPY_TEST_TIMEOUT = 600  # seconds
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE) and not item.get_closest_marker("timeout"):
            item.add_marker(pytest.mark.timeout(MYPY_TEST_TIMEOUT))
