"""Scoring script of the demo's online deployment, in Azure ML's contract."""

import json
import os
from pathlib import Path

w = b = 0.0


def init():
    """Read the trained weights once per worker (AZUREML_MODEL_DIR is the model's folder)."""
    global w, b
    model_dir = Path(os.environ["AZUREML_MODEL_DIR"])  # noqa: TID251 - Azure ML contract
    text = next(model_dir.rglob("model.txt")).read_text()
    weights = dict(line.split("=") for line in text.split())
    w, b = float(weights["w"]), float(weights["b"])


def run(raw_data):
    """Predict y for each x of {"data": [x, ...]}."""
    return [round(w * x + b, 4) for x in json.loads(raw_data)["data"]]
