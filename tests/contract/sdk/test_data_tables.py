"""Tabular data assets: profiles at registration and ``load_table``, over every transport."""

from __future__ import annotations

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
np = pytest.importorskip("numpy")

import basalt.services.data_profile as data_profile  # noqa: E402
from basalt.data import iter_batches, load_table  # noqa: E402
from basalt.errors import InvalidArgumentError, NotFoundError  # noqa: E402
from basalt.spec.data import DataCreate, DataType  # noqa: E402

MLTABLE = """\
$schema: https://azuremlschemas.azureedge.net/latest/MLTable.schema.json
type: mltable
paths:
  - pattern: ./parts/*.csv
transformations:
  - read_delimited:
      delimiter: ','
      header: all_files_same_headers
      encoding: utf8
  - drop_columns: [secret]
  - convert_column_types:
      - columns: label
        column_type: string
"""


@pytest.fixture
def frame():
    rng = np.random.default_rng(5)
    n = 1000
    return pd.DataFrame(
        {
            "x": rng.integers(0, 50, n),
            "y": np.where(rng.random(n) < 0.2, np.nan, rng.random(n).round(4)),
            "label": rng.choice(["cat", "dog", "eel", "fox", "gnu", "hen"], n,
                                p=[0.35, 0.25, 0.15, 0.1, 0.1, 0.05]),
            "secret": np.arange(n),
        }
    )  # fmt: skip


@pytest.fixture
def table_folder(tmp_path, frame):
    folder = tmp_path / "table"
    (folder / "parts").mkdir(parents=True)
    frame.iloc[:600].to_csv(folder / "parts" / "a.csv", index=False)
    frame.iloc[600:].to_csv(folder / "parts" / "b.csv", index=False)
    (folder / "MLTable").write_text(MLTABLE)
    return folder


def register(client, name, path, type_=DataType.MLTABLE):
    return client.data.create_or_update(DataCreate(name=name, path=str(path), type=type_))


def test_mltable_profile_and_load_table_round_trip(client, table_folder, frame, tmp_path):
    data = register(client, "animals", table_folder)
    profile = data.profile
    assert profile is not None
    assert profile.rows == len(frame)
    assert not profile.sampled
    assert [c.name for c in profile.columns] == ["x", "y", "label"]  # secret dropped
    y = next(c for c in profile.columns if c.name == "y")
    assert y.nulls == int(frame["y"].isna().sum())
    assert y.mean == pytest.approx(frame["y"].mean())
    label = next(c for c in profile.columns if c.name == "label")
    assert (label.type, label.distinct) == ("string", 6)
    want = frame["label"].value_counts().head(5)
    assert [(t.value, t.count) for t in label.top] == list(want.items())
    assert client.data.get("animals", version="1").profile == profile

    cache = tmp_path / "cache"
    local = load_table(table_folder)
    for uri in ("azureml:animals:1", "azureml:animals@latest", "animals:1"):
        loaded = load_table(uri, client=client, cache_dir=cache)
        pd.testing.assert_frame_equal(loaded, local)
    expected = frame.drop(columns=["secret"])
    pd.testing.assert_frame_equal(local[["x", "label"]], expected[["x", "label"]])
    assert [p.name for p in cache.iterdir()] == [data.content_hash]

    sizes = [len(b) for b in iter_batches("azureml:animals:1", 256, client=client, cache_dir=cache)]
    assert sizes == [256, 256, 256, 232]


def test_a_second_load_does_not_download_again(client, table_folder, tmp_path, monkeypatch):
    register(client, "cached", table_folder)
    calls = []
    real = client.data.download

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(client.data, "download", counting)
    cache = tmp_path / "cache"
    first = load_table("azureml:cached:1", client=client, cache_dir=cache)
    second = load_table("azureml:cached:1", client=client, cache_dir=cache)
    pd.testing.assert_frame_equal(first, second)
    assert len(calls) == 1
    # Another version with the same files shares the cache entry (keyed by content).
    register(client, "cached", table_folder)
    load_table("azureml:cached:2", client=client, cache_dir=cache)
    assert len(calls) == 1
    assert not [p for p in cache.iterdir() if p.name.startswith(".partial")]


