"""CSV tables: header and delimiter detected, the label column by name or index, one-line errors naming line and column."""

from pathlib import Path

import numpy as np
import pytest

from verified_nn.data import DataError, Dataset


def _write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_header_names_the_label_column_and_the_rest_are_features(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,b,label,c\n1,2,0,3\n4,5.5,2,-6\n7,8,1,9e-1\n")
    data = Dataset.from_csv(path, label_column="label")
    np.testing.assert_array_equal(data.inputs, [[1, 2, 3], [4, 5.5, -6], [7, 8, 0.9]])
    assert data.labels.tolist() == [0, 2, 1] and data.classes == ("0", "1", "2") and data.name == "t"
    assert Dataset.from_csv(path).labels.tolist() == [0, 2, 1]  # a column called label is found unasked
    assert data.feature_names == ("a", "b", "c") and data.subset(slice(1)).feature_names == ("a", "b", "c")
    assert Dataset.from_csv(_write(tmp_path, " x ;y;label\n1;2;0\n", "s.csv")).feature_names == ("x", "y")
    twice = _write(tmp_path, "x,y,x,label\n1,2,3,0\n", "twice.csv")
    with pytest.raises(DataError, match=r"twice.csv: the feature name 'x' is given 2 times"):
        Dataset.from_csv(twice)  # which x is which could not be checked against a model's columns


@pytest.mark.parametrize(("column", "expected"), [(0, [9, 8]), (-1, [1, 2]), ("0", [9, 8]), ("-1", [1, 2])])
def test_without_a_header_the_label_column_is_an_index(tmp_path: Path, column: object, expected: list[int]) -> None:
    path = _write(tmp_path, "9,0.5,1\n8,0.25,2\n")
    data = Dataset.from_csv(path, label_column=column)  # type: ignore[arg-type]
    assert data.labels.tolist() == expected and data.shape == (2,) and data.feature_names is None


def test_named_labels_semicolons_tabs_and_blank_lines(tmp_path: Path) -> None:
    data = Dataset.from_csv(_write(tmp_path, "x;y;species\n1;2;owl\n\n3;4;cat\n"), label_column="species")
    assert data.classes == ("cat", "owl") and data.labels.tolist() == [1, 0]
    tabbed = Dataset.from_csv(_write(tmp_path, "x\ty\tlabel\n1\t2\t1\n", "t.tsv"))
    assert tabbed.labels.tolist() == [1] and tabbed.inputs.shape == (1, 2)


def test_a_row_index_written_by_pandas_is_refused_not_read_as_a_feature(tmp_path: Path) -> None:
    # what pandas' DataFrame.to_csv writes by default: an unnamed first column of the frame's index
    rows = [(0.5, 1.0, 0), (1.5, 0.0, 1), (2.5, 1.0, 0), (3.5, 0.0, 1)]
    for order in ([0, 1, 2, 3], [2, 0, 3, 1]):  # the index in order, and after a shuffle
        text = ",a,b,label\n" + "".join(
            f"{index},{a},{b},{label}\n" for index in order for a, b, label in [rows[index]]
        )
        with pytest.raises(DataError, match=r"t.csv: the first column has no name and a different whole number"):
            Dataset.from_csv(_write(tmp_path, text))
    plain = "a,b,label\n" + "".join(f"{a},{b},{label}\n" for a, b, label in rows)  # to_csv(index=False)
    assert Dataset.from_csv(_write(tmp_path, plain)).shape == (2,)
    # an unnamed first column that is no row index (a value repeats, or not a whole number) stays a feature
    for column in ("1,1,2,3", "0.5,1,2,3"):
        cells = column.split(",")
        text = ",a,label\n" + "".join(f"{cell},{row},{row % 2}\n" for row, cell in enumerate(cells))
        assert Dataset.from_csv(_write(tmp_path, text)).shape == (2,)
    named = "n,a,label\n" + "".join(f"{row},{row * 0.5},{row % 2}\n" for row in range(4))
    assert Dataset.from_csv(_write(tmp_path, named)).shape == (2,)  # named: the user says it is a feature
    as_labels = ",a\n" + "".join(f"{row},{row * 0.5}\n" for row in range(4))
    assert Dataset.from_csv(_write(tmp_path, as_labels), label_column=0).classes == ("0", "1", "2", "3")


def test_columns_numbered_0_1_2_are_a_header_as_pandas_writes_for_unnamed_columns(tmp_path: Path) -> None:
    # pandas.DataFrame(array).to_csv(index=False): the header is the column numbers
    data = Dataset.from_csv(_write(tmp_path, "0,1,2\n0.5,1.5,1\n2.5,3.5,0\n"), label_column=-1)
    assert len(data) == 2 and data.classes == ("0", "1") and data.labels.tolist() == [1, 0]
    assert data.feature_names is None  # numbers of positions, not names: such tables are matched by position
    assert len(Dataset.from_csv(_write(tmp_path, "1,2,3\n0.5,1.5,1\n2.5,3.5,0\n"), label_column=-1)) == 3  # data


def test_features_are_named_by_the_header_or_as_given(tmp_path: Path) -> None:
    plain = _write(tmp_path, "0.5,1.5,1\n2.5,3.5,0\n")
    assert Dataset.from_csv(plain, label_column=-1, feature_names=["x", "y"]).feature_names == ("x", "y")
    headed = _write(tmp_path, "a,b,label\n0.5,1.5,1\n", "h.csv")
    assert Dataset.from_csv(headed, feature_names=["x", "y"]).feature_names == ("x", "y")  # in place of the header's
    for wrong in ({"x", "y"}, (name for name in "xy"), 2):
        with pytest.raises(DataError, match="feature_names must be a sequence of strings"):
            Dataset.from_csv(plain, label_column=-1, feature_names=wrong)


def test_a_numeric_header_after_a_word_column_is_still_a_header(tmp_path: Path) -> None:
    data = Dataset.from_csv(_write(tmp_path, "0,1,label\n0.5,1.5,1\n2.5,3.5,0\n"), label_column="label")
    assert len(data) == 2 and data.labels.tolist() == [1, 0]


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("a,b,label\n1,2,0\n3,x,1\n", "label", r"line 3, column 'b' holds 'x', not a number$"),
        ("a,b,label\n1,2,0\n3,,1\n", "label", r"line 3, column 'b' is empty$"),
        ("a,b,label\n1,2,0\n3,nan,1\n", "label", r"line 3, column 'b' is nan$"),
        (  # named by its header, as nan is, rather than by its place among the features
            "a,b,label\n1,2,0\n5,1e39,0\n",
            "label",
            r"line 3, column 'b' is 1e\+39, beyond float32's range \(±3.4e\+38\): rescale the features$",
        ),
        ("1,2,0\n5,-1e39,0\n", -1, r"line 2, column 1 is -1e\+39, beyond float32's range"),  # no header: its index
        ("a,b,label\n1,2,0\n3,4\n", "label", r"line 3 has 2 columns, line 1 has 3$"),
        ("a,b,label\n1,2,0\n3,4,0.5\n", "label", r"line 3: label 0.5 is not a class index \(a whole number\)$"),
        ("a,b,label\n1,2,0\n\n3,4,-1\n", "label", r"line 4: label -1 is negative; class indices start at 0$"),
        ("a,b,label\n1,2,0\n3,4,\n", "label", r"line 3, label column 'label' is empty$"),
        (
            "a,b,c\n1,2,0\n",
            None,
            r"which column holds the labels\? name it or give its index \(--label-column, or label_column= in the "
            r"library; columns: a, b, c\)$",
        ),
        ("a,b,c\n1,2,0\n", "target", r"no column named 'target' \(a, b, c\)$"),
        (
            "label,b,label\n1,2,0\n",
            "label",
            r"2 columns are named 'label' \(columns 0, 2\): give the label column's index$",
        ),
        ("1,2,0\n", "label", r"no column named 'label' \(the file has no header: give the column's index\)$"),
        ("1,2,0\n", 5, r"label column 5 is outside the 3 columns$"),
        ("a,b,label\n", "label", r"a header and no rows$"),
        ("", "label", r"holds no rows$"),
        ("justone\n1\n", None, r"one column; a dataset needs features and a label column"),
    ],
)
def test_every_problem_is_one_line_naming_the_file_line_and_column(
    tmp_path: Path, text: str, column: object, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(DataError, match=f"^{path}: {message}"):
        Dataset.from_csv(path, label_column=column)  # type: ignore[arg-type]


def test_binary_files_and_missing_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match=r"b.csv: not UTF-8 text \(byte 0\): not a CSV file$"):
        Dataset.from_csv(binary)
    with pytest.raises(DataError, match=r"absent.csv: no such file$"):
        Dataset.from_csv(tmp_path / "absent.csv")


def test_a_test_file_keeps_the_training_files_class_indices(tmp_path: Path) -> None:
    train = Dataset.from_csv(_write(tmp_path, "x,label\n1,owl\n2,cat\n3,emu\n", "train.csv"))
    test = Dataset.from_csv(_write(tmp_path, "x,label\n1,owl\n2,emu\n", "test.csv"), classes=train.classes)
    assert test.classes == train.classes and test.labels.tolist() == [2, 1]
