"""``verified-nn prove``: the table, the exit status, a planted bug named, and the missing extra in one line."""

import sys

import pytest

pytest.importorskip("sympy")

from test_proofs import PLANTED

import verified_nn.proofs
from verified_nn.cli import main


def test_prove_prints_a_table_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "--entry", "dense", "--entry", "cross-entropy", "--entry", "generic"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split("|")[0].strip() == "entry" and "identities proven" in out[0]
    assert [line.split("|")[0].strip() for line in out[2:4]] == ["Dense 3->2", "softmax cross-entropy"]
    assert all(line.rstrip().endswith("proven") for line in out[2:4])
    assert out[5].split("|")[0].strip() == "generic formula"
    generic = [line.split("|") for line in out[7:10]]
    assert [(row[0].strip(), row[1].strip(), row[-1].strip()) for row in generic] == [
        ("dense", "yes", "proven"),
        ("activation", "yes", "proven"),
        ("softmax cross-entropy", "yes", "proven"),
    ]
    assert out[-1].startswith("proven: 1026 identities in 17 cases of 2 entries, 3 generic formulas, ")


def test_prove_lists_its_entries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == "Dense 3->2 (layer)" and len(listed) == len(verified_nn.proofs.entries())


def test_prove_fails_on_a_planted_bug_naming_the_entry(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = PLANTED["sign error in tanh'"]()
    original = verified_nn.proofs.entries
    monkeypatch.setattr(verified_nn.proofs, "entries", lambda: (*original(), planted))
    assert main(["prove", "--entry", "tanh", "--show", "1"]) == 1  # "tanh": not the generic formulas
    out = capsys.readouterr().out.splitlines()
    rows = {line.split("|")[0].strip(): line.split("|")[-1].strip() for line in out[2:] if "|" in line}
    assert rows["Tanh"] == "proven" and rows["2-2-2 bad tanh"] == "FAILED (24)"
    assert any(
        line.startswith("FAILED 2-2-2 bad tanh: 0.weight[0,0], labels (0,): kernel - derivative") for line in out
    )
    assert out[-1].startswith("not proven: 2-2-2 bad tanh (")


def test_an_unknown_entry_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "--entry", "conv9d"]) == 2
    assert capsys.readouterr().err == "verified-nn: error: prove: no entry matches conv9d (see --list)\n"


def test_without_sympy_prove_says_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "sympy", None)  # importing sympy now raises ImportError
    assert main(["prove"]) == 2
    assert (
        capsys.readouterr().err
        == "verified-nn: error: verified-nn prove needs sympy: pip install 'verified-nn[proofs]'\n"
    )


# The whole table, as CI runs it (about 90 s on one core): the only test that proves the larger networks
# (2-4-3-2 ReLU alone takes half of it); tests/test_proofs.py proves the smaller entries in the quick suite.
@pytest.mark.slow
def test_the_whole_table_is_proven(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("proven: ") and f"of {len(verified_nn.proofs.entries())} entries" in out[-1]


def test_one_case_of_one_entry_is_said_in_the_singular(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "--entry", "flatten"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("proven: 16 identities in 1 case of 1 entry, ")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--entry", ""], "--entry: an empty name would match every entry; give part of a name (see --list)"),
        (["--entry", "dense", "--entry", " "], "--entry: an empty name would match every entry"),
        (["--show", "-1"], "--show must be >= 0, got -1"),
    ],
)
def test_an_option_that_would_be_ignored_is_refused_in_one_line(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prove", *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"verified-nn: error: {message}") and err.count("\n") == 1


def test_the_entry_list_for_list_without_sympy_is_the_table() -> None:
    from verified_nn.cli._prove import entry_names

    assert [(entry.name, entry.kind) for entry in verified_nn.proofs.entries()] == entry_names()


def test_without_sympy_list_still_lists_the_entries(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["prove", "--list"]) == 0
    with_sympy = capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "sympy", None)  # importing sympy now raises ImportError
    assert main(["prove", "--list"]) == 0
    assert capsys.readouterr().out == with_sympy
    assert main(["prove", "--entry", "dense"]) == 2  # running them still needs it
    assert "needs sympy" in capsys.readouterr().err
