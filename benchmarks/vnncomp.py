"""A VNN-COMP benchmark folder run with verify-spec and compared with the tools' published results.

``python -m benchmarks.vnncomp FOLDER --published RESULTS [--instances CSV] [--jobs 2] [--ours CSV
[--counterexamples DIR]] [--markdown FILE]``: FOLDER is a benchmark folder as the competition's repository
lays it out, unzipped (``instances.csv``, ``onnx/``, ``vnnlib/``); RESULTS a folder of published results in
the layout of the competition's results repository (``RESULTS/<tool>/<category>/results.csv``). Nothing is
downloaded. The instances run with their own time limits (``--instances`` a subset in the same format);
``--ours`` compares a results file written earlier instead, with the answers ``verify-spec
--counterexamples DIR`` wrote beside it. Prints the table (instance, each tool's answer, ours, our time),
the answers per network, every answer that contradicts a published one, and the check of every
counterexample by onnxruntime in float32 against the property (exactly, without tolerance), with the load
average beside the time.
"""

import argparse
import collections
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np

from verified_nn.interop import OnnxRunner, read_onnx
from verified_nn.search import (
    Instance,
    InstanceResult,
    counterexample_names,
    read_instances,
    results_csv,
    run_instances,
)
from verified_nn.spec import read_vnnlib

SOLVED = ("sat", "unsat")


def _load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def _key(model: str, vnnlib: str) -> tuple[str, str]:
    return Path(model).name, Path(vnnlib).name


def published(folder: Path, category: str) -> dict[str, dict[tuple[str, str], tuple[str, float]]]:
    """Per tool: (model, property) file names -> (result, seconds), from ``folder/<tool>/<category>/results.csv``."""
    tools = {}
    for path in sorted(folder.glob(f"*/{category}/results.csv")):
        answers = {}
        for row in csv.reader(path.read_text().splitlines()):
            if len(row) >= 6:
                answers[_key(row[1], row[2])] = (row[4].strip(), float(row[5] or "nan"))
        tools[path.parent.parent.name] = answers
    return tools


def _ours(path: Path) -> dict[tuple[str, str], tuple[str, float]]:
    answers = {}
    for row in csv.reader(path.read_text().splitlines()):
        answers[_key(row[1], row[2])] = (row[4], float(row[3]) + float(row[5]))
    return answers


def _counterexample(text: str) -> tuple[np.ndarray, np.ndarray]:
    values: dict[str, float] = {}
    for part in text.split("\n", 1)[1].replace("(", " ").split(")"):
        fields = part.split()
        if len(fields) == 2:
            values[fields[0]] = float(fields[1])
    xs = [values[f"X_{i}"] for i in range(sum(name.startswith("X_") for name in values))]
    ys = [values[f"Y_{j}"] for j in range(sum(name.startswith("Y_") for name in values))]
    return np.array(xs), np.array(ys)


def check_counterexamples(folder: Path, answers: list[tuple[str, str, str, str]]) -> list[tuple[str, bool, str]]:
    """Each sat answer ``(name, model, property, answer text)``: its input run by onnxruntime in float32,
    checked against the property: (name, valid, why)."""
    checked = []
    runners: dict[str, OnnxRunner] = {}
    for name, model, vnnlib, answer in answers:
        x, _ = _counterexample(answer)
        runner = runners.setdefault(model, OnnxRunner(read_onnx(folder / model)))
        outputs = runner(x.astype(runner.dtype)[np.newaxis])[0]
        spec = read_vnnlib(folder / vnnlib)
        point = x.astype(runner.dtype)
        valid = bool(np.array_equal(point.astype(np.float64), x)) and spec.violated_by(point, outputs)
        checked.append((name, valid, "" if valid else "not violated under onnxruntime"))
    return checked


def _sat_answers(results: list[InstanceResult]) -> list[tuple[str, str, str, str]]:
    return [(r.instance.name, r.instance.model, r.instance.vnnlib, r.answer) for r in results if r.result == "sat"]


