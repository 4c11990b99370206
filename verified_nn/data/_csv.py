"""Reading a CSV table as a dataset: one example per line, one column of labels, the rest numeric features.

The header is detected (a first line with a word where the data below it has a number, or the column
numbers 0, 1, 2, ... that pandas writes for unnamed columns), the delimiter too (comma, semicolon or tab).
The label column is named (``"label"``) or numbered (``0``, ``-1``: the last); without one, the first of
label, target, class or y that names a column is used. Labels are class indices or class names. Every
problem is one DataError naming the file, the line and the column.
"""

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from ._checks import FLOAT32_MAX
from ._dataset import Dataset
from ._errors import DataError
from ._files import read_file
from ._limits import data_limit

LABEL_NAMES: Final = ("label", "target", "class", "y")  # label columns found without being named


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _text(path: Path) -> str:
    raw = read_file(path, limit=data_limit(), what="CSV file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text (byte {error.start}): not a CSV file") from None


def _delimiter(first_line: str) -> str:
    if "," not in first_line:
        for candidate in ("\t", ";"):
            if candidate in first_line:
                return candidate
    return ","


def _rows(path: Path, delimiter: str | None) -> tuple[list[list[str]], list[int]]:
    """The non-empty rows of the file and the line where each starts; DataError for ragged rows."""
    text = _text(path)
    if "\0" in text:
        raise DataError(f"{path}: holds NUL bytes: not a CSV file")
    chosen = delimiter or _delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text), delimiter=chosen)
    rows, lines = [], []
    line = 1
    try:
        for row in reader:
            if row and any(cell.strip() for cell in row):
                rows.append([cell.strip() for cell in row])
                lines.append(line)
            line = reader.line_num + 1
    except csv.Error as error:
        raise DataError(f"{path}: line {reader.line_num}: {error}") from None
    if not rows:
        raise DataError(f"{path}: holds no rows")
    width = len(rows[0])
    for row, number in zip(rows, lines, strict=True):
        if len(row) != width:
            raise DataError(f"{path}: line {number} has {len(row)} columns, line {lines[0]} has {width}")
    if width < 2:
        raise DataError(f"{path}: one column; a dataset needs features and a label column (delimiter {chosen!r})")
    return rows, lines


def _row_index(cells: list[str]) -> bool:
    """Whether ``cells`` (a column) hold a different whole number on every row, as a row index does."""
    try:
        values = [float(cell) for cell in cells]
    except ValueError:
        return False
    return all(value.is_integer() for value in values) and len(set(values)) == len(values)


def _numbered(row: list[str]) -> bool:
    """Whether ``row`` is ``0,1,2,...``: the names pandas gives unnamed columns."""
    return row == [str(index) for index in range(len(row))]


def _has_header(rows: list[list[str]]) -> bool:
    first = rows[0]
    if not any(_number(cell) for cell in first):
        return True
    if _numbered(first):  # columns numbered 0, 1, ...: pandas' default names
        return True
    below = rows[1] if len(rows) > 1 else first
    return any(not _number(cell) and _number(under) for cell, under in zip(first, below, strict=True))


def _label_index(path: Path, label_column: str | int | None, header: list[str] | None, width: int) -> int:
    names = header or []
    if label_column is None:
        lowered = [name.strip().lower() for name in names]
        for wanted in LABEL_NAMES:  # in this order: a column "label" wins over one called "y"
            if lowered.count(wanted) == 1:
                return lowered.index(wanted)
        shown = f"columns: {', '.join(names[:12])}{', ...' if len(names) > 12 else ''}" if names else "no header"
        raise DataError(
            f"{path}: which column holds the labels? name it or give its index (--label-column, or label_column= "
            f"in the library; {shown})"
        )
    if isinstance(label_column, str) and label_column in names:
        found = [index for index, name in enumerate(names) if name == label_column]
        if len(found) > 1:
            raise DataError(
                f"{path}: {len(found)} columns are named {label_column!r} (columns {', '.join(map(str, found))}): "
                "give the label column's index"
            )
        return found[0]
    try:
        index = int(label_column)
    except ValueError:
        shown = ", ".join(names[:12]) if names else "the file has no header: give the column's index"
        raise DataError(f"{path}: no column named {label_column!r} ({shown})") from None
    if not -width <= index < width:
        raise DataError(f"{path}: label column {index} is outside the {width} columns")
    return index % width


