"""The plugin's options: read from mypy's own configuration file, unknown keys and bad values refused."""

import subprocess
import sys
from pathlib import Path

import pytest

from verified_nn.mypy_plugin._options import OptionsError, PluginOptions, parse_options, read_options

# This module runs mypy: seconds on a quiet machine, minutes on a loaded one (the quick tests' limit is 120 s).
pytestmark = pytest.mark.timeout(600)


def test_without_a_section_the_defaults_hold(tmp_path: Path) -> None:
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\n")
    assert read_options(str(config)) == PluginOptions(strict=False, checked_modules=("verified_nn",))
    assert read_options(None) == PluginOptions()


def test_the_ini_section_sets_strict_and_the_checked_modules(tmp_path: Path) -> None:
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n\n[verified_nn.mypy_plugin]\nstrict = True\nchecked_modules = verified_nn, mylib\n")
    assert read_options(str(config)) == PluginOptions(strict=True, checked_modules=("verified_nn", "mylib"))


def test_the_pyproject_table_sets_the_same_options(tmp_path: Path) -> None:
    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.mypy]\nstrict = true\n\n[tool.verified_nn.mypy_plugin]\nstrict = true\nchecked_modules = ["mylib"]\n'
    )
    assert read_options(str(config)) == PluginOptions(strict=True, checked_modules=("mylib",))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"strickt": "true"}, r"unknown option 'strickt'; known: checked_modules, strict"),
        ({"strict": "maybe"}, r"strict: expected true or false, got 'maybe'"),
        ({"checked_modules": " , "}, r"checked_modules: expected at least one module name"),
        ({"checked_modules": 3}, r"checked_modules: expected module names separated by commas, got 3"),
    ],
)
def test_unknown_options_and_bad_values_are_refused_by_name(table: dict[str, object], message: str) -> None:
    with pytest.raises(OptionsError, match=message):
        parse_options(table)


def test_mypy_stops_with_one_line_naming_a_bad_option(tmp_path: Path) -> None:
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\nplugins = verified_nn.mypy_plugin\n\n[verified_nn.mypy_plugin]\nstrict = sometimes\n")
    source = tmp_path / "empty.py"
    source.write_text("")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(config),
            "--cache-dir",
            str(tmp_path / "cache"),
            str(source),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"{config}: error: [verified_nn.mypy_plugin] strict: expected true or false, got 'sometimes'"
    )
