"""verify: sat only with a point that both computations confirm; answers in VNN-COMP's text; benchmark folders."""

import csv
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from search_cases import planted, planted_property, robustness, vnnlib_text, write_case

from verified_nn.cli import main
from verified_nn.layers import ReLU
from verified_nn.network import Network
from verified_nn.search import (
    RESULTS,
    SAT,
    Instance,
    SearchError,
    Verdict,
    counterexample_names,
    read_instances,
    results_csv,
    run_instances,
    verify,
)
from verified_nn.spec import SpecError, parse_vnnlib
from verified_nn.training import save_model


def test_a_planted_counterexample_is_answered_sat_with_the_point() -> None:
    network, _ = planted(8)
    verdict = verify(network, planted_property(8), timeout=30)
    assert verdict.result == SAT and verdict.stage == "attack" and verdict.example is not None
    assert planted_property(8).violated_by(verdict.example, network.logits(verdict.example[np.newaxis])[0])


def test_sat_needs_the_second_computation_to_agree() -> None:
    network, _ = planted(8)
    shifted = verify(network, planted_property(8), timeout=5, confirm=lambda x: np.array([10.0, 0.0]))
    assert shifted.result != SAT  # class 0 wins by 10 in the other runtime: not a counterexample there


def test_the_answer_text_reads_back_as_the_same_floats() -> None:
    x = np.array([0.1, np.float32(1) / np.float32(3)], dtype=np.float32)
    y = np.array([np.float32(2) / np.float32(7)], dtype=np.float32)
    text = Verdict(SAT, 0.0, example=x, outputs=y).text()
    lines = text.splitlines()
    assert lines[0] == "sat" and lines[1].startswith("((X_0 ") and lines[-1].endswith("))")
    values = [float(part.split()[1]) for part in text[4:].replace("(", " ").split(")") if part.strip()]
    assert np.array_equal(np.array(values[:2], dtype=np.float32), x) and np.float32(values[2]) == y[0]
    assert Verdict("unsat", 1.0).text() == "unsat\n"


def _scaled(weight: float) -> Network[Any, Any]:
    # y_0 - y_1 = weight * relu(weight * x) + 1 >= 1 for every x: class 0 always wins.
    from certify_networks import dense_network

    weights = [np.array([[weight]]), np.array([[weight], [0.0]])]
    return dense_network(weights, [np.zeros(1), np.array([1.0, 0.0])], (0.0,)).astype(np.float32)


def test_bounds_near_overflow_give_unknown_never_unsat() -> None:
    # The same true property: proven on a modest network; on one whose bounds come near float32's limit (two
    # 1e18 weights make 1e36) the rounding model has no ground, so the answer is "unknown", never "unsat".
    prop = parse_vnnlib(vnnlib_text([0], [1], 2, robustness(0, 2)))
    assert verify(_scaled(1e3), prop, timeout=10).result == "unsat"
    verdict = verify(_scaled(1e18), prop, timeout=3)
    assert verdict.result in ("unknown", "timeout") and verdict.result != "unsat"


def test_a_region_without_output_conditions_is_violated_at_once_and_misfits_are_refused() -> None:
    network, _ = planted(3)
    anything = parse_vnnlib(vnnlib_text([0, 0, 0], [1, 1, 1], 2, "(or (and (<= X_0 1)) (and (<= Y_0 -100)))"))
    verdict = verify(network, anything, timeout=5)
    assert verdict.result == SAT and "constrains no output" in verdict.note
    assert "constrains no output" not in verify(network, planted_property(3), timeout=5).note
    with pytest.raises(SpecError, match="the property speaks of 3 inputs and 2 outputs; the network takes 8"):
        verify(planted(8)[0], anything, timeout=5)


def _folder(tmp_path: Path) -> Path:
    network, _ = planted(6)
    save_model(tmp_path / "net.safetensors", network, {})
    write_case(tmp_path, "sat.vnnlib", vnnlib_text([0] * 6, [1] * 6, 2, robustness(0, 2)))
    write_case(tmp_path, "empty.vnnlib", vnnlib_text([0] * 6, [1] * 6, 2, "(<= Y_0 -1e9)"))
    lines = ["net.safetensors,sat.vnnlib,20", "net.safetensors,empty.vnnlib,3.5", "net.safetensors,missing.vnnlib,5"]
    return write_case(tmp_path, "instances.csv", "\n".join(lines) + "\n")