def _column_name(header: list[str] | None, index: int) -> str:
    return repr(header[index]) if header else str(index)


def _features(
    path: Path, rows: list[list[str]], lines: list[int], columns: list[int], header: list[str] | None
) -> np.ndarray[Any, Any]:
    cells = np.array([[row[column] for column in columns] for row in rows], dtype=str)
    try:
        values = cells.astype(np.float64)  # numpy's own parser; the loop below only finds what it refused
    except ValueError:
        for (position, place), cell in np.ndenumerate(cells):
            if not _number(cell):
                what = "is empty" if not cell else f"holds {str(cell)[:40]!r}, not a number"
                line, column = lines[position], _column_name(header, columns[place])
                raise DataError(f"{path}: line {line}, column {column} {what}") from None
        raise
    bad = ~np.isfinite(values)
    if bad.any():
        position, place = (int(i) for i in np.argwhere(bad)[0])
        line, column = lines[position], _column_name(header, columns[place])
        raise DataError(f"{path}: line {line}, column {column} is {values[position, place]}")
    huge = np.abs(values) > FLOAT32_MAX  # the dataset's own check says the same, by the feature's index only
    if huge.any():
        position, place = (int(i) for i in np.argwhere(huge)[0])
        line, column = lines[position], _column_name(header, columns[place])
        raise DataError(
            f"{path}: line {line}, column {column} is {values[position, place]:g}, beyond float32's range "
            f"(±{FLOAT32_MAX:.3g}): rescale the features"
        )
    return values


def _feature_names(header: list[str] | None, label: int, given: Sequence[str] | None) -> Sequence[str] | None:
    """The names of the features: those given, else the header's less the label column's; none for a header of
    the column numbers ``0,1,2,...`` (pandas' names for unnamed columns: they name positions, not features)."""
    if given is not None:
        return given
    if header is None or _numbered(header):
        return None
    return [name for column, name in enumerate(header) if column != label]


def read_csv(
    path: Path,
    *,
    label_column: str | int | None = None,
    delimiter: str | None = None,
    name: str | None = None,
    feature_names: Sequence[str] | None = None,
    **options: Any,
) -> Dataset:
    """The dataset of a CSV table (see :meth:`Dataset.from_csv`)."""
    rows, lines = _rows(path, delimiter)
    header = rows[0] if _has_header(rows) else None
    if header is not None:
        rows, lines = rows[1:], lines[1:]
        if not rows:
            raise DataError(f"{path}: a header and no rows")
    width = len(header or rows[0])
    label = _label_index(path, label_column, header, width)
    if header is not None and header[0] == "" and label != 0 and _row_index([row[0] for row in rows]):
        raise DataError(
            f"{path}: the first column has no name and a different whole number on every row: a row index, as "
            "pandas' to_csv writes unless index=False, not a feature: write the file without it (or name the "
            "column in the header if it is a feature)"
        )
    features = _features(path, rows, lines, [c for c in range(width) if c != label], header)
    cells = [row[label] for row in rows]
    empty = next((line for cell, line in zip(cells, lines, strict=True) if not cell), None)
    if empty is not None:
        raise DataError(f"{path}: line {empty}, label column {_column_name(header, label)} is empty")
    labels: Any = np.array([float(cell) for cell in cells]) if all(map(_number, cells)) else np.array(cells)
    return Dataset(
        features,
        labels,
        name=name or path.stem,
        source=str(path),
        feature_names=_feature_names(header, label, feature_names),
        _where=lambda row: f"line {lines[row]}",
        **options,
    )
