"""A local copy of a data version's files, downloaded once per content hash."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import uuid
from pathlib import Path

from basalt.client.client import Client
from basalt.spec.data import Data

CACHE_LEAF = "data-cache"


def default_cache_dir(client: Client) -> Path:
    """Where data versions are cached: the workspace's ``.basalt/data-cache`` (or the user cache).

    NOTE: ``_local_dir`` is the one rule for "in the workspace, else the user cache folder"
    that jobs and environments use too.
    """
    return client.settings._local_dir(CACHE_LEAF)


def cached_files(client: Client, data: Data, cache_dir: Path | None = None) -> Path:
    """The folder holding ``data``'s files, downloaded only if this content is not cached yet.

    Args:
        client: The client to download with.
        data: The data version.
        cache_dir: The cache root (default ``default_cache_dir(client)``).

    Raises:
        NotFoundError: The version or one of its files is gone.
    """
    root = cache_dir if cache_dir is not None else default_cache_dir(client)
    key = data.content_hash
    if not re.fullmatch(r"[0-9a-fA-F]{8,128}", key):
        key = hashlib.sha256(f"{data.name}:{data.version}:{key}".encode()).hexdigest()
    target = root / key
    if target.is_dir():
        return target
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".partial-{uuid.uuid4().hex}"
    try:
        got = client.data.download(data.name, data.version, download_path=staging)
        try:
            # NOTE: the rename is atomic: a folder named by the hash is always complete.
            os.replace(got, target)
        except OSError:
            if not target.is_dir():  # not another process's finished copy: a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
