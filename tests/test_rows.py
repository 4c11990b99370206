"""FileRows: a .npy file's rows read on demand, in any order, and training on data larger than the address space."""

import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from verified_nn.data import DataError, FileRows

ARRAY = np.arange(5 * 3 * 2, dtype=np.int16).reshape(5, 3, 2)


@pytest.fixture
def rows(tmp_path: Path) -> FileRows:
    np.save(tmp_path / "a.npy", ARRAY)
    return FileRows(tmp_path / "a.npy")


def test_rows_read_as_numpy_indexes_them(rows: FileRows) -> None:
    assert (len(rows), rows.shape, rows.ndim) == (5, (5, 3, 2), 3) and rows.dtype == np.dtype(np.int16)
    np.testing.assert_array_equal(rows[2], ARRAY[2])
    np.testing.assert_array_equal(rows[1:4], ARRAY[1:4])
    np.testing.assert_array_equal(rows[::2], ARRAY[::2])
    for key in ([4, 0, 4, 2], [], [-1, 3, 2, 1]):
        np.testing.assert_array_equal(rows[np.array(key, dtype=np.int64)], ARRAY[key])
    np.testing.assert_array_equal(np.asarray(rows), ARRAY)


def test_a_subset_is_a_view_of_rows_not_yet_read(rows: FileRows) -> None:
    part = rows.subset(np.array([4, 1, 3]))
    assert len(part) == 3 and part.shape == (3, 3, 2)
    np.testing.assert_array_equal(part[:], ARRAY[[4, 1, 3]])
    np.testing.assert_array_equal(part.subset(slice(1, None))[np.array([1, 0])], ARRAY[[3, 1]])
    with pytest.raises(IndexError, match="row index out of range for 3 rows"):
        part[np.array([3])]


def test_big_endian_files_are_read_in_native_order(tmp_path: Path) -> None:
    np.save(tmp_path / "be.npy", ARRAY.astype(">f8"))
    big = FileRows(tmp_path / "be.npy")
    assert big.dtype == np.float64 and big[np.array([3, 0])].dtype.isnative
    np.testing.assert_array_equal(big[np.array([3, 0])], ARRAY[[3, 0]])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not numpy at all", r"not a .npy file"),
        (b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f8',", r"not a .npy file"),
    ],
)
def test_malformed_files_are_refused_naming_them(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "bad.npy").write_bytes(content)
    with pytest.raises(DataError, match=f"bad.npy: {message}"):
        FileRows(tmp_path / "bad.npy")


def test_truncated_fortran_object_and_scalar_files_are_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "t.npy", ARRAY)
    (tmp_path / "t.npy").write_bytes((tmp_path / "t.npy").read_bytes()[:-4])
    with pytest.raises(DataError, match=r"t.npy: 184 bytes where its header \(5, 3, 2\) int16 needs 188"):
        FileRows(tmp_path / "t.npy")
    np.save(tmp_path / "f.npy", np.asfortranarray(ARRAY))
    with pytest.raises(DataError, match=r"f.npy: stored in Fortran order, so its rows are not contiguous"):
        FileRows(tmp_path / "f.npy")
    np.save(tmp_path / "o.npy", np.array([None, 1], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"o.npy: holds object values, not numbers"):
        FileRows(tmp_path / "o.npy")
    np.save(tmp_path / "s.npy", np.float64(3.0))
    with pytest.raises(DataError, match=r"s.npy: holds a single value, not rows"):
        FileRows(tmp_path / "s.npy")
    os.mkfifo(tmp_path / "fifo.npy")
    with pytest.raises(DataError, match=r"fifo.npy: is a FIFO \(named pipe\), not a regular file"):
        FileRows(tmp_path / "fifo.npy")


CAPPED = """
import resource, sys
import numpy as np
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
if sys.argv[2] == "load":
    np.load(sys.argv[3])  # the whole file in memory: must not fit
else:
    from verified_nn.cli import main
    sys.exit(main(["train", "--data", sys.argv[3], sys.argv[4], "--epochs", "1", "--samples-per-epoch", "2000",
                   "--test-size", "1000", "--train-eval-size", "500", "--validation-size", "0", "--hidden", "32",
                   "--out", sys.argv[5], "--log-dir", sys.argv[5], "--name", "capped"]))
"""


@pytest.mark.slow  # writes and reads a 400 MB file
def test_a_dataset_larger_than_the_address_space_trains_in_bounded_memory(tmp_path: Path) -> None:
    rows, width = 100_000, 1_000  # float32: 400 MB of inputs
    inputs = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32, shape=(rows, width))
    labels = np.arange(rows) % 3
    for start in range(0, rows, 10_000):  # a learnable signal in the first columns, written in slices
        block = np.random.default_rng(start).random((10_000, width), dtype=np.float32)
        block[np.arange(10_000), labels[start : start + 10_000]] += 2.0
        inputs[start : start + 10_000] = block
    inputs.flush()
    del inputs
    np.save(tmp_path / "y.npy", labels)
    limit = 350 * 2**20  # less than the file: loading it whole cannot fit, reading it as needed must
    assert (tmp_path / "x.npy").stat().st_size > limit
    script = [sys.executable, "-c", CAPPED, str(limit)]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    whole = subprocess.run([*script, "load", str(tmp_path / "x.npy")], capture_output=True, text=True, env=env)
    assert whole.returncode != 0 and "MemoryError" in whole.stderr  # the cap binds: the control fails
    files = [str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), str(tmp_path / "out")]
    run = subprocess.run([*script, "train", *files], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "test accuracy" in run.stdout and (tmp_path / "out" / "capped-best.safetensors").exists()
    assert resource.getrlimit(resource.RLIMIT_AS)[0] != limit  # the cap was the child's alone


def test_the_capped_child_script_is_valid_python() -> None:
    compile(textwrap.dedent(CAPPED), "capped", "exec")