def test_instances_run_in_order_with_their_own_limits_and_two_jobs_agree_with_one(tmp_path: Path) -> None:
    instances = read_instances(_folder(tmp_path))
    assert [(i.vnnlib, i.timeout) for i in instances] == [
        ("sat.vnnlib", 20),
        ("empty.vnnlib", 3.5),
        ("missing.vnnlib", 5),
    ]
    one = run_instances(instances, jobs=1)
    two = run_instances(instances, jobs=2)
    assert [r.result for r in one] == [r.result for r in two]
    assert one[0].result == SAT and one[2].result == "unknown" and "missing.vnnlib" in one[2].note
    assert one[1].result in RESULTS and one[1].prepare_seconds + one[1].run_seconds < 3.5 + 2
    rows = list(csv.reader(results_csv(one, "bench").splitlines()))
    assert rows[0][:3] == ["bench", "net.safetensors", "sat.vnnlib"] and rows[0][4] == "sat"
    assert all(len(row) == 6 and float(row[3]) >= 0 and float(row[5]) >= 0 for row in rows)


def test_an_instance_whose_reading_took_its_limit_is_a_timeout_with_nothing_decided(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A limit no reading fits in: the instance is a timeout at once, the search never started (it would raise).
    folder = _folder(tmp_path).parent

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("verify was called after the limit ran out")

    monkeypatch.setattr("verified_nn.search._instances.verify", refuse)
    result = run_instances([Instance(folder, "net.safetensors", "sat.vnnlib", 1e-9)])[0]
    assert (result.result, result.run_seconds, result.answer) == ("timeout", 0.0, "timeout\n")
    assert result.prepare_seconds > 1e-9


@pytest.mark.parametrize("bad", [float("nan"), "5", None, True])
def test_verify_refuses_a_time_limit_that_is_not_a_number_of_seconds(bad: object) -> None:
    network, _ = planted(3)
    with pytest.raises(SearchError, match=r"^timeout must be a number of seconds, got "):
        verify(network, planted_property(3), timeout=bad)  # type: ignore[arg-type]


def test_verify_answers_timeout_for_no_time_and_decides_without_a_limit() -> None:
    network, _ = planted(3)
    assert [verify(network, planted_property(3), timeout=t).result for t in (0, -1.0)] == ["timeout"] * 2
    limits: tuple[Any, ...] = (float("inf"), np.float32(30), np.int64(30))  # numpy's numbers are seconds too
    assert [verify(network, planted_property(3), timeout=t).result for t in limits] == [SAT] * 3


def test_counterexamples_of_same_named_files_in_other_folders_do_not_replace_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    network, _ = planted(6)
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        save_model(tmp_path / sub / "net.safetensors", network, {})
        write_case(tmp_path / sub, "p.vnnlib", vnnlib_text([0] * 6, [1] * 6, 2, robustness(0, 2)))
    lines = ["a/net.safetensors,a/p.vnnlib,20", "b/net.safetensors,b/p.vnnlib,20", "a/net.safetensors,a/p.vnnlib,20"]
    listing = write_case(tmp_path, "instances.csv", "\n".join(lines) + "\n")
    ce = tmp_path / "ce"
    argv = [
        "verify-spec",
        "--instances",
        str(listing),
        "--results",
        str(tmp_path / "r.csv"),
        "--counterexamples",
        str(ce),
    ]
    assert main(argv) == 0
    assert "wrote 3 counterexamples to" in capsys.readouterr().out
    assert sorted(path.name for path in ce.iterdir()) == [
        "a-net_a-p-2.counterexample",  # the same line again
        "a-net_a-p.counterexample",
        "b-net_b-p.counterexample",
    ]
    unique = [Instance(tmp_path, "net.onnx", "p.vnnlib", 1.0), Instance(tmp_path, "net.onnx", "q.vnnlib", 1.0)]
    assert counterexample_names(unique) == ["net_p", "net_q"]  # as VNN-COMP names them, when they differ
    again = [Instance(tmp_path, "n.onnx", "p.vnnlib", 1.0)] * 2 + [Instance(tmp_path, "n.onnx", "p-2.vnnlib", 1.0)]
    assert counterexample_names(again) == ["n_p", "n_p-2", "n_p-2-2"]  # a name taken already is never reused
    rooted = [Instance(tmp_path, f"/data/{sub}/../net.onnx", f"/data/{sub}/p.vnnlib", 1.0) for sub in "ab"]
    assert counterexample_names(rooted) == ["data-a-net_data-a-p", "data-b-net_data-b-p"]  # never outside DIR


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a.onnx,b.vnnlib\n", "line 1: expected model,property,seconds"),
        ("a,b,-3\n", "line 1: the time limit must be a finite number > 0, got -3"),
        ("a,b,inf\n", "line 1: the time limit must be a finite number > 0, got inf"),
        ("a,b,1e9\n", r"line 1: the instance may take 1,000,000,000 seconds, over the limit of 86,400 seconds"),
        ("\n", "no instances"),
    ],
)
def test_a_malformed_instances_list_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SearchError, match=message):
        read_instances(write_case(tmp_path, "instances.csv", text))


