"""What a path to write may be: no link, directory, FIFO, device or socket in its place, never an input."""

import os
import re
import socket
import stat
from pathlib import Path

import pytest
from devices import device_node

from verified_nn.files import OutputError, check_output, check_output_directory


def _refused(path: Path, message: str, **options: object) -> str:
    with pytest.raises(OutputError) as caught:
        check_output(path, **options)  # type: ignore[arg-type]
    text = str(caught.value)
    assert "\n" not in text and re.search(message, text), text
    return text


def test_a_new_file_or_a_regular_file_in_an_existing_directory_may_be_written(tmp_path: Path) -> None:
    assert check_output(tmp_path / "new.json") == tmp_path / "new.json"
    (tmp_path / "old.json").write_text("{}")
    assert check_output(str(tmp_path / "old.json")) == tmp_path / "old.json"


def test_a_symbolic_link_is_refused_naming_it_whether_its_target_exists_or_not(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (tmp_path / "link").symlink_to(victim)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "to-dir").symlink_to(tmp_path)
    for name in ("link", "dangling", "to-dir"):
        text = _refused(tmp_path / name, r"is a symbolic link to .*; outputs never write through a link")
        assert text.startswith(f"{tmp_path / name}: ")
    assert victim.read_text() == "keep" and not (tmp_path / "nowhere").exists()


def test_directories_fifos_sockets_and_devices_are_refused_by_kind(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "socket"))
        cases = {"fifo": "a FIFO \\(named pipe\\)", "dir": "a directory", "socket": "a socket"}
        if device_node(tmp_path / "device") is not None:
            cases["device"] = "a character device"
        for name, kind in cases.items():
            _refused(tmp_path / name, f"^{re.escape(str(tmp_path / name))}: is {kind}, not a regular file$")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode), "the FIFO is left as it was"


def test_an_output_that_is_an_input_is_refused_by_path_hard_link_or_link(tmp_path: Path) -> None:
    model = tmp_path / "m.safetensors"
    model.write_bytes(b"model")
    os.link(model, tmp_path / "hard")
    (tmp_path / "soft").symlink_to(model)
    for output, given in ((model, model), (tmp_path / "hard", model), (model, tmp_path / "soft")):
        _refused(output, rf"is the same file as the input {re.escape(str(given))}; choose another", inputs=[given])
    check_output(tmp_path / "other", inputs=[model, tmp_path / "absent"])  # a missing input is no conflict


def test_a_report_replaces_a_report_of_its_kind_and_nothing_else(tmp_path: Path) -> None:
    png, json, empty = tmp_path / "old.png", tmp_path / "old.json", tmp_path / "empty"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(20))
    json.write_text('\n  {"certified": 3}')
    empty.write_bytes(b"")
    assert check_output(png, kind="png") == png  # the command run again: its last report is replaced
    assert check_output(json, kind="json") == json
    assert check_output(empty, kind="png") == empty and check_output(empty, kind="json") == empty
    model = tmp_path / "m.safetensors"  # a mistyped path naming something else is never replaced by a report
    model.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}      ")
    for target, kind in ((model, "png"), (model, "json"), (png, "json"), (json, "png")):
        message = f"^--out {re.escape(str(target))}: exists and is not a {kind.upper()} file; it is never replaced"
        _refused(target, message, kind=kind, option="--out")
    assert model.read_bytes().startswith(b"\x10"), "the refused file is left as it was"
    assert check_output(model) == model  # without a kind, as before: a regular file may be replaced


def test_a_results_csv_replaces_results_and_no_other_table(tmp_path: Path) -> None:
    results = tmp_path / "results.csv"
    results.write_text("mnist_fc,onnx/mnist-net_256x2.onnx,vnnlib/prop_0_0.03.vnnlib,0.012345,unsat,1.234567\n")
    assert check_output(results, kind="results") == results  # verify-spec --instances run again
    quoted = tmp_path / "quoted.csv"  # a category or path with a comma is quoted, as csv.writer writes it
    quoted.write_text('"my,bench","a,b.onnx",p.vnnlib,0.01,sat,2.5\n')
    blank = tmp_path / "blank.csv"
    blank.write_text("\n")
    assert check_output(quoted, kind="results") == quoted and check_output(blank, kind="results") == blank
    table, headerless, worded = tmp_path / "table.csv", tmp_path / "rows.csv", tmp_path / "worded.csv"
    table.write_text("a,b,c,d,e,label\n1,2,3,4,5,0\n")  # datasets of six columns: with a header, without,
    headerless.write_text("0.1,0.2,0.3,0.4,0.5,1\n")
    worded.write_text("0.1,0.2,0.3,0.4,cat,0.5\n")  # and with a word where a result would be
    for target in (table, headerless, worded, tmp_path / "m.safetensors"):
        if not target.exists():
            target.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}      ")
        message = f"^--results {re.escape(str(target))}: exists and is not a VNN-COMP results file; it is never"
        _refused(target, message, kind="results", option="--results")


def test_the_option_is_named_and_a_missing_directory_is_refused_unless_the_writer_creates_it(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.png"
    _refused(
        target,
        rf"^--png {re.escape(str(target))}: the directory {re.escape(str(target.parent))} does not exist$",
        option="--png",
    )
    assert check_output(target, parents=True) == target and not target.parent.exists()
    (tmp_path / "file").write_text("")
    _refused(tmp_path / "file" / "x", r"a component of the path is not a directory")
    _refused(tmp_path / "file" / "x", r"a component of the path is not a directory", parents=True)


def test_names_that_are_not_file_names_are_refused(tmp_path: Path) -> None:
    _refused(Path("bad\0name"), r"not a valid file name")
    _refused(tmp_path / "..", r"names a directory, not a file")
    _refused(Path("."), r"names a directory, not a file")


def test_an_output_directory_may_exist_or_be_created_but_never_be_a_link_or_a_file(tmp_path: Path) -> None:
    assert check_output_directory(tmp_path / "new", option="--png") == tmp_path / "new"
    assert check_output_directory(tmp_path) == tmp_path
    (tmp_path / "link").symlink_to(tmp_path)
    (tmp_path / "file").write_text("")
    for name, message in (("link", "is a symbolic link"), ("file", "is a regular file, not a directory")):
        with pytest.raises(OutputError, match=rf"^--png {re.escape(str(tmp_path / name))}: {message}"):
            check_output_directory(tmp_path / name, option="--png")
    with pytest.raises(OutputError, match="does not exist"):
        check_output_directory(tmp_path / "a" / "b")
