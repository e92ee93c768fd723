"""Artifact storage on fsspec (a folder or S3) and content-addressed code snapshots."""

from basalt.artifacts.snapshots import Snapshot, SnapshotFile, SnapshotStore
from basalt.artifacts.store import ArtifactInfo, ArtifactStore

__all__ = ["ArtifactInfo", "ArtifactStore", "Snapshot", "SnapshotFile", "SnapshotStore"]
