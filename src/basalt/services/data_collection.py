"""Data collection's files: queued requests and answers as JSON lines in the default datastore.

Each record is a line in the shape of Azure ML's data collector (a CloudEvent):
``{"specversion": "1.0", "id", "source", "type": "azureml.inference.model_inputs", "time",
"datacontenttype", "data", "correlationid", "xrequestid"}``, where ``data`` is the body
parsed as JSON (or the text, when it is not JSON). Files are written whole, one per flush and
collection, so object stores need no appends:

    workspaceblobstore: modelDataCollector/<endpoint>/<deployment>/<collection>/YYYY/MM/DD/HH/
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from basalt.artifacts.store import ArtifactStore
from basalt.services.datastores import DEFAULT_DATASTORE, DatastoreService
from basalt.serving.collection import CollectedRecord

logger = logging.getLogger(__name__)

ROOT = "modelDataCollector"
Key = tuple[str, str, str]


class DataCollectionService:
    """Writes collected records to ``workspaceblobstore``."""

    def __init__(self, artifacts: ArtifactStore, datastores: DatastoreService) -> None:
        self.artifacts = artifacts
        self.datastores = datastores

    def write(self, records: Sequence[CollectedRecord]) -> tuple[dict[Key, int], dict[Key, int]]:
        """Write records, one file per (deployment, collection, hour).

        Returns:
            Records written and records dropped (a file that could not be written), per
            (workspace, endpoint, deployment). Never raises for a storage failure: it is
            logged, and the records are counted as dropped.
        """
        groups: dict[tuple[Key, str, str], list[CollectedRecord]] = defaultdict(list)
        for r in records:
            hour = datetime.fromtimestamp(r.time, UTC).strftime("%Y/%m/%d/%H")
            groups[((r.workspace, r.endpoint, r.deployment), r.collection, hour)].append(r)
        written: dict[Key, int] = defaultdict(int)
        dropped: dict[Key, int] = defaultdict(int)
        for (key, collection, hour), group in groups.items():
            ws, endpoint, deployment = key
            path = f"{ROOT}/{endpoint}/{deployment}/{collection}/{hour}/{uuid.uuid4().hex}.jsonl"
            data = "".join(json.dumps(_event(r), separators=(",", ":")) + "\n" for r in group)
            try:
                full = self.datastores.prefix(ws, DEFAULT_DATASTORE, path)
                self.artifacts.put_bytes(full, data.encode("utf-8"))
            except Exception as exc:  # a full disk or an unreachable store: never the caller's
                logger.warning(
                    "data collection dropped %d record(s) of %s/%s (%s): %s",
                    len(group),
                    endpoint,
                    deployment,
                    collection,
                    exc,
                )
                dropped[key] += len(group)
                continue
            written[key] += len(group)
        return dict(written), dict(dropped)


def _event(r: CollectedRecord) -> dict[str, Any]:
    text = r.body.decode("utf-8", errors="replace")
    try:
        data: Any = json.loads(text)
    except ValueError:
        data = text
    return {
        "specversion": "1.0",
        "id": uuid.uuid4().hex,
        "source": f"/workspaces/{r.workspace}/onlineEndpoints/{r.endpoint}/deployments/"
        f"{r.deployment}",
        "type": f"azureml.inference.{r.collection}",
        "datacontenttype": r.content_type or "application/json",
        "time": datetime.fromtimestamp(r.time, UTC).isoformat(),
        "data": data,
        "correlationid": r.request_id,
        "xrequestid": r.request_id,
    }