def test_plain_files_get_a_profile(client, tmp_path, frame):
    frame.to_csv(tmp_path / "one.csv", index=False)
    single = register(client, "one", tmp_path / "one.csv", DataType.URI_FILE)
    assert single.profile is not None
    assert single.profile.rows == len(frame)
    pq_dir = tmp_path / "pq"
    pq_dir.mkdir()
    frame.iloc[:400].to_parquet(pq_dir / "a.parquet")
    frame.iloc[400:].to_parquet(pq_dir / "b.parquet")
    (pq_dir / "README.txt").write_text("not a table")
    folder = register(client, "pq", pq_dir, DataType.URI_FOLDER)
    assert folder.profile is not None
    secret = next(c for c in folder.profile.columns if c.name == "secret")
    assert (secret.min, secret.max, secret.distinct) == (0, len(frame) - 1, len(frame))
    assert len(load_table("azureml:pq:1", client=client, cache_dir=tmp_path / "c")) == len(frame)


def test_not_tabular_or_unreadable_folders_just_have_no_profile(client, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("hello")
    assert register(client, "notes", notes, DataType.URI_FOLDER).profile is None
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.csv").write_text("a,b\n1,2\n3,4,5\n")
    made = register(client, "broken", broken, DataType.URI_FOLDER)
    assert made.profile is None
    with pytest.raises(InvalidArgumentError, match="bad.csv"):
        load_table("azureml:broken:1", client=client, cache_dir=tmp_path / "c")
    with pytest.raises(InvalidArgumentError, match="not a table"):
        load_table("azureml:notes:1", client=client, cache_dir=tmp_path / "c")


def test_an_mltable_that_does_not_load_fails_registration(client, table_folder):
    (table_folder / "parts" / "c.csv").write_text("x,y,label,secret\n1,2,cat,3,4\n")
    with pytest.raises(InvalidArgumentError, match=r"MLTable does not load.*parts/c\.csv"):
        register(client, "bad", table_folder)
    with pytest.raises(NotFoundError):
        client.data.get("bad")


def test_unknown_transformation_or_path_fails_registration(client, table_folder):
    (table_folder / "MLTable").write_text(MLTABLE + "  - explode_rows: {}\n")
    with pytest.raises(InvalidArgumentError) as info:
        register(client, "bad", table_folder)
    assert "'explode_rows'" in str(info.value)
    assert "read_delimited" in str(info.value)
    (table_folder / "MLTable").write_text("paths:\n  - file: ./parts/zzz.csv\n")
    with pytest.raises(InvalidArgumentError, match="zzz.csv"):
        register(client, "bad", table_folder)


def test_without_pyarrow_there_is_no_profile(client, table_folder, monkeypatch):
    monkeypatch.setattr(data_profile, "arrow_available", lambda: False)
    made = register(client, "plain", table_folder)
    assert made.profile is None
    assert made.type == DataType.MLTABLE


def test_unknown_asset_or_path(client, tmp_path):
    with pytest.raises(NotFoundError):
        load_table("azureml:nope:1", client=client, cache_dir=tmp_path)
    with pytest.raises(InvalidArgumentError, match="neither an existing file"):
        load_table(str(tmp_path / "missing" / "x.csv"), client=client)


def test_without_a_client_the_workspace_of_the_current_folder_is_used(
    client, table_folder, monkeypatch
):
    if client.settings.store.url:
        pytest.skip("the default client opens the embedded workspace (SQLite)")
    register(client, "here", table_folder)
    monkeypatch.chdir(client.settings.workspace)
    df = load_table("azureml:here@latest")
    assert len(df) == 1000
    assert (client.settings.workspace / ".basalt" / "data-cache").is_dir()
