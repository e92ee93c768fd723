"""Load an Azure ML CLI v2 job YAML file (``basalt job create -f job.yml --set k=v``).

In order: read the file with line numbers; decide the kind (``type``, or command when there is a
``command``); drop the keys that only mean something on Azure (one warning names them); apply
``--set`` overrides; resolve local paths against the file's folder; read the files an inline
environment names; validate, reporting ``job.yml:<line>: <key>: <what to do>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from basalt.errors import invalid
from basalt.spec.environment_yaml import load_environment_dict, load_environment_yaml
from basalt.spec.jobs import CommandJob, InputType, SweepJob
from basalt.spec.references import LocalPath, classify, is_local
from basalt.spec.yaml_files import KeyPath, Lines, load_mapping, validate_file

AZURE_ONLY_KEYS = ("identity", "services", "queue_settings")
SUPPORTED_KINDS = ("command", "sweep")
NOT_YET_KINDS = ("pipeline", "automl", "spark", "parallel", "finetuning", "distillation")
_DATA_TYPES = {t.value for t in InputType if not t.is_literal}


@dataclass
class LoadedJob:
    """A validated job spec, the folder its relative paths were resolved against, and warnings."""

    spec: CommandJob | SweepJob
    base_dir: Path
    path: Path
    warnings: list[str] = field(default_factory=list)


def load_job(path: Path, overrides: Sequence[str] = ()) -> LoadedJob:
    """Load, override, resolve and validate a job YAML file.

    Raises:
        InvalidArgumentError: The file, an override, a path or a key is wrong; the message names
            the file, line and key, and says what to do.
    """
    data, lines = load_mapping(path)
    base_dir = path.resolve().parent
    kind = _kind(data, path, lines)
    warnings = _drop_azure_only(data, lines, path)
    overridden = [apply_override(data, text) for text in overrides]
    where = _Where(path, lines, overridden)
    _resolve_runnable(data, base_dir, where, ())
    if isinstance(data.get("trial"), dict):
        _resolve_runnable(data["trial"], base_dir, where, ("trial",))
    for section in ("inputs", "outputs"):
        _resolve_io(data, section, base_dir, where)
    model: type[CommandJob | SweepJob] = SweepJob if kind == "sweep" else CommandJob
    data["type"] = kind
    spec = validate_file(model, data, lines, path, overridden=overridden)
    return LoadedJob(spec=spec, base_dir=base_dir, path=path, warnings=warnings)


def parse_override(text: str) -> tuple[tuple[str, ...], Any]:
    """Split ``a.b.c=value`` into its key path and its value read as YAML.

    Raises:
        InvalidArgumentError: No ``=``, an empty key or an empty key segment.
    """
    key, sep, raw = text.partition("=")
    keys = tuple(part.strip() for part in key.split("."))
    if not sep or not key.strip() or any(not part for part in keys):
        raise invalid(
            "set",
            f"--set {text!r}: expected KEY=VALUE with a dotted key, "
            "e.g. --set inputs.lr=0.01 or --set compute=local",
        )
    if keys[-1] == "version" or raw.strip() == "":
        return keys, raw
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    return keys, value


def apply_override(data: dict[str, Any], text: str) -> KeyPath:
    """Apply one ``--set`` override to the raw job data; returns the key path it set.

    ``inputs.<name>=v`` on an input written as a dict sets its ``value`` (its ``path`` for a data
    input); elsewhere the value replaces what is there, creating mappings on the way.
    """
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
    last = keys[-1]
    existing = target.get(last)
    if len(keys) == 2 and keys[0] == "inputs" and isinstance(existing, dict):
        is_data = existing.get("type", "uri_folder") in _DATA_TYPES and "value" not in existing
        existing["path" if is_data else "value"] = str(value) if is_data else value
        return (*keys, "path" if is_data else "value")
    target[last] = value
    return keys


def _kind(data: dict[str, Any], path: Path, lines: Lines) -> str:
    kind = data.get("type")
    if kind is None:
        if "command" in data:
            return "command"
        raise invalid(
            "type",
            f"{path}: cannot tell what kind of job this is; add type: command (with a command) "
            "or type: sweep",
        )
    if kind in SUPPORTED_KINDS:
        return str(kind)
    line = lines.get(("type",), 1)
    if kind in NOT_YET_KINDS:
        raise invalid(
            "type",
            f"{path}:{line}: type: {kind} jobs are not supported yet; supported: command, sweep",
        )
    raise invalid("type", f"{path}:{line}: type: unknown job type {kind!r}; use command or sweep")


def _drop_azure_only(data: dict[str, Any], lines: Lines, path: Path) -> list[str]:
    found: list[str] = []
    places: list[tuple[KeyPath, dict[str, Any]]] = [((), data)]
    if isinstance(data.get("trial"), dict):
        places.append((("trial",), data["trial"]))
    for prefix, place in places:
        for key in AZURE_ONLY_KEYS:
            if key in place:
                del place[key]
                full = (*prefix, key)
                found.append(f"{'.'.join(map(str, full))} (line {lines.get(full, '?')})")
    if not found:
        return []
    return [f"{path}: ignored keys that only mean something on Azure: {', '.join(found)}"]


@dataclass
class _Where:
    path: Path
    lines: Lines
    overridden: list[KeyPath]

    def __call__(self, keys: KeyPath) -> str:
        dotted = ".".join(map(str, keys))
        if any(keys[: len(o)] == o for o in self.overridden):
            return f"{self.path}: {dotted} (from --set)"
        line = next(
            (self.lines[keys[:n]] for n in range(len(keys), 0, -1) if keys[:n] in self.lines), None
        )
        return f"{self.path}:{line}: {dotted}" if line else f"{self.path}: {dotted}"


def _absolute(text: str, base_dir: Path) -> Path:
    found = classify(text)
    assert isinstance(found, LocalPath)
    local = Path(found.path).expanduser()
    return local if local.is_absolute() else (base_dir / local).resolve()


def _resolve_runnable(data: dict[str, Any], base_dir: Path, where: _Where, prefix: KeyPath) -> None:
    code = data.get("code")
    if isinstance(code, str) and is_local(code):
        resolved = _absolute(code, base_dir)
        if not resolved.exists():
            raise invalid(
                "code",
                f"{where((*prefix, 'code'))}: {resolved} does not exist; "
                "point code at your source folder",
            )
        data["code"] = str(resolved)
    env = data.get("environment")
    if isinstance(env, str) and _is_env_file(env):
        env_path = _absolute(env, base_dir)
        if not env_path.is_file():
            raise invalid(
                "environment",
                f"{where((*prefix, 'environment'))}: {env_path} is not an environment YAML file; "
                "write a file path, azureml:<name>:<version> or an inline environment",
            )
        data["environment"] = load_environment_yaml(env_path)
    elif isinstance(env, dict):
        data["environment"] = load_environment_dict(env, base_dir)


def _is_env_file(text: str) -> bool:
    stripped = text.strip()
    return is_local(stripped) and (
        stripped.startswith("file:") or stripped.endswith((".yml", ".yaml"))
    )


def _resolve_io(data: dict[str, Any], section: str, base_dir: Path, where: _Where) -> None:
    entries = data.get(section)
    if not isinstance(entries, dict):
        return
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        text = entry["path"]
        if not is_local(text):
            continue
        resolved = _absolute(text, base_dir)
        if section == "inputs" and not resolved.exists():
            raise invalid(
                f"inputs.{name}.path",
                f"{where((section, name, 'path'))}: {resolved} does not exist; "
                "give an existing file or folder, or a URI such as azureml:<data>@latest",
            )
        entries[name] = {**entry, "path": str(resolved)}