def _written_answers(results: Path, directory: Path) -> list[tuple[str, str, str, str]]:
    """The sat rows of a results.csv with the answers ``verify-spec --counterexamples DIR`` wrote."""
    rows = [row for row in csv.reader(results.read_text().splitlines()) if len(row) >= 6]
    names = counterexample_names([Instance(directory, row[1], row[2], 0.0) for row in rows])
    return [
        (name, row[1], row[2], (directory / f"{name}.counterexample").read_text())
        for row, name in zip(rows, names, strict=True)
        if row[4] == "sat"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the benchmark folder (instances.csv, onnx/, vnnlib/)")
    parser.add_argument("--published", type=Path, required=True, help="RESULTS/<tool>/<category>/results.csv")
    parser.add_argument("--instances", type=Path, help="a subset of instances.csv (default: the folder's)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--ours", type=Path, help="compare this results.csv instead of running")
    parser.add_argument(
        "--counterexamples", type=Path, help="with --ours: check the sat answers verify-spec wrote to this folder"
    )
    parser.add_argument("--results", type=Path, help="write our results.csv here")
    parser.add_argument("--markdown", type=Path, help="write the table here as Markdown")
    args = parser.parse_args()
    category = args.folder.resolve().name
    tools = published(args.published, category)
    checked: list[tuple[str, bool, str]] = []
    print(f"start: {_load_text()}")
    if args.ours is None:
        instances = read_instances(args.instances or args.folder / "instances.csv")
        start = time.monotonic()

        def report(result: InstanceResult) -> None:
            seconds = result.prepare_seconds + result.run_seconds
            print(f"{result.instance.name}: {result.result} ({seconds:.1f} s)", file=sys.stderr, flush=True)

        results = run_instances(instances, jobs=args.jobs, on_result=report)
        seconds = time.monotonic() - start
        print(f"ran {len(results)} instances in {seconds:.0f} s, {args.jobs} jobs; end: {_load_text()}")
        text = results_csv(results, category)
        if args.results is not None:
            args.results.write_text(text)
        ours = {
            _key(r.instance.model, r.instance.vnnlib): (r.result, r.prepare_seconds + r.run_seconds) for r in results
        }
        checked = check_counterexamples(args.folder, _sat_answers(results))
    else:
        ours = _ours(args.ours)
        if args.counterexamples is not None:
            checked = check_counterexamples(args.folder, _written_answers(args.ours, args.counterexamples))
    names = sorted(tools)
    lines = ["| instance | " + " | ".join(names) + " | ours | our time (s) |", "|---" * (len(names) + 3) + "|"]
    contradictions = []
    per_network: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for key, (result, seconds) in ours.items():
        cells = [tools[name].get(key, ("-", 0.0))[0] for name in names]
        lines.append(
            f"| {Path(key[0]).stem} {Path(key[1]).stem} | " + " | ".join(cells) + f" | {result} | {seconds:.1f} |"
        )
        per_network[Path(key[0]).stem][result] += 1
        opposite = {"sat": "unsat", "unsat": "sat"}.get(result)
        disagree = [name for name in names if tools[name].get(key, ("",))[0] == opposite]
        if disagree:
            contradictions.append(f"{key}: ours {result}, {', '.join(disagree)} {opposite}")
    table = "\n".join(lines) + "\n"
    print(table)
    for network, counts in sorted(per_network.items()):
        solved = counts["sat"] + counts["unsat"]
        print(
            f"{network}: solved {solved} ({counts['unsat']} unsat, {counts['sat']} sat), "
            f"{counts['timeout']} timeout, {counts['unknown']} unknown"
        )
    total = sum(c["sat"] + c["unsat"] for c in per_network.values())
    print(f"total solved: {total} of {len(ours)}")
    for name in names:
        solved = sum(1 for key in ours if tools[name].get(key, ("",))[0] in SOLVED)
        print(f"  {name}: {solved} solved")
    print(f"contradictions with a published answer: {len(contradictions)}")
    for line in contradictions:
        print(f"  {line}")
    if checked:
        valid = sum(ok for _, ok, _ in checked)
        print(f"counterexamples valid under onnxruntime (float32, exactly): {valid} of {len(checked)}")
        for name, ok, why in checked:
            if not ok:
                print(f"  {name}: {why}")
    if args.markdown is not None:
        args.markdown.write_text(table)


if __name__ == "__main__":
    main()
