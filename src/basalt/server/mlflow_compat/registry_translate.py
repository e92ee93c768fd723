"""Pure translation between MLflow's model registry and Basalt's model versions.

A registered model is a Basalt model name; it exists while one of its versions is not archived.
Its description and tags are properties of its oldest version (``mlflow.registered_model.*``),
since Basalt keeps no record per name. A version's stage is its tag ``mlflow.stage``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from basalt.errors import invalid
from basalt.server.mlflow_compat.translate import to_ms
from basalt.spec.models import Model

STAGE_TAG = "mlflow.stage"
RM_PREFIX = "mlflow.registered_model."
RM_DESCRIPTION = RM_PREFIX + "description"
RM_TAG = RM_PREFIX + "tag."
MODELS_ARTIFACT_ROOT = "models"
STAGES = {s.lower(): s for s in ("None", "Staging", "Production", "Archived")}

_COND = re.compile(
    r"""\s*(?P<key>(?:tags?\.)?(?:`[^`]+`|"[^"]+"|[\w.]+))\s*
    (?P<op>!=|=|LIKE|ILIKE)\s*
    (?P<value>'(?:[^']*)'|"(?:[^"]*)"|-?\d+)\s*(?:AND\b|$)""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class Cond:
    """One comparison of a registry filter: ``key`` is ``name``, ``run_id``... or ``tags.<k>``."""

    key: str
    op: str
    value: str


def parse_filter(text: str | None, keys: tuple[str, ...]) -> list[Cond]:
    """The comparisons of an ``AND``-joined registry filter over attributes ``keys`` and tags.

    Raises:
        InvalidArgumentError: Anything else (``OR``, parentheses, another attribute or operator).
    """
    out: list[Cond] = []
    rest = (text or "").strip()
    while rest:
        found = _COND.match(rest)
        if found is None:
            raise invalid("filter", f"Invalid filter {text!r}: unsupported at {rest!r}")
        key, op, value = found["key"], found["op"].upper(), found["value"]
        entity, _, tag = key.partition(".")
        if tag and entity.lower() in ("tag", "tags"):
            key = "tags." + tag.strip('`"')
        elif key.lower() not in keys:
            raise invalid("filter", f"Invalid filter {text!r}: unknown attribute {key!r}")
        else:
            key = key.lower()
        out.append(Cond(key, op, value.strip("'\"")))
        rest = rest[found.end() :].strip()
    return out


def _like(pattern: str, value: str, ignore_case: bool) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return (
        re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)
        is not None
    )


def matches(conds: list[Cond], attributes: dict[str, str | None], tags: dict[str, str]) -> bool:
    """Whether one record meets every comparison (a missing tag meets only ``!=``)."""
    for c in conds:
        value = tags.get(c.key[5:]) if c.key.startswith("tags.") else attributes.get(c.key)
        if c.op == "!=":
            ok = value != c.value
        elif value is None:
            ok = False
        elif c.op == "=":
            ok = value == c.value
        else:
            ok = _like(c.value, value, c.op == "ILIKE")
        if not ok:
            return False
    return True


def stage_of(model: Model) -> str:
    """MLflow's ``current_stage`` of a version."""
    return model.tags.get(STAGE_TAG, "None")


def check_stage(stage: str) -> str:
    """MLflow's spelling of a stage given in any case.

    Raises:
        InvalidArgumentError: Not one of None, Staging, Production, Archived.
    """
    found = STAGES.get(stage.lower())
    if found is None:
        raise invalid(
            "stage",
            f"Invalid Model Version stage: {stage}. Value must be one of "
            "None, Staging, Production, Archived.",
        )
    return found


def to_model_version(model: Model) -> dict[str, Any]:
    """A Basalt model version as MLflow's ``ModelVersion`` (always READY)."""
    tags = {k: v for k, v in model.tags.items() if k != STAGE_TAG}
    return {
        "name": model.name,
        "version": model.version,
        "creation_timestamp": to_ms(model.created_at),
        "last_updated_timestamp": to_ms(model.updated_at),
        "user_id": model.created_by,
        "current_stage": stage_of(model),
        "description": model.description,
        "source": model.path,
        "run_id": model.job_name,
        "status": "READY",
        "tags": pairs(tags),
        "aliases": list(model.labels),
    }


def to_registered_model(versions: list[Model], anchor: Model) -> dict[str, Any]:
    """MLflow's ``RegisteredModel`` of a name from its live ``versions`` (newest first).

    ``anchor`` is the oldest version (archived or not), which holds the name's description
    and tags.
    """
    latest: dict[str, Model] = {}
    for v in versions:
        latest.setdefault(stage_of(v), v)
    props = anchor.properties
    return {
        "name": anchor.name,
        "creation_timestamp": to_ms(min(v.created_at for v in versions)),
        "last_updated_timestamp": to_ms(max(v.updated_at for v in versions)),
        "user_id": anchor.created_by,
        "description": props.get(RM_DESCRIPTION, ""),
        "latest_versions": [to_model_version(v) for v in latest.values()],
        "tags": pairs({k[len(RM_TAG) :]: v for k, v in props.items() if k.startswith(RM_TAG)}),
        "aliases": [{"alias": label, "version": v.version} for v in versions for label in v.labels],
    }


def source_to_path(source: str) -> str:
    """The Basalt model path (``runs:/<run>/<path>``) of an MLflow version ``source``.

    Raises:
        InvalidArgumentError: A source that is not a run's files.
    """
    if source.startswith("runs:/"):
        return source
    for prefix in ("mlflow-artifacts:/runs/", "mlflow-artifacts:///runs/"):
        if source.startswith(prefix):
            return "runs:/" + source[len(prefix) :]
    marker = "/mlflow-artifacts/artifacts/runs/"
    if source.startswith(("http://", "https://")) and marker in source:
        return "runs:/" + source.split(marker, 1)[1]
    raise invalid(
        "source",
        f"Unsupported model version source {source!r}: Basalt registers the files of a run "
        "(runs:/<run_id>/<path> or mlflow-artifacts:/runs/<run_id>/<path>)",
    )


def download_uri(name: str, version: str) -> str:
    """Where the client downloads a version's files through the proxied artifact API.

    Raises:
        InvalidArgumentError: A name with ``/`` (it could not be told from the path).
    """
    if "/" in name:
        raise invalid("name", f"Model name {name!r} contains '/'; it has no download URI")
    return f"mlflow-artifacts:/{MODELS_ARTIFACT_ROOT}/{name}/{version}"


def split_model_path(clean: str) -> tuple[str, str, str] | None:
    """``models/<name>/<version>/<rest>`` as ``(name, version, rest)``; None for other paths."""
    parts = clean.split("/", 3)
    if len(parts) < 3 or parts[0] != MODELS_ARTIFACT_ROOT or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2], parts[3] if len(parts) == 4 else ""


def pairs(values: dict[str, str]) -> list[dict[str, str]]:
    """MLflow's ``[{key, value}]`` list, sorted by key."""
    return [{"key": k, "value": v} for k, v in sorted(values.items())]
