"""Data assets: versioned files with a type (uri_file, uri_folder, mltable) on the asset rules.

A data version's files are stored content-addressed in the same blobs as models
(``SnapshotStore``): a local path is uploaded by the SDK (only contents the store lacks), then
created with its file list; ``runs:/<run>/<path>`` and
``azureml://jobs/<job>/outputs/<output>[/paths/<p>]`` are copied from the run's files here,
recording the run. ``content_id`` is the id of the files' manifest, so re-creating a version with
the same files (and type) is idempotent, as environments are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from basalt._internal.clock import Clock
from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts.snapshots import SnapshotFile, SnapshotStore
from basalt.errors import InvalidArgumentError, invalid
from basalt.services._asset_files import FileBackedAssetService, copy_run_files
from basalt.services._run_rows import get_run_row
from basalt.services.data_profile import profile_data
from basalt.services.workspaces import workspace_id
from basalt.spec.data import (
    MLTABLE_FILES,
    Data,
    DataCreate,
    DataProfile,
    DataType,
    uri_file_is_folder,
)
from basalt.spec.mltable import MLTable, parse_mltable
from basalt.spec.references import JobOutputRef, LocalPath, RunPathRef, classify
from basalt.store.tables import AssetVersionRow
from basalt.store.uow import Session, UnitOfWork

if TYPE_CHECKING:
    from basalt.services.datastores import DatastoreService
    from basalt.services.runs import RunService

ARTIFACTS_OUTPUT = "artifacts"
"""The job output that means all of a run's files (Azure ML's default output)."""


def run_source(path: str) -> tuple[str, str] | None:
    """``(run, path in the run's files)`` of a run URI; None for a local path.

    NOTE: a job's named output ``O`` lives in the run's files under ``O/``; the output named
    ``artifacts`` is the run's whole files.

    Raises:
        InvalidArgumentError: A remote or datastore path, or a reference that is not a path.
    """
    ref = classify(path)
    if isinstance(ref, LocalPath):
        return None
    if isinstance(ref, RunPathRef):
        return ref.run, ref.path.strip("/")
    if isinstance(ref, JobOutputRef):
        inner = (ref.path or "").strip("/")
        if ref.output != ARTIFACTS_OUTPUT:
            inner = f"{ref.output}/{inner}".strip("/")
        return ref.job, inner
    if path.lower().startswith(("http://", "https://")):
        raise invalid(
            "path",
            f"path {path!r} is a web address: Basalt registers data it can read without the "
            "network; download it and register the local copy (basalt data create --path "
            "./file), or put it on a datastore",
        )
    if path.lower().startswith(("s3://", "s3a://", "wasbs://", "wasb://", "abfss://", "abfs://")):
        raise invalid(
            "path",
            f"path {path!r} is on object storage that no datastore of this workspace covers: "
            "create one for its bucket or container (basalt datastore create -f ds.yml), then "
            "register it again",
        )
    raise invalid(
        "path",
        f"path {path!r} is not supported yet: register a local copy (a local file or folder), "
        "or a run's files (runs:/<run>/<path>, azureml://jobs/<job>/outputs/<output>)",
    )


class DataService(FileBackedAssetService[Data]):
    """Data asset rules.

    Args:
        uow: The unit of work.
        clock: Time source.
        blobs: The content-addressed blobs (shared with models).
        runs: The run service (a data version made from a run's files copies them).
    """

    kind = "data"
    noun = "Data asset"

    def __init__(self, uow: UnitOfWork, clock: Clock, blobs: SnapshotStore, runs: RunService):
        super().__init__(uow, clock)
        self.blobs = blobs
        self.runs = runs
        self.datastores: DatastoreService | None = None  # set by Services (data references)

    def create(self, workspace: str, body: DataCreate) -> Data:
        """Create a data version (the next integer version unless one is given).

        Creating a version that exists with the same files and type returns it unchanged, so
        re-running ``basalt data create -f data.yml`` is safe. Tabular data gets a column
        profile (``services/data_profile.py``).

        Raises:
            InvalidArgumentError: No files, files that do not fit ``type``, a path not supported
                yet, a bad version, or an MLTable that does not parse (an unknown
                transformation) or does not load (a file that does not read).
            AlreadyExistsError: The version exists with different content.
            NotFoundError: No such workspace or run.
        """
        if not body.path.strip():
            raise invalid("path", "path must not be empty")
        if self.datastores is not None:  # a datastore path is referenced in place
            from basalt.services.data_refs import create_reference

            reference = create_reference(self, self.datastores, workspace, body)
            if reference is not None:
                return reference
        with self.uow() as session:
            workspace_id(session, workspace)
        source = run_source(body.path)
        job_name = None
        if source is not None:
            job_name = source[0]
            files, single = copy_run_files(self.runs, self.blobs, workspace, *source, body.path)
        elif body.files is None:
            raise invalid(
                "files",
                f"path {body.path!r} is local: upload its files first (the SDK does this)",
            )
        else:
            single = len(body.files) == 1
            files = [
                SnapshotFile(normalize_artifact_path(f.path, field="files.path"), f.sha256, f.size)
                for f in body.files
            ]
        if not files:
            raise invalid("path", f"path {body.path!r} holds no files")
        table = self._check_type(body, files, single)
        cid = self.blobs.write_manifest(files)

        def same(row: AssetVersionRow) -> bool:
            return row.content_id == cid and row.spec.get("type") == body.type.value

        existing = self.find_same(workspace, body.name, body.version, same)
        if existing is not None:
            return existing
        # NOTE: profiled outside the write transaction (it reads up to a million rows).
        profile = profile_data(self.blobs, body.type, body.path, files, table)
        spec = {
            "type": body.type.value,
            "path": body.path,
            "size": sum(f.size for f in files),
            "files": [{"path": f.path, "sha256": f.sha256, "size": f.size} for f in files],
            "job_name": job_name,
            **({"profile": profile.model_dump(mode="json")} if profile else {}),
        }

        def producing_run(session: Session, ws_id: int) -> int | None:
            if job_name is None:
                return None
            return get_run_row(session, ws_id, workspace, job_name).id

        return self.create_version(
            workspace, body, spec, content_id=cid, same=same, run_id=producing_run
        )

    def to_specs(self, rows: list[AssetVersionRow], labels: dict[int, Any]) -> list[Data]:
        """Data versions as API models."""
        return [
            Data(
                name=r.name,
                version=r.version,
                type=DataType(r.spec.get("type", DataType.URI_FOLDER)),
                path=r.spec.get("path", ""),
                description=r.description,
                tags=dict(r.tags),
                properties=dict(r.properties),
                labels=list(labels.get(r.id, [])),
                archived=r.archived,
                created_at=r.created_at,
                updated_at=r.updated_at,
                created_by=r.created_by,
                job_name=r.spec.get("job_name"),
                size=int(r.spec.get("size", 0)),
                content_hash=r.content_id or r.spec.get("fingerprint", ""),
                files=[f["path"] for f in r.spec.get("files", [])],
                profile=DataProfile.model_validate(r.spec["profile"])
                if r.spec.get("profile")
                else None,
            )
            for r in rows
        ]

    def _check_type(
        self, body: DataCreate, files: list[SnapshotFile], single: bool
    ) -> MLTable | None:
        """The parsed MLTable of an ``mltable`` version (None for other types)."""
        if body.type == DataType.URI_FILE and (len(files) != 1 or not single):
            raise uri_file_is_folder(body.path)
        if body.type == DataType.MLTABLE:
            table = next((f for f in files if f.path in MLTABLE_FILES), None)
            if table is None:
                raise invalid(
                    "path",
                    f"path {body.path!r} has no MLTable file at its root; type mltable needs "
                    "one (paths: and transformations:), or use type uri_folder",
                )
            return self._check_mltable(body.path, table, files)
        return None

    def _check_mltable(self, path: str, table: SnapshotFile, files: list[SnapshotFile]) -> MLTable:
        """Parse the MLTable file and resolve its paths against the version's files.

        Raises:
            InvalidArgumentError: Not YAML, no ``paths:``, an unknown transformation, or a path
                that matches none of the files.
        """
        from basalt.tabular.plan import plan_mltable

        with self.blobs.open_blob(table.sha256) as fh:
            raw = fh.read(1024 * 1024)
        parsed = parse_mltable(raw, f"{path!r}: {table.path}")
        try:
            plan_mltable(parsed, [f.path for f in files])
        except InvalidArgumentError as exc:
            raise invalid("path", f"{path!r}: {exc.message}") from None
        return parsed
