"""The float allowance of the bound core on VNN-COMP 2022's ``mnist_fc`` instances, per network and radius.

``python -m benchmarks.float_allowance FOLDER [--iterations 20] [--networks 256x2,256x4,256x6]``: FOLDER is
the benchmark folder unzipped (``instances.csv``, ``onnx/*.onnx``, ``vnnlib/*.vnnlib``). For each network and
each radius, every instance's input box is bounded as one domain of a batch (``verify-spec``'s own parsing:
``load_onnx``, ``read_vnnlib``, the box's float64 outer bounds), with ``Rounding.sound(deployed=np.float32)``:
node bounds back-substituted per neuron with ``--node-iterations`` steps of alpha-CROWN each (by default
those of ``verify-spec``'s root, ``BabConfig.root_intermediate``; 0 is plain CROWN), then alpha-CROWN on the
instance's rows. Prints, per network and radius, the allowance
(``SpecBounds.noise``: what the deployed float32 rounding took from the bound, the largest over an instance's
rows) as its largest value over the instances with that instance's bound (its least row's, less ``d``), its
median, its largest where the bound proves the instance, the smallest margin bound proven, and the time,
with the load average beside it.
"""

import argparse
import collections
import csv
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.bounds import BabConfig, Box, Rounding, linear_bounds, optimise_slopes
from verified_nn.interop import load_onnx
from verified_nn.search import problems
from verified_nn.spec import read_vnnlib


def _instances(folder: Path) -> dict[tuple[str, str], list[Path]]:
    """(network name, radius) -> the property files of that network, from ``instances.csv``."""
    grouped: dict[tuple[str, str], list[Path]] = collections.defaultdict(list)
    for row in csv.reader((folder / "instances.csv").read_text().splitlines()):
        if len(row) >= 2:
            network = Path(row[0]).stem.removeprefix("mnist-net_")
            radius = Path(row[1]).stem.rsplit("_", 1)[-1]
            grouped[network, radius].append(folder / row[1])
    return grouped


def measure(network: Any, properties: list[Path], iterations: int, *, nodes_iterations: int = 0) -> tuple[Any, Any]:
    """``(allowance, lower)`` ``(instances,)`` each: per instance, the allowance and the bound of its least row."""
    found = [problems(network, read_vnnlib(path))[0] for path in properties]
    box = Box(np.stack([p.outer_lower for p in found]), np.stack([p.outer_upper for p in found]))
    # A conjunction C y <= d is refuted where C y - d > 0 for one of its rows; mnist_fc has one row per
    # conjunction (y_label - y_j <= 0), so an instance is proven when every row's lower bound exceeds d.
    spec = np.stack([p.matrix for p in found])  # (instances, rows, outputs)
    offset = np.stack([p.bound for p in found])  # (instances, rows)
    nodes = linear_bounds(network, box, rounding=Rounding.sound(deployed=np.float32), optimise=nodes_iterations)
    bounds = optimise_slopes(network, nodes, spec, iterations=iterations)
    lower = bounds.lower - offset  # lower bounds of the violations
    return bounds.noise.max(axis=1), lower.min(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--networks", default="256x2,256x4,256x6")
    parser.add_argument(
        "--node-iterations",
        type=int,
        default=BabConfig().root_intermediate,
        help="alpha-CROWN steps per node tightening (default: as verify-spec's root; 0: CROWN)",
    )
    parser.add_argument("--radii", default="0.03,0.05")
    args = parser.parse_args()
    grouped = _instances(args.folder)
    print(
        "| network | eps | instances | largest allowance | its instance's bound | median "
        "| largest where proven (proven) | smallest margin proven | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.networks.split(","):
        network = load_onnx(args.folder / "onnx" / f"mnist-net_{name}.onnx", check=False)
        for (net, radius), properties in sorted(grouped.items()):
            if net != name or radius not in args.radii.split(","):
                continue
            start = time.perf_counter()
            allowance, lower = measure(network, properties, args.iterations, nodes_iterations=args.node_iterations)
            seconds = time.perf_counter() - start
            proven = lower > 0
            where = f"{allowance[proven].max():.2g} ({proven.sum()})" if proven.any() else "- (0)"
            smallest = f"{lower[proven].min():.2g}" if proven.any() else "-"
            print(
                f"| {name} | {radius} | {len(properties)} | {allowance.max():.3g} | {lower[allowance.argmax()]:.3g} "
                f"| {np.median(allowance):.2g} "
                f"| {where} | {smallest} | {seconds:.0f} |",
                flush=True,
            )
    one, five, fifteen = os.getloadavg()
    print(f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
