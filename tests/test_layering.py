"""Dependencies point one way: core <- layers <- network <- optimizer/verification <- ...; nothing imports the CLI."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "verified_nn"

# Which of our subpackages each subpackage may import.
ALLOWED = {
    "core": set(),
    "layers": {"core"},
    "network": {"core", "layers"},
    "optimizer": {"core", "layers", "network"},
    "verification": {"core", "layers", "network"},
    # Files written safely, for every package that writes: imports only core.
    "files": {"core"},
    "data": {"core", "files"},
    "training": {"core", "layers", "network", "optimizer", "verification", "data", "bounds", "robust", "files"},
    # The bound core: rules per layer kind and walkers over networks; its clients come after it.
    "bounds": {"core", "layers", "network"},
    "exact": {"core", "layers", "network", "bounds"},
    "certify": {"core", "layers", "network", "bounds", "files"},
    # The one entry point through which the kernels run on exact symbols (sympy).
    "proofs": {"core", "layers", "network"},
    "robust": {"core", "layers", "network", "verification", "bounds"},
    "predict": {"core", "layers", "network", "data", "training", "files"},
    "sklearn": {"core", "layers", "network", "optimizer", "data", "training", "files"},
    "interop": {"core", "layers", "network", "data", "training", "files"},
    # VNNLIB properties: exact numbers and files, nothing of networks.
    "spec": {"data", "files"},
    # Deciding properties: the bounds, the networks, the specifications, and models from files.
    "search": {"core", "layers", "network", "data", "training", "interop", "spec", "bounds", "certify", "files"},
    "cli": {
        "core",
        "layers",
        "network",
        "optimizer",
        "verification",
        "data",
        "files",
        "training",
        "bounds",
        "exact",
        "certify",
        "robust",
        "predict",
        "interop",
        "proofs",
        "spec",
        "search",
    },
    # Loaded by mypy, not by the library: it may import nothing of ours.
    "mypy_plugin": set(),
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("verified_nn."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("verified_nn."))
    return found


@pytest.mark.parametrize("subpackage", sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()))
def test_subpackage_imports_only_what_lies_below_it(subpackage: str) -> None:
    assert subpackage in ALLOWED, f"new subpackage {subpackage}: add it to ALLOWED with its dependencies"
    for path in (PACKAGE / subpackage).rglob("*.py"):
        extra = _imports(path) - ALLOWED[subpackage] - {subpackage}
        assert not extra, f"{path.relative_to(PACKAGE)} imports {sorted(extra)}"
