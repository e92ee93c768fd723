"""Pure model-registry rules: run URIs, flavor detection, version names."""

from __future__ import annotations

import pytest

from basalt.errors import InvalidArgumentError
from basalt.services.assets import check_version
from basalt.services.models import detect_flavor, parse_run_path


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("runs:/abc/model", ("abc", "model")),
        ("runs:/abc", ("abc", "")),
        ("azureml://jobs/abc/outputs/model/x.pkl", ("abc", "model/x.pkl")),
        ("azureml://jobs/abc/outputs", ("abc", "")),
        ("azureml://jobs/abc/outputs/artifacts/paths/m", ("abc", "m")),
        ("./model", None),
        ("/tmp/model.pkl", None),
    ],
)
def test_parse_run_path(path, expected):
    assert parse_run_path(path) == expected


def test_run_uri_without_a_run_is_refused():
    with pytest.raises(InvalidArgumentError, match="names no run"):
        parse_run_path("runs:/")


@pytest.mark.parametrize(
    ("files", "flavor"),
    [
        (["model.pkl"], "sklearn"),
        (["a/model.joblib"], "sklearn"),
        (["m.onnx"], "onnx"),
        (["weights.PT"], "pytorch"),
        (["w.pth"], "pytorch"),
        (["readme.txt"], "custom"),
    ],
)
def test_flavor_from_file_names(files, flavor):
    assert detect_flavor(files, None) == (flavor, [])


def test_mlmodel_file_wins_and_lists_its_flavors():
    raw = b"flavors:\n  sklearn: {}\n  python_function: {}\n"
    assert detect_flavor(["MLmodel", "model.pkl"], raw) == (
        "mlflow",
        ["python_function", "sklearn"],
    )
    assert detect_flavor(["MLmodel"], b": not yaml [") == ("mlflow", [])


@pytest.mark.parametrize("bad", ["", "latest", "a/b", "a@b", "x:y", "v" * 65])
def test_bad_versions_are_refused(bad):
    with pytest.raises(InvalidArgumentError):
        check_version(bad)
