"""The scoring script of a no-code batch deployment: models that carry their own loader.

Shipped into a batch job's snapshot as ``_basalt_batch/nocode_batch.py`` and run by the batch
driver (``serving/batch_driver.py``) like any Azure ML batch scoring script: ``init()`` once per
worker, ``run(mini_batch)`` per mini-batch. It imports nothing from Basalt: only the standard
library and what the model needs (pandas, mlflow, scikit-learn, ...) from the job's environment.

Models, loaded as ``serving/nocode_score.py`` loads them for online no-code deployments: an
MLflow model (an ``MLmodel`` file, ``mlflow.pyfunc.load_model``), or an estimator pickled with
``pickle`` or ``joblib`` (scikit-learn, XGBoost, LightGBM), or a LightGBM text model. Each
input file is read into a DataFrame (Parquet for ``.parquet``/``.pq``, tab-separated for
``.tsv``, CSV otherwise) and predicted whole; the result is one row per input row:
``file, row, prediction`` (the file's name, the row's position in the file from 0, the
prediction; a prediction of several values is written as a JSON list or object). With an MLflow
signature that names columns, or a scikit-learn estimator fit on a DataFrame (its
``feature_names_in_``, which are then passed in their fit order), a file without a required
column fails its mini-batch with a message naming the column and the file.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

_MODEL: Any = None
_REQUIRED: list[str] = []
_SELECT = False  # pass only the required columns, in their order (a fitted estimator's)


def _model_root() -> Path:
    """The folder holding ``MLmodel`` below ``AZUREML_MODEL_DIR``, else that folder."""
    # NOTE: a scoring script outside Basalt reads its environment as Azure ML scripts do.
    root = Path(os.environ.get("AZUREML_MODEL_DIR", "."))  # noqa: TID251
    for folder in [root, *sorted(p for p in root.rglob("*") if p.is_dir())]:
        if (folder / "MLmodel").is_file():
            # NOTE: resolved, since MLflow refuses a model path that is a link to elsewhere
            # (the driver links the model's folder into AZUREML_MODEL_DIR).
            return folder.resolve()
    return root


def _required_columns(model: Any) -> list[str]:
    """The columns an MLflow model's signature requires; none without a named-column one."""
    schema = model.metadata.get_input_schema()
    if schema is None or not schema.has_input_names():
        return []
    return [str(c.name) for c in schema.inputs if getattr(c, "required", True)]


def init() -> None:
    """Load the model from ``AZUREML_MODEL_DIR`` with the loader its files call for."""
    global _MODEL, _REQUIRED, _SELECT
    _MODEL, _REQUIRED, _SELECT = _load(_model_root()), [], False
    if hasattr(_MODEL, "metadata"):  # an MLflow pyfunc model: its signature
        _REQUIRED = _required_columns(_MODEL)
    elif hasattr(_MODEL, "feature_names_in_"):  # a scikit-learn estimator fit on a DataFrame
        _REQUIRED, _SELECT = [str(n) for n in _MODEL.feature_names_in_], True


def _load(folder: Path) -> Any:
    """The model in ``folder``, loaded with the loader its files call for."""
    if (folder / "MLmodel").is_file():
        import mlflow.pyfunc

        return mlflow.pyfunc.load_model(str(folder))
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        suffix = path.suffix.lower()
        if suffix == ".joblib":
            import joblib

            return joblib.load(path)
        if suffix in (".pkl", ".pickle"):
            with path.open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - the user's own model
        if suffix == ".txt" and path.read_bytes()[:5] == b"tree\n":
            import lightgbm

            return lightgbm.Booster(model_file=str(path))
    raise RuntimeError(
        f"No model a batch deployment can score without a scoring script in {folder}: it needs "
        "an MLmodel file (MLflow), a .pkl/.joblib estimator or a LightGBM text model; "
        "otherwise give the deployment code_configuration with a scoring script"
    )


def _read(path: Path) -> Any:
    """The file's rows as a DataFrame."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            return pd.read_parquet(path)
        except ImportError as exc:
            raise RuntimeError(
                f"{path.name}: cannot read Parquet ({exc}); add pyarrow to the deployment's "
                "environment or send CSV files"
            ) from None
    return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")


def _values(result: Any, rows: int) -> list[Any]:
    """One plain value per row from a model's predictions."""
    if hasattr(result, "columns"):  # a DataFrame
        if len(result.columns) == 1:
            result = result.iloc[:, 0]
        else:
            return [json.dumps(r, default=str) for r in result.to_dict(orient="records")]
    values = result.tolist() if hasattr(result, "tolist") else list(result)
    if len(values) != rows:
        raise ValueError(f"the model returned {len(values)} predictions for {rows} rows")
    return [json.dumps(v, default=str) if isinstance(v, (list, dict)) else v for v in values]


def _score(path: Path) -> list[tuple[str, int, Any]]:
    frame = _read(path)
    missing = [name for name in _REQUIRED if name not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "none"
        what = "the model was fit with" if _SELECT else "the model's signature requires"
        raise ValueError(
            f"{path.name} is missing column '{missing[0]}' that {what} (the file has: {have})"
        )
    if _SELECT:
        frame = frame[_REQUIRED]
    try:
        values = _values(_MODEL.predict(frame), len(frame))
    except Exception as exc:  # noqa: BLE001 - re-raised naming the file
        raise ValueError(f"{path.name}: {type(exc).__name__}: {exc}") from exc
    return [(path.name, i, value) for i, value in enumerate(values)]


def run(mini_batch: list[str]) -> list[tuple[str, int, Any]]:
    """Predict every row of the mini-batch's files: ``(file, row, prediction)`` rows."""
    out: list[tuple[str, int, Any]] = []
    for name in mini_batch:
        out.extend(_score(Path(name)))
    return out
