"""Writes to an S3 artifact root: single PUTs, multipart uploads, resumable multipart uploads."""

from __future__ import annotations

import contextlib
import logging
import math
from pathlib import Path
from typing import Any

from basalt.artifacts._uploads import (
    MiB,
    Progress,
    Reader,
    UploadState,
    notify,
    read_exact,
    upload_key,
)
from basalt.config import ArtifactSettings
from basalt.errors import ConflictError

logger = logging.getLogger(__name__)

MIN_PART_SIZE = 5 * MiB
"""S3 refuses parts smaller than this, except the last one."""

MAX_PARTS = 10_000
"""S3 accepts at most this many parts per upload."""


class S3Writer:
    """Atomic and resumable writes below one ``bucket/prefix`` through s3fs.

    An object appears only when its single PUT or its multipart upload completes, so readers
    never see a part of it. At most one part (``part_size`` bytes) is held in memory.

    Args:
        fs: The ``s3fs.S3FileSystem``.
        root: ``bucket`` or ``bucket/prefix`` without a trailing slash.
        uploads_root: ``root/.uploads``, where resumable-upload state objects live.
        part_size: Bytes per multipart part; raised to S3's 5 MiB minimum.
    """

    def __init__(self, fs: Any, root: str, uploads_root: str, part_size: int) -> None:
        self._fs = fs
        self._root = root
        self._uploads_root = uploads_root
        self._part_size = max(part_size, MIN_PART_SIZE)

    @property
    def min_resumable_size(self) -> int:
        """Files up to one part go up in a single PUT; resuming them would gain nothing."""
        return self._part_size

    def write_stream(self, rel: str, read: Reader, progress: Progress | None) -> int:
        """Copy a stream to ``rel``: one PUT if it fits in a part, else a multipart upload.

        A failed multipart upload is aborted, so it leaves nothing behind.

        Returns:
            The number of bytes written.
        """
        bucket, key = self._split(rel)
        first = read_exact(read, self._part_size)
        if len(first) < self._part_size:
            self._call("put_object", Bucket=bucket, Key=key, Body=first)
            notify(progress, len(first))
            return len(first)
        upload_id = self._call("create_multipart_upload", Bucket=bucket, Key=key)["UploadId"]
        parts: list[dict[str, Any]] = []
        total = 0
        try:
            data = first
            while data:
                parts.append(self._upload_part(bucket, key, upload_id, len(parts) + 1, data))
                total += len(data)
                notify(progress, len(data))
                data = read_exact(read, self._part_size)
            self._complete(bucket, key, upload_id, parts)
        except BaseException:
            self._abort_quietly(bucket, key, upload_id)
            raise
        return total

    def write_file(self, rel: str, local: Path, progress: Progress | None) -> int:
        """Upload a local file to ``rel`` as a multipart upload that survives interruption.

        The upload id and completed parts are kept in a state object under ``.uploads/``; the
        next call for the same path and the same local file (size and mtime) uploads only the
        parts S3 does not already hold. A changed file aborts the old upload and starts over.

        Returns:
            The number of bytes uploaded by this call (less than the size when resumed).

        Raises:
            ConflictError: The local file changed while it was uploaded.
        """
        bucket, key = self._split(rel)
        state_key = f"{self._uploads_root}/{upload_key(rel)}.json"
        before = local.stat()
        state, upload_id, part_size, done = self._resume_or_start(
            bucket, key, state_key, UploadState(rel, before.st_size, before.st_mtime_ns)
        )
        count = max(1, math.ceil(before.st_size / part_size))
        copied = 0
        with local.open("rb") as src:
            for number in range(1, count + 1):
                if number in done:
                    continue
                expected = min(part_size, before.st_size - (number - 1) * part_size)
                src.seek((number - 1) * part_size)
                data = src.read(expected)
                if len(data) != expected:
                    break  # the file shrank; reported below
                done[number] = self._upload_part(bucket, key, upload_id, number, data)
                state.parts = [done[n] for n in sorted(done)]
                self._save_state(state_key, state)
                copied += len(data)
                notify(progress, len(data))
        after = local.stat()
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            self._abort_quietly(bucket, key, upload_id)
            self._delete_state(state_key)
            raise ConflictError(
                f"Local file {str(local)!r} changed while it was uploaded to {rel!r}; "
                "upload it again",
                details={"path": rel},
            )
        self._complete(bucket, key, upload_id, [done[n] for n in sorted(done)])
        self._delete_state(state_key)
        return copied

    def abort(self, rel: str) -> bool:
        """Abort an interrupted upload to ``rel``; True if there was one."""
        state_key = f"{self._uploads_root}/{upload_key(rel)}.json"
        state = self._load_state(state_key)
        if state is None:
            return False
        if state.upload_id:
            bucket, key = self._split(rel)
            self._abort_quietly(bucket, key, state.upload_id)
        self._delete_state(state_key)
        return True

    def _resume_or_start(
        self, bucket: str, key: str, state_key: str, local: UploadState
    ) -> tuple[UploadState, str, int, dict[int, dict[str, Any]]]:
        """Find the earlier upload of this local file version, or start a new one.

        Args:
            bucket: Destination bucket.
            key: Destination key.
            state_key: Where the upload state object lives.
            local: A fresh state naming the destination and the local file version.

        Returns:
            The state, its upload id, its part size and the parts S3 already holds.
        """
        old = self._load_state(state_key)
        if old is not None and old.upload_id and old.part_size:
            if old.matches(local.path, local.size, local.mtime_ns):
                held = self._completed_parts(bucket, key, old.upload_id, old.part_size, old.size)
                if held is not None:
                    return old, old.upload_id, old.part_size, held
            else:
                self._abort_quietly(bucket, key, old.upload_id)
        upload_id = str(self._call("create_multipart_upload", Bucket=bucket, Key=key)["UploadId"])
        local.upload_id = upload_id
        local.part_size = self._part_size_for(local.size)
        self._save_state(state_key, local)
        return local, upload_id, local.part_size, {}

    def _part_size_for(self, size: int) -> int:
        # Very large files need bigger parts to stay under S3's part-count limit.
        needed = math.ceil(size / MAX_PARTS)
        return max(self._part_size, math.ceil(needed / MiB) * MiB)

    def _completed_parts(
        self, bucket: str, key: str, upload_id: str, part_size: int, size: int
    ) -> dict[int, dict[str, Any]] | None:
        """Parts S3 holds for the upload, or None when the upload is gone.

        NOTE: S3's part list, not the state object, is the truth: a process killed between
        uploading a part and saving the state would otherwise upload that part twice.
        """
        done: dict[int, dict[str, Any]] = {}
        marker = 0
        while True:
            try:
                page = self._call(
                    "list_parts",
                    Bucket=bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumberMarker=marker,
                )
            except FileNotFoundError:
                return None
            for part in page.get("Parts", []):
                number = int(part["PartNumber"])
                expected = min(part_size, size - (number - 1) * part_size)
                if int(part["Size"]) == expected:
                    done[number] = {"PartNumber": number, "ETag": part["ETag"]}
            if not page.get("IsTruncated"):
                return done
            marker = int(page["NextPartNumberMarker"])

    def _upload_part(
        self, bucket: str, key: str, upload_id: str, number: int, data: bytes
    ) -> dict[str, Any]:
        out = self._call(
            "upload_part",
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
        )
        return {"PartNumber": number, "ETag": out["ETag"]}

    def _complete(self, bucket: str, key: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
        self._call(
            "complete_multipart_upload",
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
        )
        self._fs.invalidate_cache(f"{bucket}/{key}")

    def _abort_quietly(self, bucket: str, key: str, upload_id: str) -> None:
        try:
            self._call("abort_multipart_upload", Bucket=bucket, Key=key, UploadId=upload_id)
        except Exception:  # best effort: a lifecycle rule cleans up what this cannot
            logger.warning("Could not abort multipart upload %s of %s/%s", upload_id, bucket, key)

    def _load_state(self, state_key: str) -> UploadState | None:
        try:
            raw = self._fs.cat_file(state_key)
        except FileNotFoundError:
            return None
        return UploadState.from_json(bytes(raw))

    def _save_state(self, state_key: str, state: UploadState) -> None:
        bucket, key, _ = self._fs.split_path(state_key)
        self._call("put_object", Bucket=bucket, Key=key, Body=state.to_json())

    def _delete_state(self, state_key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._fs.rm_file(state_key)

    def _split(self, rel: str) -> tuple[str, str]:
        bucket, key, _ = self._fs.split_path(f"{self._root}/{rel}")
        return str(bucket), str(key)

    def _call(self, method: str, **kwargs: Any) -> Any:
        return self._fs.call_s3(method, **kwargs)


def s3_options(settings: ArtifactSettings) -> dict[str, Any]:
    """s3fs options from the S3 fields of the settings; unset fields fall back to boto's chain."""
    options: dict[str, Any] = {}
    if settings.s3_endpoint_url:
        options["endpoint_url"] = settings.s3_endpoint_url
    if settings.s3_access_key_id:
        options["key"] = settings.s3_access_key_id
    if settings.s3_secret_access_key is not None:
        options["secret"] = settings.s3_secret_access_key.get_secret_value()
    if settings.s3_region:
        options["client_kwargs"] = {"region_name": settings.s3_region}
    return options
