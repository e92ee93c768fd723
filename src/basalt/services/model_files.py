"""What a model's files say about it: flavor, MLflow signature and input example.

Nothing here unpickles anything: a pickle's flavor is read from the module names its opcodes
mention (``pickletools.genops``), so registering an untrusted file runs none of its code.
"""

from __future__ import annotations

import json
import pickletools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_SUFFIXES = {
    ".pkl": "pickle",
    ".pickle": "pickle",
    ".joblib": "pickle",
    ".onnx": "onnx",
    ".pt": "pytorch",
    ".pth": "pytorch",
    ".ubj": "xgboost",
    ".xgb": "xgboost",
}
# Checked in this order: an XGBoost or LightGBM estimator pickles sklearn base classes too.
_PICKLE_LIBRARIES = ("xgboost", "lightgbm", "catboost", "sklearn", "torch")
_PICKLE_SCAN_BYTES = 16 * 1024 * 1024
MAX_EXAMPLE_BYTES = 64 * 1024


@dataclass
class ModelFacts:
    """What was learned from a model's files."""

    flavor: str = "custom"
    flavors: list[str] = field(default_factory=list)
    signature: dict[str, Any] | None = None
    input_example: Any = None


def pickle_library(head: bytes) -> str | None:
    """The ML library a pickle's classes come from, or None.

    Example:
        >>> import pickle, collections
        >>> pickle_library(pickle.dumps(collections.OrderedDict())) is None
        True
    """
    modules: set[str] = set()
    try:
        for opcode, arg, _ in pickletools.genops(head):
            if opcode.name in ("GLOBAL", "INST") and isinstance(arg, str):
                modules.add(arg.split(" ", 1)[0])
            elif isinstance(arg, str) and "." in arg and " " not in arg:
                modules.add(arg)  # STACK_GLOBAL: the module is a pushed string
    except Exception:  # noqa: BLE001, S110 - a truncated or odd stream: use what was read
        pass
    for library in _PICKLE_LIBRARIES:
        if any(m == library or m.startswith(library + ".") for m in modules):
            return library
    return None


def _mlmodel_facts(raw: bytes, read: Callable[[str], bytes | None], folder: str) -> ModelFacts:
    import yaml

    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError:
        return ModelFacts(flavor="mlflow")
    if not isinstance(data, dict):
        return ModelFacts(flavor="mlflow")
    facts = ModelFacts(flavor="mlflow", flavors=sorted(str(f) for f in data.get("flavors") or {}))
    signature = data.get("signature")
    if isinstance(signature, dict):
        parsed: dict[str, Any] = {}
        for part in ("inputs", "outputs", "params"):
            value = signature.get(part)
            if isinstance(value, str):
                try:
                    parsed[part] = json.loads(value)
                except json.JSONDecodeError:
                    parsed[part] = value
        facts.signature = parsed or None
    info = data.get("saved_input_example_info")
    if isinstance(info, dict) and isinstance(info.get("artifact_path"), str):
        body = read(f"{folder}{info['artifact_path']}")
        if body is not None and len(body) <= MAX_EXAMPLE_BYTES:
            try:
                facts.input_example = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                facts.input_example = None
    return facts


def model_facts(paths: list[str], read: Callable[[str], bytes | None]) -> ModelFacts:
    """Flavor, signature and input example of a model from its file paths.

    Args:
        paths: The model's files, relative to its root.
        read: Reads (the head of) one of those files; None when it cannot.
    """
    mlmodel = next((p for p in sorted(paths) if p.rsplit("/", 1)[-1] == "MLmodel"), None)
    if mlmodel is not None:
        raw = read(mlmodel)
        folder = mlmodel[: -len("MLmodel")]
        return _mlmodel_facts(raw or b"", read, folder)
    for path in sorted(paths):
        lowered = path.lower()
        for suffix, flavor in _SUFFIXES.items():
            if not lowered.endswith(suffix):
                continue
            if flavor == "pickle":
                head = read(path)
                library = pickle_library(head) if head else None
                return ModelFacts(flavor=library or "sklearn")
            return ModelFacts(flavor=flavor)
    if any(p.lower().endswith(".txt") for p in paths):
        for path in paths:
            head = read(path) if path.lower().endswith(".txt") else None
            if head and head.startswith(b"tree\nversion="):
                return ModelFacts(flavor="lightgbm")
    return ModelFacts()
