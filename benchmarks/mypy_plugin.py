"""Cost of the shape plugin: mypy over the whole project with and without it, each from a cold cache.

Run: ``python -m benchmarks.mypy_plugin [--rounds N] [--target verified_nn]``. Both configurations are
the project's ``mypy.ini`` (one with its ``plugins`` line removed); every run gets a fresh, empty cache
directory. The two alternate so that machine noise falls on both alike; medians and their ratio are
printed, with the load average before and after (the machine is shared: a ratio under changing load
means less). ``--target`` checks one package instead of the ``files`` of ``mypy.ini``.
Without the plugin mypy reports as unused the ``type: ignore`` comments that only the plugin needs.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_LINE = "plugins = verified_nn.mypy_plugin"


def _configs(directory: Path) -> dict[str, Path]:
    """The project's configuration as it is, and the same without the plugin."""
    text = (ROOT / "mypy.ini").read_text()
    if PLUGIN_LINE not in text:
        raise SystemExit(f"mypy.ini does not enable the plugin ({PLUGIN_LINE!r}): nothing to compare")
    with_plugin = directory / "with-plugin.ini"
    without = directory / "without-plugin.ini"
    with_plugin.write_text(text)
    without.write_text(text.replace(PLUGIN_LINE, ""))
    return {"without plugin": without, "with plugin": with_plugin}


def _run(config: Path, cache: Path, targets: list[str]) -> tuple[float, str]:
    """Seconds for one cold mypy run, and its last line of output (the summary)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(cache), *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"mypy failed with {config.name}:\n{result.stdout}{result.stderr}")
    lines = result.stdout.strip().splitlines()
    return elapsed, lines[-1] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating cold runs of each configuration")
    parser.add_argument("--target", action="append", default=[], help="a package or file to check (repeatable)")
    arguments = parser.parse_args()
    rounds, targets = arguments.rounds, arguments.target
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="mypy-plugin-bench-") as tmp:
        directory = Path(tmp)
        configs = _configs(directory)
        times: dict[str, list[float]] = {name: [] for name in configs}
        summaries: dict[str, str] = {}
        for round_ in range(rounds):
            for name, config in configs.items():
                elapsed, summaries[name] = _run(config, directory / f"cache-{round_}-{config.stem}", targets)
                times[name].append(elapsed)
    load_after = os.getloadavg()
    what = ", ".join(targets) or "the project"
    print(f"mypy --strict over {what}, cold cache, median of {rounds} alternating runs each")
    print(f"  load average    {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    for name, samples in times.items():
        print(f"  {name:<15} {statistics.median(samples):7.2f} s   ({summaries[name]})")
    ratio = statistics.median(times["with plugin"]) / statistics.median(times["without plugin"])
    print(f"  ratio           {ratio:7.2f}   (target below 1.5)")


if __name__ == "__main__":
    main()
