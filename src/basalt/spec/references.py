"""Asset and path references in every form Azure ML CLI v2 YAML uses.

``classify(text)`` sorts any string given where a path or reference is expected into one of:

- ``AssetRef``: ``azureml:<name>:<version>``, ``azureml:<name>@<label>``, ``azureml:<name>``
  (a named resource such as a compute or datastore, or an asset at its latest version),
  ``azureml://registries/<reg>/<kind>/<name>[/versions/<v> | /labels/<label>]`` and
  ``azureml://locations/<loc>/workspaces/<id>/<kind>/<name>/versions/<v>``;
- ``DatastorePath``: ``azureml://datastores/<ds>/paths/<path>`` (also inside a long
  ``azureml://subscriptions/.../datastores/...`` URI);
- ``JobOutputRef``: ``azureml://jobs/<job>/outputs/<output>[/paths/<p>]``;
- ``RunPathRef``: ``runs:/<run>/<path>`` (MLflow);
- ``RemoteUri``: ``http(s)://``, ``s3://``, ``wasb(s)://``, ``abfs(s)://``, ``gs://``, ``adl://``;
- ``LocalPath``: anything else (a ``file:`` prefix is stripped).

An ``AssetRef`` with neither ``version`` nor ``label`` means the latest version, as a registry
URI without a suffix does on Azure. Bare ``name:version`` and ``name@label`` are accepted only by
``parse_asset_ref``, where an asset is expected (elsewhere they would shadow local paths).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from basalt.errors import invalid

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.\-]*"
_SEGMENT = r"[A-Za-z0-9_.\-]+"
_SHORT = re.compile(rf"^(?P<name>{_NAME})(?::(?P<version>{_SEGMENT})|@(?P<label>{_SEGMENT}))?$")
_REMOTE_SCHEMES = ("http", "https", "s3", "wasb", "wasbs", "abfs", "abfss", "gs", "adl")
_KINDS = {
    "environments": "environment",
    "models": "model",
    "components": "component",
    "data": "data",
}
_FORMS = (
    "azureml:<name>:<version>, azureml:<name>@latest, azureml:<name>@<label>, <name>:<version>, "
    "<name>@latest, or azureml://registries/<registry>/<kind>/<name>/versions/<version>"
)


@dataclass(frozen=True)
class AssetRef:
    """A versioned asset (or a named resource); no version and no label means the latest."""

    name: str
    version: str | None = None
    label: str | None = None
    registry: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class DatastorePath:
    """A path inside a datastore (``azureml://datastores/<ds>/paths/<path>``)."""

    datastore: str
    path: str


@dataclass(frozen=True)
class JobOutputRef:
    """An output of an earlier job, optionally a path inside it."""

    job: str
    output: str
    path: str | None = None


@dataclass(frozen=True)
class RunPathRef:
    """An MLflow ``runs:/<run>/<path>`` URI."""

    run: str
    path: str


@dataclass(frozen=True)
class RemoteUri:
    """A direct cloud or web URI, passed through as written."""

    uri: str
    scheme: str


@dataclass(frozen=True)
class LocalPath:
    """A local file or folder, as written (``file:`` prefix removed, not yet resolved)."""

    path: str


Reference = AssetRef | DatastorePath | JobOutputRef | RunPathRef | RemoteUri | LocalPath


def is_local(text: str) -> bool:
    """True when ``text`` is a local path (and holds no ``${{ }}`` expression)."""
    return "${{" not in text and isinstance(classify(text), LocalPath)


def classify(text: str) -> Reference:
    """Sort a path or reference string into its kind.

    Raises:
        InvalidArgumentError: An ``azureml://`` or ``runs:/`` URI of no known form.
    """
    stripped = text.strip()
    if stripped.startswith("azureml://"):
        return _classify_azureml_uri(stripped)
    if stripped.startswith("azureml:"):
        return _parse_short(stripped[len("azureml:") :], stripped, None)
    if stripped.startswith("runs:/"):
        run, _, path = stripped[len("runs:/") :].lstrip("/").partition("/")
        if not run:
            raise invalid("path", f"{text!r} is not a valid MLflow URI; write runs:/<run>/<path>")
        return RunPathRef(run=run, path=path)
    scheme, sep, _ = stripped.partition("://")
    if sep and scheme.lower() in _REMOTE_SCHEMES:
        return RemoteUri(uri=stripped, scheme=scheme.lower())
    if stripped.startswith("file:"):
        stripped = stripped[len("file:") :]
        if stripped.startswith("//"):
            stripped = stripped[2:]
    return LocalPath(path=stripped)


def parse_asset_ref(text: str, kind: str) -> AssetRef:
    """Parse a reference to an asset of ``kind`` (environment, model, data, component).

    Raises:
        InvalidArgumentError: ``text`` is not an asset reference, or names another kind.
    """
    stripped = text.strip()
    if stripped.startswith("azureml:") and not stripped.startswith("azureml://"):
        ref = _parse_short(stripped[len("azureml:") :], text, kind)
    elif stripped.startswith("azureml://"):
        found = _classify_azureml_uri(stripped)
        if not isinstance(found, AssetRef):
            raise invalid(kind, f"{text!r} is a path, not a {kind} reference; write {_FORMS}")
        ref = found
    else:
        ref = _parse_short(stripped, text, kind)
    if ref.kind is not None and ref.kind != kind:
        raise invalid(kind, f"{text!r} refers to a {ref.kind}, but a {kind} is expected here")
    return AssetRef(ref.name, ref.version, ref.label, ref.registry, kind)


def strip_compute(text: str) -> str:
    """The compute name of ``azureml:<name>`` or a bare ``<name>``.

    Raises:
        InvalidArgumentError: The text is empty or is not a plain name.
    """
    name = text.strip()
    if name.startswith("azureml:"):
        name = name[len("azureml:") :]
    if not re.fullmatch(_NAME, name):
        raise invalid(
            "compute",
            f"compute {text!r} is not a compute name; write a name such as local or "
            "azureml:cpu-cluster",
        )
    return name


def _parse_short(body: str, text: str, kind: str | None) -> AssetRef:
    match = _SHORT.match(body)
    if match is None:
        what = f"a {kind} reference" if kind else "a valid azureml: reference"
        raise invalid(kind or "reference", f"{text!r} is not {what}; write {_FORMS}")
    return AssetRef(name=match["name"], version=match["version"], label=match["label"], kind=kind)


def _classify_azureml_uri(text: str) -> Reference:
    parts = text[len("azureml://") :].split("/")
    if "datastores" in parts:
        i = parts.index("datastores")
        if len(parts) > i + 3 and parts[i + 2] == "paths" and parts[i + 1]:
            return DatastorePath(datastore=parts[i + 1], path="/".join(parts[i + 3 :]))
    elif parts[:1] == ["jobs"] and len(parts) >= 4 and parts[2] == "outputs" and parts[1]:
        if len(parts) == 4:
            return JobOutputRef(job=parts[1], output=parts[3])
        if len(parts) > 5 and parts[4] == "paths":
            return JobOutputRef(job=parts[1], output=parts[3], path="/".join(parts[5:]))
    elif parts[:1] == ["registries"] and len(parts) >= 4 and parts[2] in _KINDS:
        ref = _versioned(parts[3:])
        if ref is not None:
            return AssetRef(ref[0], ref[1], ref[2], registry=parts[1], kind=_KINDS[parts[2]])
    elif parts[:1] == ["locations"] and len(parts) >= 6 and parts[4] in _KINDS:
        ref = _versioned(parts[5:])
        if ref is not None:
            return AssetRef(ref[0], ref[1], ref[2], kind=_KINDS[parts[4]])
    raise invalid(
        "path",
        f"{text!r} is not an azureml:// URI Basalt knows; write "
        "azureml://datastores/<datastore>/paths/<path>, "
        "azureml://jobs/<job>/outputs/<output>[/paths/<path>] or "
        "azureml://registries/<registry>/<kind>/<name>[/versions/<v> | /labels/<label>]",
    )


def _versioned(rest: list[str]) -> tuple[str, str | None, str | None] | None:
    if not rest or not re.fullmatch(_NAME, rest[0]):
        return None
    if len(rest) == 1:
        return rest[0], None, None
    if len(rest) == 3 and rest[1] == "versions" and rest[2]:
        return rest[0], rest[2], None
    if len(rest) == 3 and rest[1] == "labels" and rest[2]:
        return rest[0], None, rest[2]
    return None
