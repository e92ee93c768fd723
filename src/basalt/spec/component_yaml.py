"""Load an Azure ML command component YAML file (``basalt component create -f component.yml``).

In order: read the file with line numbers; check ``type`` (command only, for now) and
``$schema``; apply ``--set`` overrides; make the local ``code`` folder absolute (it must exist);
read the files an inline or file environment names; validate, reporting
``component.yml:<line>: <key>: <what to do>`` (a command naming an undeclared input is reported
at the ``command`` key's line).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from basalt.errors import invalid
from basalt.spec.components import COMPONENT_SCHEMA, ComponentCreate, ComponentYaml
from basalt.spec.environment_yaml import load_environment_dict, load_environment_yaml
from basalt.spec.job_yaml import parse_override
from basalt.spec.references import LocalPath, classify, is_local
from basalt.spec.yaml_files import KeyPath, Lines, load_mapping, validate_file

NOT_YET_TYPES = ("pipeline", "parallel", "spark", "automl", "sweep", "data_transfer")
UNSUPPORTED_KEYS = {
    "additional_includes": "copy the files it names into the code folder instead",
}


@dataclass
class LoadedComponent:
    """A validated component, the folder its relative paths were resolved against, and warnings."""

    body: ComponentCreate
    base_dir: Path
    path: Path
    warnings: list[str] = field(default_factory=list)


def load_component(path: Path, overrides: Sequence[str] = ()) -> LoadedComponent:
    """Load, override, resolve and validate a command component YAML file.

    Raises:
        InvalidArgumentError: The file, an override, a path or a key is wrong; the message names
            the file, line and key, and says what to do.
    """
    data, lines = load_mapping(path)
    base_dir = path.resolve().parent
    warnings = _check_head(data, lines, path)
    overridden = [_apply_override(data, text) for text in overrides]

    def where(keys: KeyPath) -> str:
        dotted = ".".join(map(str, keys))
        if any(keys[: len(o)] == o for o in overridden):
            return f"{path}: {dotted} (from --set)"
        line = lines.get(keys)
        return f"{path}:{line}: {dotted}" if line else f"{path}: {dotted}"

    _resolve_code(data, base_dir, where)
    _resolve_environment(data, base_dir, where)
    data["type"] = "command"
    parsed = validate_file(ComponentYaml, data, lines, path, overridden=overridden)
    body = ComponentCreate.model_validate(
        parsed.model_dump(exclude={"schema_"}, exclude_unset=True)
    )
    return LoadedComponent(body=body, base_dir=base_dir, path=path, warnings=warnings)


def _check_head(data: dict[str, Any], lines: Lines, path: Path) -> list[str]:
    kind = data.get("type", "command")
    line = lines.get(("type",), 1)
    if kind in NOT_YET_TYPES:
        raise invalid(
            "type",
            f"{path}:{line}: type: {kind} components are not supported yet; supported: command",
        )
    if kind != "command":
        raise invalid("type", f"{path}:{line}: type: unknown component type {kind!r}; use command")
    for key, what in UNSUPPORTED_KEYS.items():
        if key in data:
            raise invalid(key, f"{path}:{lines.get((key,), 1)}: {key} is not supported yet; {what}")
    schema = data.get("$schema")
    if isinstance(schema, str) and schema and not schema.endswith("commandComponent.schema.json"):
        return [
            f"{path}:{lines.get(('$schema',), 1)}: $schema {schema!r} is not the command "
            f"component schema ({COMPONENT_SCHEMA}); reading the file as a command component"
        ]
    return []


def _apply_override(data: dict[str, Any], text: str) -> KeyPath:
    """Set one ``--set key.path=value`` in the raw data; returns the key path it set."""
    keys, value = parse_override(text)
    target: dict[str, Any] = data
    for depth, key in enumerate(keys[:-1]):
        child = target.get(key)
        if child is None:
            child = target[key] = {}
        if not isinstance(child, dict):
            above = ".".join(keys[: depth + 1])
            raise invalid("set", f"--set {text!r}: {above} is not a mapping, so it has no keys")
        target = child
    target[keys[-1]] = value
    return keys


def _resolve_code(data: dict[str, Any], base_dir: Path, where: Any) -> None:
    code = data.get("code")
    if code is None:
        return
    if not isinstance(code, str) or not code.strip():
        raise invalid("code", f"{where(('code',))}: expected the path of your source folder")
    if not is_local(code):
        raise invalid(
            "code",
            f"{where(('code',))}: {code!r} is not a local folder; only local code folders are "
            "supported yet: point code at your source folder (e.g. code: ./src)",
        )
    found = classify(code)
    assert isinstance(found, LocalPath)
    local = Path(found.path).expanduser()
    resolved = local if local.is_absolute() else (base_dir / local).resolve()
    if not resolved.exists():
        raise invalid(
            "code",
            f"{where(('code',))}: {resolved} does not exist; point code at your source folder",
        )
    data["code"] = str(resolved)


def _resolve_environment(data: dict[str, Any], base_dir: Path, where: Any) -> None:
    """Read an environment given as a YAML file or inline (its conda file, its build folder)."""
    env = data.get("environment")
    if isinstance(env, dict):
        data["environment"] = load_environment_dict(env, base_dir)
        return
    if not isinstance(env, str):
        return
    text = env.strip()
    if not (is_local(text) and (text.startswith("file:") or text.endswith((".yml", ".yaml")))):
        return
    found = classify(text)
    assert isinstance(found, LocalPath)
    local = Path(found.path).expanduser()
    env_path = local if local.is_absolute() else (base_dir / local).resolve()
    if not env_path.is_file():
        raise invalid(
            "environment",
            f"{where(('environment',))}: {env_path} is not an environment YAML file; write a "
            "file path, azureml:<name>:<version>, <name>@latest or an inline environment",
        )
    data["environment"] = load_environment_yaml(env_path)
