"""MLTable transformations, reading options and the column profile, on generated local files."""

from __future__ import annotations

import json

import pytest

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
np = pytest.importorskip("numpy")

from basalt.data import iter_batches, load_table  # noqa: E402
from basalt.errors import InvalidArgumentError  # noqa: E402
from basalt.tabular.plan import plan_files  # noqa: E402
from basalt.tabular.profile import profile_batches  # noqa: E402
from basalt.tabular.transforms import stream_table  # noqa: E402


@pytest.fixture
def frame():
    rng = np.random.default_rng(3)
    n = 500
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "score": np.where(rng.random(n) < 0.1, np.nan, rng.normal(10, 2, n).round(3)),
            "city": rng.choice(["oslo", "lima", "pune", "kyiv", "rome", "baku", "nuuk"], n,
                               p=[0.3, 0.2, 0.15, 0.12, 0.1, 0.08, 0.05]),
            "flag": np.where(np.arange(n) % 3 == 0, "Y", "N"),
            "day": [f"2024-03-{(i % 28) + 1:02d}" for i in range(n)],
        }
    )  # fmt: skip


def mltable(folder, paths, *steps):
    body = "type: mltable\npaths:\n" + "".join(f"  - {p}\n" for p in paths)
    if steps:
        body += "transformations:\n" + "".join(f"  - {s}\n" for s in steps)
    (folder / "MLTable").write_text(body)
    return folder


@pytest.fixture
def csv_table(tmp_path, frame):
    frame.iloc[:300].to_csv(tmp_path / "a.csv", index=False)
    frame.iloc[300:].to_csv(tmp_path / "b.csv", index=False)
    return tmp_path


READ = "read_delimited: {delimiter: ',', header: all_files_same_headers}"


def test_read_delimited_pattern_reads_every_file_in_order(csv_table, frame):
    got = load_table(mltable(csv_table, ["pattern: ./*.csv"], READ))
    pd.testing.assert_frame_equal(got[["id", "city"]], frame[["id", "city"]])
    assert got["score"].isna().sum() == frame["score"].isna().sum()


def test_take_drop_keep(csv_table):
    got = load_table(mltable(csv_table, ["folder: ./"], READ, "take: 7", "drop_columns: [day]"))
    assert list(got.columns) == ["id", "score", "city", "flag"]
    assert got["id"].tolist() == list(range(7))
    kept = load_table(mltable(csv_table, ["file: ./b.csv"], READ, "keep_columns: [city, id]"))
    assert list(kept.columns) == ["city", "id"]
    assert kept["id"].iloc[0] == 300


def test_take_random_sample_is_seeded(csv_table):
    folder = mltable(
        csv_table, ["pattern: ./*.csv"], READ, "take_random_sample: {probability: 0.3, seed: 11}"
    )
    one, two = load_table(folder), load_table(folder)
    assert 90 < len(one) < 210
    assert one["id"].tolist() == two["id"].tolist()


def test_convert_column_types(csv_table):
    folder = mltable(
        csv_table,
        ["file: ./a.csv"],
        "read_delimited: {infer_column_types: false}",
        "convert_column_types: [{columns: id, column_type: int}, {columns: [score], "
        "column_type: float}, {columns: day, column_type: {datetime: {formats: ['%Y-%m-%d']}}}, "
        "{columns: flag, column_type: {boolean: {true_values: ['Y'], false_values: ['N']}}}]",
    )
    got = load_table(folder)
    assert str(got["id"].dtype) == "int64"
    assert str(got["score"].dtype) == "float64"
    assert got["day"].iloc[0] == pd.Timestamp("2024-03-01")
    assert got["flag"].tolist()[:4] == [True, False, False, True]
    assert got["city"].dtype != "float64"


def test_no_inference_keeps_text(csv_table):
    got = load_table(
        mltable(csv_table, ["file: ./a.csv"], "read_delimited: {infer_column_types: false}")
    )
    assert got["id"].iloc[3] == "3"


def test_conversion_failure_names_the_column(csv_table):
    folder = mltable(
        csv_table,
        ["file: ./a.csv"],
        READ,
        "convert_column_types: [{columns: city, column_type: int}]",
    )
    with pytest.raises(InvalidArgumentError, match="column 'city' to int"):
        load_table(folder)
    missing = mltable(csv_table, ["file: ./a.csv"], READ, "drop_columns: [nope]")
    with pytest.raises(InvalidArgumentError, match="no column 'nope'"):
        load_table(missing)


def test_headers_path_column_and_delimiters(tmp_path):
    (tmp_path / "1.txt").write_text("x;y\n1;a\n2;\n")
    (tmp_path / "2.txt").write_text("3;c\n")
    first = mltable(
        tmp_path,
        ["file: ./1.txt", "file: ./2.txt"],
        "read_delimited: {delimiter: ';', header: from_first_file, include_path_column: true, "
        "empty_as_string: true}",
    )
    got = load_table(first)
    assert got.to_dict("list") == {
        "x": [1, 2, 3], "y": ["a", "", "c"], "Path": ["1.txt", "1.txt", "2.txt"]
    }  # fmt: skip
    mltable(tmp_path, ["file: ./2.txt"], "read_delimited: {delimiter: ';', header: no_header}")
    assert list(load_table(tmp_path).columns) == ["Column1", "Column2"]


