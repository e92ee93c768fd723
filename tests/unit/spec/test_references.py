"""Asset and path references in every form Azure ML YAML uses."""

from __future__ import annotations

import pytest

from basalt.errors import InvalidArgumentError
from basalt.spec.references import (
    AssetRef,
    DatastorePath,
    JobOutputRef,
    LocalPath,
    RemoteUri,
    RunPathRef,
    classify,
    is_local,
    parse_asset_ref,
    strip_compute,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("azureml:my-model:1", AssetRef("my-model", version="1")),
        ("azureml:iris@latest", AssetRef("iris", label="latest")),
        ("azureml:AzureML-sklearn-1.5@latest", AssetRef("AzureML-sklearn-1.5", label="latest")),
        ("azureml:cpu-cluster", AssetRef("cpu-cluster")),
        (
            "azureml://registries/azureml/environments/sklearn-1.5/labels/latest",
            AssetRef("sklearn-1.5", label="latest", registry="azureml", kind="environment"),
        ),
        (
            "azureml://registries/azureml/models/phi/versions/3",
            AssetRef("phi", version="3", registry="azureml", kind="model"),
        ),
        (
            "azureml://registries/azureml/components/train",
            AssetRef("train", registry="azureml", kind="component"),
        ),
        (
            "azureml://locations/westus/workspaces/abc/models/m/versions/2",
            AssetRef("m", version="2", kind="model"),
        ),
        (
            "azureml://datastores/workspaceblobstore/paths/example-data/iris.csv",
            DatastorePath("workspaceblobstore", "example-data/iris.csv"),
        ),
        (
            "azureml://datastores/${{default_datastore}}/paths/out/${{name}}/",
            DatastorePath("${{default_datastore}}", "out/${{name}}/"),
        ),
        ("azureml://jobs/job-1/outputs/model", JobOutputRef("job-1", "model")),
        (
            "azureml://jobs/job-1/outputs/artifacts/paths/model/",
            JobOutputRef("job-1", "artifacts", "model/"),
        ),
        ("runs:/abc123/model", RunPathRef("abc123", "model")),
        (
            "https://x.blob.core.windows.net/d/iris.csv",
            RemoteUri("https://x.blob.core.windows.net/d/iris.csv", "https"),
        ),
        (
            "wasbs://data@acct.blob.core.windows.net/iris",
            RemoteUri("wasbs://data@acct.blob.core.windows.net/iris", "wasbs"),
        ),
        ("s3://bucket/key", RemoteUri("s3://bucket/key", "s3")),
        ("./src", LocalPath("./src")),
        ("file:./env.yml", LocalPath("./env.yml")),
        ("../../assets/model", LocalPath("../../assets/model")),
    ],
)
def test_classify_recognises_each_form(text: str, expected: object) -> None:
    assert classify(text) == expected


def test_classify_rejects_an_unknown_azureml_uri() -> None:
    with pytest.raises(InvalidArgumentError, match=r"azureml://datastores/<datastore>/paths"):
        classify("azureml://something/else")


def test_is_local_excludes_uris_and_expressions() -> None:
    assert is_local("./data")
    assert not is_local("azureml:iris@latest")
    assert not is_local("${{parent.inputs.data}}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("azureml:env:3", AssetRef("env", version="3", kind="environment")),
        ("env@latest", AssetRef("env", label="latest", kind="environment")),
        ("env:01", AssetRef("env", version="01", kind="environment")),
        (
            "azureml://registries/azureml/environments/sklearn-1.5/versions/7",
            AssetRef("sklearn-1.5", version="7", registry="azureml", kind="environment"),
        ),
    ],
)
def test_parse_asset_ref_accepts_short_and_registry_forms(text: str, expected: AssetRef) -> None:
    assert parse_asset_ref(text, "environment") == expected


def test_parse_asset_ref_explains_accepted_forms() -> None:
    with pytest.raises(InvalidArgumentError) as info:
        parse_asset_ref("./model dir", "model")
    assert "'./model dir' is not a model reference" in info.value.message
    assert "azureml:<name>:<version>" in info.value.message


def test_parse_asset_ref_rejects_a_path_uri() -> None:
    with pytest.raises(InvalidArgumentError, match="is a path, not a data reference"):
        parse_asset_ref("azureml://datastores/ds/paths/x", "data")


def test_parse_asset_ref_rejects_another_kind() -> None:
    with pytest.raises(InvalidArgumentError, match="refers to a model, but a environment"):
        parse_asset_ref("azureml://registries/r/models/m/versions/1", "environment")


def test_strip_compute() -> None:
    assert strip_compute("azureml:cpu-cluster") == "cpu-cluster"
    assert strip_compute("local") == "local"
    with pytest.raises(InvalidArgumentError, match="compute 'azureml:' is not a compute name"):
        strip_compute("azureml:")
