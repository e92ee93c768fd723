"""The column profile a tabular data version gets at registration (stored in its spec).

Tabular means an ``mltable`` (its paths and transformations applied, as ``load_table`` does) or a
``uri_file``/``uri_folder`` of CSV, Parquet or JSON lines files. Files are read from the blob
store through ``basalt.tabular``. Without pyarrow (extra ``basalt[data]``) nothing is profiled.
An MLTable whose files cannot be read fails the registration (its transformations are wrong);
a plain folder that does not read as one table simply gets no profile.
"""

from __future__ import annotations

import logging
from typing import BinaryIO

from basalt.artifacts.snapshots import SnapshotFile, SnapshotStore
from basalt.errors import InvalidArgumentError, invalid
from basalt.spec.data import DataProfile, DataType
from basalt.spec.mltable import MLTable
from basalt.tabular import arrow_available
from basalt.tabular.plan import TablePlan, plan_files, plan_mltable
from basalt.tabular.profile import DEFAULT_MAX_ROWS, profile_batches
from basalt.tabular.transforms import stream_table

logger = logging.getLogger(__name__)

BATCH_ROWS = 65536


def profile_data(
    blobs: SnapshotStore,
    data_type: DataType,
    path: str,
    files: list[SnapshotFile],
    table: MLTable | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> DataProfile | None:
    """The profile of a data version's files; None when not tabular or pyarrow is missing.

    Args:
        blobs: Where the files' contents are.
        data_type: The version's type.
        path: The version's source path (for messages).
        files: The version's files.
        table: The parsed MLTable file (type ``mltable``).
        max_rows: Profile at most this many rows (``sampled`` says when there were more).

    Raises:
        InvalidArgumentError: An ``mltable`` whose files cannot be read or transformed (the
            message names the file or the transformation).
    """
    listing = [f.path for f in files]
    if data_type == DataType.MLTABLE and table is not None:
        plan: TablePlan | None = plan_mltable(table, listing)
    else:
        try:
            plan = plan_files(listing)
        except InvalidArgumentError:
            return None
    if plan is None:
        return None
    if not arrow_available():
        logger.info("No profile for %s: pyarrow is not installed (basalt[data])", path)
        return None
    shas = {f.path: f.sha256 for f in files}

    def opener(rel: str) -> BinaryIO:
        return blobs.open_blob(shas[rel])

    try:
        return profile_batches(stream_table(plan, opener, BATCH_ROWS), max_rows=max_rows)
    except InvalidArgumentError as exc:
        if data_type == DataType.MLTABLE:
            raise invalid("path", f"{path!r}: the MLTable does not load: {exc.message}") from None
        logger.info("No profile for %s: %s", path, exc.message)
        return None