def test_cli_prints_the_result_first_and_writes_results_and_counterexamples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path)
    assert (
        main(["verify-spec", str(tmp_path / "net.safetensors"), str(tmp_path / "sat.vnnlib"), "--timeout", "20"]) == 0
    )
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "sat" and "(Y_1 " in out
    results, ce = tmp_path / "results.csv", tmp_path / "ce"
    argv = ["verify-spec", "--instances", str(folder), "--results", str(results), "--counterexamples", str(ce)]
    assert main(argv) == 0
    assert f"{tmp_path.name}: 3 instances" in capsys.readouterr().out
    assert len(results.read_text().splitlines()) == 3
    assert (ce / "net_sat.counterexample").read_text().startswith("sat\n((X_0 ")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["verify-spec"], "give MODEL and PROPERTY, or --instances CSV --results CSV"),
        (["verify-spec", "--instances", "x.csv"], "--instances needs --results CSV"),
        (["verify-spec", "m", "p", "--timeout", "0"], "--timeout must be a finite number of seconds > 0, got 0"),
        (["verify-spec", "m", "p", "--timeout", "nan"], "--timeout must be a finite number of seconds > 0, got nan"),
        (
            ["verify-spec", "m", "p", "--timeout", "1e7"],
            "--timeout: the property may take 10,000,000 seconds, over the limit",
        ),
        (
            ["verify-spec", "--instances", "x.csv", "--results", "r.csv", "--jobs", "100000"],
            "--jobs 100,000 is more than",
        ),
        (["verify-spec", "--instances", "x.csv", "--results", "r.csv", "--timeout", "5"], "each instance has its own"),
        (["verify-spec", "m", "p", "--results", "r.csv"], "--results goes with --instances"),
        (["verify-spec", "m", "p", "--jobs", "0"], "--jobs goes with --instances"),
    ],
)
def test_cli_misuse_is_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_a_property_that_does_not_fit_its_network_is_that_instances_unknown_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path)
    write_case(tmp_path, "three.vnnlib", vnnlib_text([0] * 6, [1] * 6, 3, "(<= Y_2 0)"))  # the network has 2
    folder.write_text("net.safetensors,three.vnnlib,5\n" + folder.read_text())
    results = tmp_path / "r.csv"
    assert main(["verify-spec", "--instances", str(folder), "--results", str(results)]) == 0
    rows = list(csv.reader(results.read_text().splitlines()))
    assert [(row[2], row[4]) for row in rows][:2] == [("three.vnnlib", "unknown"), ("sat.vnnlib", "sat")]
    assert "[1/4] net_three: unknown (" in capsys.readouterr().err
    assert main(["verify-spec", "--instances", str(folder), "--results", str(results)]) == 0  # run again: replaced
    model = tmp_path / "net.safetensors"  # a mistyped --results naming the model is refused before any instance
    kept = model.read_bytes()
    assert main(["verify-spec", "--instances", str(folder), "--results", str(model)]) == 2
    assert "is not a VNN-COMP results file; it is never replaced by one" in capsys.readouterr().err
    assert model.read_bytes() == kept
    assert main(["verify-spec", str(tmp_path / "net.safetensors"), str(tmp_path / "three.vnnlib")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"verified-nn: error: {tmp_path / 'three.vnnlib'} on {tmp_path / 'net.safetensors'}: ")
    assert "3 outputs" in err and err.count("\n") == 1


def test_a_negative_seed_is_refused_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:  # argparse's own refusal
        main(["verify-spec", "m", "p", "--seed", "-1"])
    assert stopped.value.code == 2 and "argument --seed: must be >= 0, got -1" in capsys.readouterr().err


def test_cli_refuses_a_network_that_does_not_take_flat_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    relu_only: Network[Any, Any] = Network((ReLU(),))
    save_model(tmp_path / "relu.safetensors", relu_only, {})
    write_case(tmp_path, "p.vnnlib", vnnlib_text([0], [1], 1, "(<= Y_0 -1)"))
    assert main(["verify-spec", str(tmp_path / "relu.safetensors"), str(tmp_path / "p.vnnlib")]) == 2
    assert "must take flat rows" in capsys.readouterr().err


def test_a_dask_cluster_gives_the_answers_of_one_process(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    instances = read_instances(_folder(tmp_path))
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        seen: list[str] = []
        remote = run_instances(
            instances, scheduler=str(cluster.scheduler_address), on_result=lambda r: seen.append(r.result)
        )
    assert [r.result for r in remote] == [r.result for r in run_instances(instances)] and len(seen) == 3
    with pytest.raises(SearchError, match="cannot be combined"):
        run_instances(instances, jobs=2, scheduler="tcp://127.0.0.1:1")


def test_an_instances_list_that_is_not_a_regular_text_file_is_refused_at_once(tmp_path: Path) -> None:
    """A private FIFO (made here, never the machine's /dev) is refused without being opened in blocking mode."""
    os.mkfifo(tmp_path / "fifo.csv")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00")
    cases = {
        "fifo.csv": "is a FIFO (named pipe), not a regular file",
        ".": "is a directory, not a regular file",
        "binary.csv": "not a text file",
    }
    for name, message in cases.items():
        with pytest.raises(SearchError, match=re.escape(message)) as caught:
            read_instances(tmp_path / name)
        assert str(caught.value).startswith(str(tmp_path / name)) and "\n" not in str(caught.value)


def _stopping_on_the_second(error: BaseException) -> Callable[..., Verdict]:
    """``verify`` that raises ``error`` on its second call (the second instance of a folder run)."""
    calls = []

    def stopping(*args: Any, **kwargs: Any) -> Verdict:
        calls.append(1)
        if len(calls) == 2:
            raise error
        return verify(*args, **kwargs)

    return stopping


def test_an_interrupted_folder_run_writes_the_instances_that_finished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    monkeypatch.setattr("verified_nn.search._instances.verify", _stopping_on_the_second(KeyboardInterrupt()))
    results, ce = tmp_path / "results.csv", tmp_path / "ce"
    argv = ["verify-spec", "--instances", str(folder), "--results", str(results), "--counterexamples", str(ce)]
    assert main(argv) == 130
    assert f"the 1 of 3 instances that finished are in {results}" in capsys.readouterr().err
    rows = list(csv.reader(results.read_text().splitlines()))
    assert [row[2] for row in rows] == ["sat.vnnlib"] and rows[0][4] == "sat"
    assert (ce / "net_sat.counterexample").read_text().startswith("sat\n")


def test_a_folder_runs_unknown_says_why_on_its_progress_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path)
    assert main(["verify-spec", "--instances", str(folder), "--results", str(tmp_path / "r.csv")]) == 0
    lines = capsys.readouterr().err.splitlines()
    unknown = [line for line in lines if ": unknown (" in line]
    assert len(unknown) == 1 and unknown[0].startswith("[3/3] net_missing: unknown (")
    assert re.search(r"\): .*missing\.vnnlib", unknown[0]), unknown[0]  # the reason, naming the file
    assert all(line.endswith(" s)") for line in lines if line.startswith("[") and line not in unknown)


def test_a_run_interrupted_before_any_instance_finished_leaves_an_earlier_results_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)

    def interrupted(*args: Any, **kwargs: Any) -> Verdict:
        raise KeyboardInterrupt

    monkeypatch.setattr("verified_nn.search._instances.verify", interrupted)
    results = tmp_path / "results.csv"
    earlier = "test,net.safetensors,sat.vnnlib,0.001000,sat,0.100000\n"  # an earlier run's results
    results.write_text(earlier)
    assert main(["verify-spec", "--instances", str(folder), "--results", str(results)]) == 130
    assert f"interrupted: no instance finished; {results} was not written" in capsys.readouterr().err
    assert results.read_text() == earlier


def test_a_run_stopped_by_a_failure_still_writes_the_instances_that_finished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    failure = RuntimeError("planted: a bug in the search")
    monkeypatch.setattr("verified_nn.search._instances.verify", _stopping_on_the_second(failure))
    results = tmp_path / "results.csv"
    with pytest.raises(RuntimeError, match="planted"):
        main(["verify-spec", "--instances", str(folder), "--results", str(results)])
    assert f"the 1 of 3 instances that finished are in {results}" in capsys.readouterr().err
    assert [row[2] for row in csv.reader(results.read_text().splitlines())] == ["sat.vnnlib"]


def test_an_interrupted_single_property_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _folder(tmp_path)

    def interrupted(*args: Any, **kwargs: Any) -> Verdict:
        raise KeyboardInterrupt

    monkeypatch.setattr("verified_nn.cli._verify_spec.verify", interrupted)
    assert main(["verify-spec", str(tmp_path / "net.safetensors"), str(tmp_path / "sat.vnnlib")]) == 130
    assert capsys.readouterr().err == "verified-nn: interrupted\n"
