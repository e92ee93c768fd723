"""Load a datastore YAML file (Azure ML's shape) into a ``DatastoreCreate``.

Errors say ``ds.yml:<line>: <key>: <what to do>``, as other spec files do; the model is chosen
by ``type:`` so a key another type takes is reported as unknown for this one.
"""

from __future__ import annotations

from pathlib import Path

from basalt.errors import invalid
from basalt.spec.datastores import DATASTORE_YAML, DatastoreCreate, LocalYaml
from basalt.spec.yaml_files import load_mapping, validate_file


def load_datastore_yaml(file: Path) -> DatastoreCreate:
    """A ``DatastoreCreate`` from a datastore YAML file; a relative local path is relative to it.

    Raises:
        InvalidArgumentError: ``<file>:<line>: <key>: <what to do>``.
    """
    data, lines = load_mapping(file)
    kind = data.get("type")
    model = DATASTORE_YAML.get(kind) if isinstance(kind, str) else None
    if model is None:
        line = lines.get(("type",), 1)
        raise invalid(
            "type",
            f"{file}:{line}: type: {kind!r} is not a datastore type; use one of: "
            + ", ".join(DATASTORE_YAML),
        )
    spec = validate_file(model, data, lines, file)
    fields = spec.model_dump(exclude={"schema_"}, exclude_none=True)
    if isinstance(spec, LocalYaml):
        path = Path(spec.path).expanduser()
        fields["path"] = str(path if path.is_absolute() else (file.parent / path).resolve())
    return DatastoreCreate.model_validate(fields)
