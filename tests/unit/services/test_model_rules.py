"""Pure model-registry rules: run URIs, flavor detection, version names."""

from __future__ import annotations

import pytest

from basalt.errors import InvalidArgumentError
from basalt.services.assets import check_version
from basalt.services.model_files import model_facts, pickle_library
from basalt.services.models import parse_run_path


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


def _reader(files: dict[str, bytes]):
    return lambda path: files.get(path)


@pytest.mark.parametrize(
    ("files", "flavor"),
    [
        (["model.pkl"], "sklearn"),
        (["a/model.joblib"], "sklearn"),
        (["m.onnx"], "onnx"),
        (["weights.PT"], "pytorch"),
        (["w.pth"], "pytorch"),
        (["booster.ubj"], "xgboost"),
        (["readme.txt"], "custom"),
    ],
)
def test_flavor_from_file_names(files, flavor):
    assert model_facts(files, _reader({})).flavor == flavor


def _pickle_of_class_in(module_name: str) -> bytes:
    """A pickle of an instance of a class living in ``module_name`` (made up for the test)."""
    import pickle
    import sys
    import types

    module = types.ModuleType(module_name)

    class Booster:
        pass

    Booster.__module__ = module_name
    Booster.__qualname__ = "Booster"
    module.Booster = Booster  # type: ignore[attr-defined]
    parent = module_name.split(".")[0]
    added = [module_name] + ([parent] if parent not in sys.modules else [])
    sys.modules.setdefault(parent, types.ModuleType(parent))
    sys.modules[module_name] = module
    try:
        return pickle.dumps(Booster())
    finally:
        for name in added:
            del sys.modules[name]


@pytest.mark.parametrize("library", ["xgboost", "lightgbm", "sklearn"])
def test_pickle_flavor_comes_from_its_classes_without_unpickling(library):
    raw = _pickle_of_class_in(f"{library}.fake_estimators")
    assert pickle_library(raw) == library
    assert model_facts(["model.pkl"], _reader({"model.pkl": raw})).flavor == library


def test_real_sklearn_and_lightgbm_text_models():
    import pickle

    from sklearn.linear_model import LinearRegression

    raw = pickle.dumps(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]))
    assert model_facts(["m.pkl"], _reader({"m.pkl": raw})).flavor == "sklearn"
    text = b"tree\nversion=v4\nnum_class=1\n"
    assert model_facts(["model.txt"], _reader({"model.txt": text})).flavor == "lightgbm"


def test_mlmodel_file_wins_and_lists_its_flavors():
    raw = b"flavors:\n  sklearn: {}\n  python_function: {}\n"
    facts = model_facts(["MLmodel", "model.pkl"], _reader({"MLmodel": raw}))
    assert (facts.flavor, facts.flavors) == ("mlflow", ["python_function", "sklearn"])
    assert model_facts(["MLmodel"], _reader({"MLmodel": b": not yaml ["})).flavor == "mlflow"


def test_mlmodel_signature_and_input_example_are_read():
    raw = (
        b"flavors: {sklearn: {}}\n"
        b"signature:\n"
        b'  inputs: \'[{"type": "double", "name": "x", "required": true}]\'\n'
        b'  outputs: \'[{"type": "tensor", "tensor-spec": {"dtype": "float64", '
        b'"shape": [-1]}}]\'\n'
        b"  params: null\n"
        b"saved_input_example_info: {artifact_path: input_example.json, type: dataframe}\n"
    )
    example = b'{"columns": ["x"], "data": [[1.5]]}'
    facts = model_facts(
        ["m/MLmodel", "m/input_example.json"],
        _reader({"m/MLmodel": raw, "m/input_example.json": example}),
    )
    assert facts.signature == {
        "inputs": [{"type": "double", "name": "x", "required": True}],
        "outputs": [{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}],
    }
    assert facts.input_example == {"columns": ["x"], "data": [[1.5]]}


@pytest.mark.parametrize("bad", ["", "latest", "a/b", "a@b", "x:y", "v" * 65])
def test_bad_versions_are_refused(bad):
    with pytest.raises(InvalidArgumentError):
        check_version(bad)
