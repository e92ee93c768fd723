"""The scoring script of a no-code deployment: models that carry their own loader.

The worker runs this file like any Azure ML scoring script (``init()`` then ``run(raw)``), with
the deployment's environment's Python. It imports nothing from Basalt: only the standard library
and what the model needs (pandas, numpy, mlflow, scikit-learn, ...) from that environment.

Models: an MLflow model (an ``MLmodel`` file: ``mlflow.pyfunc``), a scikit-learn, XGBoost or
LightGBM estimator pickled with ``pickle`` or ``joblib``, a LightGBM text model, an ONNX model
(``onnxruntime``). Requests, as Azure ML and ``mlflow models serve`` accept them:
``{"input_data": {"columns", "index", "data"}}``, ``{"dataframe_split": ...}``,
``{"dataframe_records": [...]}``, ``{"inputs": ...}``, ``{"instances": [...]}`` and Azure's
sample ``{"data": [[...]]}``. With an MLflow signature, missing columns and values that cannot
take the column's type are a 400 naming the column. The answer is the list of predictions.
"""

from __future__ import annotations

import json
import os
import pickle
import warnings
from pathlib import Path
from typing import Any

_MODEL: Any = None
_KIND = ""
_COLUMNS: list[dict[str, Any]] | None = None
_NUMERIC = frozenset({"double", "float", "long", "integer"})

_NUMPY_TYPES = {
    "double": "float64",
    "float": "float32",
    "long": "int64",
    "integer": "int32",
    "boolean": "bool",
    "string": "object",
}


class BadRequest(Exception):
    """A request the model cannot take; the worker answers 400 with the message."""


class _Response:
    """Azure ML's ``AMLResponse`` shape: what the worker sends as it is."""

    def __init__(self, data: Any, status_code: int) -> None:
        self.data = json.dumps(data)
        self.status_code = status_code
        self.headers = {"Content-Type": "application/json"}


def _model_root() -> Path:
    # NOTE: a scoring script outside Basalt reads its environment as Azure ML scripts do.
    root = Path(os.environ.get("AZUREML_MODEL_DIR", "."))  # noqa: TID251
    for folder in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        if (folder / "MLmodel").is_file():
            return folder
    return root


def _mlmodel(folder: Path) -> dict[str, Any]:
    """The ``MLmodel`` file's content."""
    import yaml  # MLflow brings PyYAML

    data = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _signature_columns(mlmodel: dict[str, Any]) -> list[dict[str, Any]] | None:
    inputs = (mlmodel.get("signature") or {}).get("inputs")
    if not isinstance(inputs, str):
        return None
    columns = json.loads(inputs)
    if not isinstance(columns, list) or not all("name" in c for c in columns):
        return None  # a tensor signature: nothing to check by column
    return columns


def _sklearn_numeric(mlmodel: dict[str, Any]) -> bool:
    """An MLflow scikit-learn model with a signature of numeric columns only."""
    if _COLUMNS is None or not all(str(c.get("type")) in _NUMERIC for c in _COLUMNS):
        return False
    flavors = mlmodel.get("flavors") or {}
    loader = (flavors.get("python_function") or {}).get("loader_module")
    return "sklearn" in flavors and loader == "mlflow.sklearn"


def _numeric_rows(payload: dict[str, Any]) -> Any:
    """The rows as a float array in signature order, or None for the general path."""
    assert _COLUMNS is not None  # noqa: S101 - only called for the sklearn-numeric kind
    split = payload.get("input_data", payload.get("dataframe_split"))
    if not isinstance(split, dict) or not isinstance(split.get("data"), list):
        return None
    import numpy as np

    names = [c["name"] for c in _COLUMNS]
    columns = split.get("columns") or names
    try:
        rows = np.asarray(split["data"], dtype=np.float64)
    except (TypeError, ValueError):
        return None  # the general path names the column that is wrong
    if rows.ndim != 2 or rows.shape[1] != len(columns):
        return None
    if columns == names:
        return rows
    try:
        order = [columns.index(name) for name in names]
    except ValueError:
        return None
    return rows[:, order]