def test_json_lines_and_parquet(tmp_path, frame):
    rows = frame.head(20).drop(columns=["score"]).to_dict("records")
    lines = [json.dumps(r) for r in rows]
    (tmp_path / "rows.jsonl").write_text("\n".join(lines[:10] + ["{not json"] + lines[10:]) + "\n")
    with pytest.raises(InvalidArgumentError, match="cannot read 'rows.jsonl' as json lines"):
        load_table(tmp_path / "rows.jsonl")
    mltable(tmp_path, ["file: ./rows.jsonl"], "read_json_lines: {invalid_lines: drop}")
    assert load_table(tmp_path)["id"].tolist() == list(range(20))

    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    frame.to_parquet(pq_dir / "t.parquet")
    mltable(pq_dir, ["pattern: '**/*.parquet'"], "read_parquet", "take: 5")
    assert load_table(pq_dir)["id"].tolist() == [0, 1, 2, 3, 4]
    assert len(load_table(pq_dir / "t.parquet")) == len(frame)


def test_iter_batches_streams_a_table_larger_than_the_batch(csv_table, frame):
    sizes = [len(b) for b in iter_batches(mltable(csv_table, ["pattern: ./*.csv"], READ), 64)]
    assert sizes == [64] * 7 + [500 - 64 * 7]
    plain = list(iter_batches(csv_table / "a.csv", batch_size=100))
    assert [len(b) for b in plain] == [100, 100, 100]
    cols = ["id", "score", "city", "flag"]  # pyarrow reads "day" as dates
    pd.testing.assert_frame_equal(pd.concat(plain, ignore_index=True)[cols], frame.iloc[:300][cols])


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["file: ./missing.csv"], "not among the table's files"),
        (["pattern: ./*.xlsx"], "matches no file"),
        (["file: ../up.csv"], "leaves the MLTable"),
        (["file: https://example.com/x.csv"], "not supported yet"),
    ],
    ids=["missing", "no-match", "escape", "remote"],
)
def test_bad_paths(csv_table, paths, expected):
    with pytest.raises(InvalidArgumentError, match=expected):
        load_table(mltable(csv_table, paths, READ))


def test_not_a_table(tmp_path):
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(InvalidArgumentError, match="not a table"):
        load_table(tmp_path)


def expected_profile(df):
    """The profile pandas computes for ``df``: what ours must equal."""
    out = {}
    for name in df.columns:
        col = df[name]
        stats = {"nulls": int(col.isna().sum()), "distinct": int(col.nunique())}
        if pd.api.types.is_numeric_dtype(col):
            stats.update(min=col.min(), max=col.max(), mean=col.mean())
        else:
            counts = col.value_counts().head(5)
            stats.update(
                min=col.min(), max=col.max(), top=[(str(k), int(v)) for k, v in counts.items()]
            )
        out[name] = stats
    return out


def check_profile(profile, df):
    assert profile.rows == len(df)
    assert not profile.sampled
    assert [c.name for c in profile.columns] == list(df.columns)
    for column in profile.columns:
        want = expected_profile(df)[column.name]
        assert column.nulls == want["nulls"], column.name
        assert column.count == len(df) - want["nulls"]
        assert column.distinct == want["distinct"], column.name
        assert column.min == pytest.approx(want["min"])
        assert column.max == pytest.approx(want["max"])
        if "mean" in want:
            assert column.mean == pytest.approx(want["mean"])
        else:
            assert column.mean is None
            assert [(t.value, t.count) for t in column.top] == want["top"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_profile_matches_pandas(tmp_path, frame, fmt):
    frame = frame.drop(columns=["day"])
    path = tmp_path / f"t.{fmt}"
    frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
    plan = plan_files([path.name])
    profile = profile_batches(stream_table(plan, lambda rel: (tmp_path / rel).open("rb"), 64))
    check_profile(profile, frame)
    types = {c.name: c.type for c in profile.columns}
    assert types["id"] == "int64"
    assert types["score"] == "double"


def test_profile_is_bounded(tmp_path, frame):
    frame.to_csv(tmp_path / "t.csv", index=False)
    batches = stream_table(plan_files(["t.csv"]), lambda rel: (tmp_path / rel).open("rb"), 64)
    profile = profile_batches(batches, max_rows=100)
    assert profile.rows == 100
    assert profile.sampled
    assert profile.columns[0].max == 99


def test_profile_keeps_the_first_rows_across_batches(tmp_path, frame):
    frame = frame.drop(columns=["day"])
    frame.to_csv(tmp_path / "t.csv", index=False)
    batches = stream_table(plan_files(["t.csv"]), lambda rel: (tmp_path / rel).open("rb"), 8)
    profile = profile_batches(batches)
    assert [c.name for c in profile.columns] == ["id", "score", "city", "flag"]
    assert len(profile.head) == 20  # from three batches of 8
    assert [row[0] for row in profile.head] == list(range(20))
    assert [row[2] for row in profile.head] == list(frame["city"][:20])
    nan_rows = [i for i in range(20) if np.isnan(frame["score"][i])]
    assert all(profile.head[i][1] is None for i in nan_rows)  # NaN is null, as JSON needs


def test_without_pyarrow_the_error_says_what_to_install(tmp_path, monkeypatch):
    import sys

    (tmp_path / "t.csv").write_text("a\n1\n")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(InvalidArgumentError, match=r"pip install 'basalt\[data\]'"):
        load_table(tmp_path / "t.csv")
    with pytest.raises(InvalidArgumentError, match=r"pip install 'basalt\[data\]'"):
        next(iter_batches(tmp_path / "t.csv"))
