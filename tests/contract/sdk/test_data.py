"""Data assets behave the same in-process, over HTTP, and on PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from basalt.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from basalt.spec.data import DataCreate, DataType
from basalt.spec.runs import RunCreate


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "iris"
    (d / "raw").mkdir(parents=True)
    (d / "train.csv").write_text("a,b\n1,2\n")
    (d / "raw" / "notes.txt").write_text("hello")
    return d


def test_folder_versions_latest_and_file(client, folder, tmp_path):
    one = client.data.create_or_update(DataCreate(name="iris", path=str(folder)))
    two = client.data.create_or_update(DataCreate(name="iris", path=str(folder)))
    assert (one.version, two.version) == ("1", "2")
    assert one.type == DataType.URI_FOLDER
    assert one.files == ["raw/notes.txt", "train.csv"]
    assert one.size == len("a,b\n1,2\n") + 5
    assert one.content_hash == two.content_hash
    assert one.created_by
    assert client.data.get("iris").version == "2"
    assert client.data.get("iris@latest").version == "2"
    assert client.data.get("iris", version="1").path == str(folder)

    single = client.data.create_or_update(
        DataCreate(name="csv", path=str(folder / "train.csv"), type=DataType.URI_FILE)
    )
    assert (single.type, single.files) == (DataType.URI_FILE, ["train.csv"])
    # a uri_folder may be one file
    one_file = client.data.create_or_update(DataCreate(name="f", path=str(folder / "train.csv")))
    assert one_file.files == ["train.csv"]


def test_recreating_a_version_is_idempotent_and_conflicts_on_other_content(client, folder):
    made = client.data.create_or_update(DataCreate(name="d", version="3", path=str(folder)))
    again = client.data.create_or_update(DataCreate(name="d", version="3", path=str(folder)))
    assert again.version == "3"
    assert again.created_at == made.created_at
    assert len(client.data.list("d")) == 1
    (folder / "train.csv").write_text("changed")
    with pytest.raises(AlreadyExistsError, match="bump the version"):
        client.data.create_or_update(DataCreate(name="d", version="3", path=str(folder)))
    assert client.data.create_or_update(DataCreate(name="d", path=str(folder))).version == "4"


def test_type_rules(client, folder, tmp_path):
    with pytest.raises(InvalidArgumentError, match="uri_folder"):
        client.data.create_or_update(DataCreate(name="x", path=str(folder), type="uri_file"))
    with pytest.raises(InvalidArgumentError, match="MLTable"):
        client.data.create_or_update(DataCreate(name="x", path=str(folder), type="mltable"))
    (folder / "MLTable").write_text(
        "paths:\n  - file: ./train.csv\ntransformations:\n  - read_delimited:\n"
        "      delimiter: ','\n      header: all_files_same_headers\n"
    )
    table = client.data.create_or_update(DataCreate(name="x", path=str(folder), type="mltable"))
    assert table.type == DataType.MLTABLE
    assert "MLTable" in table.files
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        client.data.create_or_update(DataCreate(name="x", path=str(tmp_path / "nope")))
    for remote, hint in (
        ("https://example.com/iris.csv", "download it and register the local copy"),
        ("s3://bucket/iris/", "basalt datastore create"),  # no datastore has this bucket
    ):
        with pytest.raises(InvalidArgumentError, match=hint) as info:
            client.data.create_or_update(DataCreate(name="x", path=remote))
        assert remote in str(info.value)
    # a datastore path is referenced in place (tests/integration/datastores): it must hold files
    empty = "azureml://datastores/workspaceblobstore/paths/iris/"
    with pytest.raises(InvalidArgumentError, match="holds no files"):
        client.data.create_or_update(DataCreate(name="x", path=empty))


def test_from_run_files_with_lineage(client, tmp_path):
    run = client.jobs.create_run(RunCreate())
    src = tmp_path / "part.csv"
    src.write_text("x\n1\n")
    client.jobs.upload_file(run.name, src, "prepared/part.csv")
    client.jobs.upload_file(run.name, src, "prepared/more/part2.csv")
    from_run = client.data.create_or_update(
        DataCreate(name="prep", path=f"runs:/{run.name}/prepared")
    )
    assert from_run.job_name == run.name
    assert from_run.files == ["more/part2.csv", "part.csv"]
    # a named job output O lives under O/ in the run's files
    output = client.data.create_or_update(
        DataCreate(name="prep", path=f"azureml://jobs/{run.name}/outputs/prepared")
    )
    assert output.content_hash == from_run.content_hash
    one = client.data.create_or_update(
        DataCreate(
            name="one",
            type="uri_file",
            path=f"azureml://jobs/{run.name}/outputs/prepared/paths/part.csv",
        )
    )
    assert (one.files, one.job_name) == (["part.csv"], run.name)
    whole = client.data.create_or_update(
        DataCreate(name="all", path=f"azureml://jobs/{run.name}/outputs/artifacts")
    )
    assert whole.files == ["prepared/more/part2.csv", "prepared/part.csv"]
    with pytest.raises(InvalidArgumentError, match="uri_folder"):
        client.data.create_or_update(
            DataCreate(name="x", type="uri_file", path=f"runs:/{run.name}/prepared")
        )
    with pytest.raises(InvalidArgumentError, match="no files"):
        client.data.create_or_update(DataCreate(name="x", path=f"runs:/{run.name}/none"))
    with pytest.raises(NotFoundError):
        client.data.create_or_update(DataCreate(name="x", path="runs:/no-such-run/x"))


def test_labels_archive_restore_update(client, folder):
    for _ in range(3):
        client.data.create_or_update(DataCreate(name="lab", path=str(folder)))
    client.data.set_label("lab", "prod", "1")
    assert client.data.get("lab", label="prod").version == "1"
    assert client.data.get("lab@prod").labels == ["prod"]
    client.data.set_label("lab", "prod", "2")
    assert client.data.get("lab", label="prod").version == "2"
    client.data.archive("lab", "3")
    assert client.data.get("lab").version == "2"
    assert [d.version for d in client.data.list("lab")] == ["2", "1"]
    assert [d.version for d in client.data.list("lab", include_archived=True)] == ["3", "2", "1"]
    client.data.restore("lab", "3")
    assert client.data.get("lab").version == "3"
    updated = client.data.update("lab", "1", description="first", tags={"stage": "old"})
    assert (updated.description, updated.tags) == ("first", {"stage": "old"})
    assert [d.version for d in client.data.list(tags={"stage": "old"})] == ["1"]
    with pytest.raises(NotFoundError):
        client.data.get("lab", label="nope")
    # the data and model registries are separate kinds
    with pytest.raises(NotFoundError):
        client.models.get("lab")


def test_download_equals_the_source_and_data_like_objects(client, folder, tmp_path):
    like = SimpleNamespace(name="dl", version=5, path=str(folder), type="uri_folder")
    made = client.data.create_or_update(like)
    assert made.version == "5"
    out = client.data.download("dl", "5", tmp_path / "out")
    assert out == tmp_path / "out" / "dl" / "5"
    for src in (folder / "train.csv", folder / "raw" / "notes.txt"):
        assert (out / src.relative_to(folder)).read_bytes() == src.read_bytes()