def init() -> None:
    """Load the model from ``AZUREML_MODEL_DIR`` with the loader its files call for."""
    global _MODEL, _KIND, _COLUMNS
    folder = _model_root()
    if (folder / "MLmodel").is_file():
        mlmodel = _mlmodel(folder)
        _COLUMNS = _signature_columns(mlmodel)
        if _sklearn_numeric(mlmodel):
            # NOTE: the fast path: a scikit-learn model whose signature has numeric columns
            # only is called on a float array in the signature's column order, after the
            # same checks. pyfunc's own schema enforcement on a 1-row DataFrame cost 1 ms a
            # request, five times the prediction (docs/benchmarks.md, serving).
            import mlflow.sklearn

            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            _MODEL, _KIND = mlflow.sklearn.load_model(str(folder)), "sklearn-numeric"
            return
        import mlflow.pyfunc

        _MODEL, _KIND = mlflow.pyfunc.load_model(str(folder)), "mlflow"
        return
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        suffix = path.suffix.lower()
        if suffix == ".joblib":
            import joblib

            _MODEL, _KIND = joblib.load(path), "estimator"
            return
        if suffix in (".pkl", ".pickle"):
            with path.open("rb") as fh:
                _MODEL, _KIND = pickle.load(fh), "estimator"  # noqa: S301 - the user's model
            return
        if suffix == ".onnx":
            import onnxruntime

            _MODEL, _KIND = onnxruntime.InferenceSession(str(path)), "onnx"
            return
        if suffix == ".txt" and path.read_bytes()[:5] == b"tree\n":
            import lightgbm

            _MODEL, _KIND = lightgbm.Booster(model_file=str(path)), "estimator"
            return
    raise RuntimeError(
        f"No model this deployment can load without a scoring script in {folder}: it needs an "
        "MLmodel file (MLflow), a .pkl/.joblib estimator, a LightGBM text model or a .onnx "
        "file; otherwise give code_configuration with a scoring script"
    )


def _frame(payload: dict[str, Any]) -> Any:
    """The request's rows as a pandas DataFrame (or a numpy array for bare matrices)."""
    import pandas as pd

    for key in ("input_data", "dataframe_split"):
        if key in payload:
            split = payload[key]
            if isinstance(split, dict) and "data" in split:
                return pd.DataFrame(
                    split["data"], columns=split.get("columns"), index=split.get("index")
                )
            if isinstance(split, list):
                return pd.DataFrame(split)
            raise BadRequest(f"{key} must be {{'columns': [...], 'data': [[...]]}}")
    if "dataframe_records" in payload:
        return pd.DataFrame(payload["dataframe_records"])
    for key in ("inputs", "instances", "data"):
        if key in payload:
            value = payload[key]
            if isinstance(value, dict):
                return pd.DataFrame(value)
            if isinstance(value, list) and value and isinstance(value[0], dict):
                return pd.DataFrame(value)
            import numpy as np

            return np.asarray(value)
    raise BadRequest(
        "the request must hold one of input_data, dataframe_split, dataframe_records, "
        "inputs, instances or data"
    )


def _check(frame: Any) -> Any:
    """Check and cast ``frame`` against the MLflow signature's columns, naming what is wrong."""
    if _COLUMNS is None:
        return frame
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        names = [c["name"] for c in _COLUMNS]
        frame = pd.DataFrame(frame, columns=names if frame.ndim == 2 else None)
    for column in _COLUMNS:
        name = column["name"]
        if name not in frame.columns:
            if column.get("required", True):
                have = ", ".join(map(str, frame.columns)) or "none"
                raise BadRequest(
                    f"input is missing column '{name}' that the model's signature requires "
                    f"(the request has: {have})"
                )
            continue
        dtype = _NUMPY_TYPES.get(str(column.get("type")))
        if dtype is None:
            continue
        try:
            frame[name] = frame[name].astype(dtype)
        except (TypeError, ValueError) as exc:
            raise BadRequest(
                f"column '{name}' must hold {column.get('type')} values: {exc}"
            ) from None
    return frame


def _listed(result: Any) -> Any:
    if hasattr(result, "to_dict") and hasattr(result, "columns"):
        return result.to_dict(orient="records")
    if hasattr(result, "tolist"):
        return result.tolist()
    if isinstance(result, dict):
        return {k: _listed(v) for k, v in result.items()}
    return result


def run(raw_data: str) -> Any:
    """Predict the request's rows; a 400 answer for a request the model cannot take."""
    try:
        payload = json.loads(raw_data)
        if not isinstance(payload, dict):
            raise BadRequest('the request must be a JSON object, e.g. {"input_data": ...}')
        fast = _numeric_rows(payload) if _KIND == "sklearn-numeric" else None
        if fast is not None:
            return _MODEL.predict(fast).tolist()
        frame = _check(_frame(payload))
    except BadRequest as exc:
        return _Response({"error": str(exc)}, 400)
    except json.JSONDecodeError as exc:
        return _Response({"error": f"the request is not JSON: {exc}"}, 400)
    except ValueError as exc:  # pandas refusing the shape of the rows
        return _Response({"error": f"the rows do not make a table: {exc}"}, 400)
    if _KIND == "onnx":
        import numpy as np

        session = _MODEL
        name = session.get_inputs()[0].name
        values = frame.to_numpy() if hasattr(frame, "to_numpy") else frame
        outputs = session.run(None, {name: np.asarray(values, dtype=np.float32)})
        return _listed(outputs[0])
    if _KIND == "sklearn-numeric":
        names = [c["name"] for c in _COLUMNS or []]
        frame = frame[names].to_numpy(dtype="float64") if hasattr(frame, "columns") else frame
    return _listed(_MODEL.predict(frame))
