"""The same ArtifactStore behaviour on a local folder and on S3 (moto)."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from basalt.artifacts import ArtifactInfo, ArtifactStore, SnapshotStore
from basalt.errors import InvalidArgumentError, NotFoundError

MiB = 1024 * 1024
StoreFactory = Callable[..., ArtifactStore]


class Interrupted(Exception):
    pass


def _data(size: int, seed: int = 0) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB, not compressible-looking
    return (block * (size // len(block) + 1))[:size]


def _interrupt_after(limit: int) -> tuple[list[int], Callable[[int], None]]:
    sent: list[int] = []

    def progress(n: int) -> None:
        sent.append(n)
        if sum(sent) >= limit:
            raise Interrupted

    return sent, progress


class FailingReader:
    """A stream that fails after ``limit`` bytes, as a dropped connection would."""

    def __init__(self, data: bytes, limit: int) -> None:
        self._buf = io.BytesIO(data)
        self._limit = limit

    def read(self, size: int = -1) -> bytes:
        if self._buf.tell() >= self._limit:
            raise Interrupted
        return self._buf.read(size)


def test_bytes_round_trip_and_overwrite(store: ArtifactStore) -> None:
    assert store.put_bytes("runs/r1/notes.txt", b"first") == ArtifactInfo(
        "runs/r1/notes.txt", 5, False
    )
    store.put_bytes("runs/r1/notes.txt", b"second version")
    assert store.read_bytes("runs/r1/notes.txt") == b"second version"
    assert store.put_bytes("runs/r1/empty", b"").size == 0
    assert store.read_bytes("runs/r1/empty") == b""


def test_put_file_and_get_file_stream_with_progress(store: ArtifactStore, tmp_path: Path) -> None:
    src = tmp_path / "model.bin"
    src.write_bytes(_data(300_000))
    sent: list[int] = []
    info = store.put_file("models/m/model.bin", src, progress=sent.append)
    assert info == ArtifactInfo("models/m/model.bin", 300_000, False)
    assert sum(sent) == 300_000

    received: list[int] = []
    dest = tmp_path / "down" / "deep" / "model.bin"
    store.get_file("models/m/model.bin", dest, progress=received.append)
    assert dest.read_bytes() == src.read_bytes()
    assert sum(received) == 300_000
    assert [p.name for p in dest.parent.iterdir()] == ["model.bin"]  # no temp file left


def test_put_stream_spanning_several_parts(make_store: StoreFactory) -> None:
    store = make_store(chunk_size=MiB, part_size=5 * MiB)
    data = _data(11 * MiB + 7)
    assert store.put_stream("big/stream.bin", io.BytesIO(data)).size == len(data)
    with store.open("big/stream.bin") as handle:
        assert handle.read(10) == data[:10]
        assert handle.read() == data[10:]


def test_failed_stream_leaves_nothing(make_store: StoreFactory) -> None:
    store = make_store(chunk_size=MiB, part_size=5 * MiB)
    store.put_bytes("keep/old.bin", b"old")
    with pytest.raises(Interrupted):
        store.put_stream("keep/old.bin", FailingReader(_data(12 * MiB), 7 * MiB))
    with pytest.raises(Interrupted):
        store.put_stream("keep/new.bin", FailingReader(_data(2 * MiB), MiB))
    assert store.read_bytes("keep/old.bin") == b"old"
    assert not store.exists("keep/new.bin")
    assert store.list(recursive=True) == [ArtifactInfo("keep/old.bin", 3, False)]


def test_list_levels_sorting_and_missing(store: ArtifactStore) -> None:
    for path in ["b/2.txt", "b/1.txt", "a.txt", "b/sub/3.txt"]:
        store.put_bytes(path, b"x" * len(path))
    assert store.list() == [ArtifactInfo("a.txt", 5, False), ArtifactInfo("b", None, True)]
    assert store.list("b") == [
        ArtifactInfo("b/1.txt", 7, False),
        ArtifactInfo("b/2.txt", 7, False),
        ArtifactInfo("b/sub", None, True),
    ]
    assert [i.path for i in store.list("b", recursive=True)] == [
        "b/1.txt",
        "b/2.txt",
        "b/sub/3.txt",
    ]
    assert [i.path for i in store.list(recursive=True)] == [
        "a.txt",
        "b/1.txt",
        "b/2.txt",
        "b/sub/3.txt",
    ]
    assert store.list("b/1.txt") == [ArtifactInfo("b/1.txt", 7, False)]
    assert store.list("nothing/here") == []
    assert store.list("nothing", recursive=True) == []


def test_exists_info_and_delete(store: ArtifactStore) -> None:
    store.put_bytes("d/x/1.txt", b"1")
    store.put_bytes("d/x/2.txt", b"22")
    store.put_bytes("d/y.txt", b"333")
    store.put_bytes("dz.txt", b"4")  # shares a name prefix with "d", must survive its deletion
    assert store.exists("d")
    assert store.exists("d/x/1.txt")
    assert store.info("d/y.txt") == ArtifactInfo("d/y.txt", 3, False)
    assert store.info("d/x").is_dir

    store.delete("d/y.txt")
    assert not store.exists("d/y.txt")
    store.delete("d")
    assert not store.exists("d/x/2.txt")
    assert store.list() == [ArtifactInfo("dz.txt", 1, False)]

    with pytest.raises(NotFoundError, match="'d'"):
        store.delete("d")
    store.delete("d", missing_ok=True)


@pytest.mark.parametrize(
    "call",
    [
        lambda s, tmp: s.read_bytes("no/such.txt"),
        lambda s, tmp: s.open("no/such.txt"),
        lambda s, tmp: s.get_file("no/such.txt", tmp / "out"),
        lambda s, tmp: s.info("no/such.txt"),
        lambda s, tmp: s.delete("no/such.txt"),
    ],
    ids=["read_bytes", "open", "get_file", "info", "delete"],
)
def test_missing_path_raises_not_found_naming_it(
    store: ArtifactStore, tmp_path: Path, call: Callable[[ArtifactStore, Path], object]
) -> None:
    with pytest.raises(NotFoundError, match="no/such.txt"):
        call(store, tmp_path)
    assert not (tmp_path / "out").exists()


def test_a_folder_is_not_a_file_to_read(store: ArtifactStore, tmp_path: Path) -> None:
    store.put_bytes("dir/f", b"1")
    with pytest.raises(NotFoundError, match="'dir'"):
        store.open("dir")
    with pytest.raises(NotFoundError, match="'dir'"):
        store.get_file("dir", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_download_dir(store: ArtifactStore, tmp_path: Path) -> None:
    store.put_bytes("runs/r1/outputs/model.pkl", b"model")
    store.put_bytes("runs/r1/outputs/eval/metrics.json", b"{}")
    store.put_bytes("runs/r1/logs/std.txt", b"log")

    written = store.download_dir("runs/r1/outputs", tmp_path / "dl")
    assert written == [tmp_path / "dl/eval/metrics.json", tmp_path / "dl/model.pkl"]
    assert (tmp_path / "dl/model.pkl").read_bytes() == b"model"
    assert not (tmp_path / "dl/std.txt").exists()

    assert store.download_dir("runs/r1/logs/std.txt", tmp_path / "one") == [
        tmp_path / "one/std.txt"
    ]
    with pytest.raises(NotFoundError, match="runs/r2"):
        store.download_dir("runs/r2", tmp_path / "none")


def test_uri(store: ArtifactStore, backend: str) -> None:
    uri = store.uri("runs/r1/model.pkl")
    assert uri.startswith("file:///" if backend == "local" else "s3://basalt-test/t-")
    assert uri.endswith("/runs/r1/model.pkl")
    assert uri == store.uri() + "/runs/r1/model.pkl"


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a//b", "a/../b", "", ".uploads/x"])
def test_unsafe_paths_refused_on_every_backend(store: ArtifactStore, bad: str) -> None:
    with pytest.raises(InvalidArgumentError):
        store.put_bytes(bad, b"x")


def test_interrupted_upload_resumes_with_the_remainder(
    make_store: StoreFactory, tmp_path: Path
) -> None:
    store = make_store(chunk_size=MiB, part_size=5 * MiB, resumable_threshold=MiB)
    src = tmp_path / "weights.bin"
    src.write_bytes(_data(12 * MiB))

    first, progress = _interrupt_after(5 * MiB)
    with pytest.raises(Interrupted):
        store.put_file("models/w.bin", src, progress=progress)
    assert sum(first) == 5 * MiB
    assert not store.exists("models/w.bin")  # nothing visible until complete
    assert store.list(recursive=True) == []  # upload state is hidden

    # A fresh store object, as after a restart, picks the upload up from the saved state.
    second: list[int] = []
    info = make_store(chunk_size=MiB, part_size=5 * MiB, resumable_threshold=MiB).put_file(
        "models/w.bin", src, progress=second.append
    )
    assert sum(second) == 7 * MiB
    assert info == ArtifactInfo("models/w.bin", 12 * MiB, False)
    assert store.read_bytes("models/w.bin") == src.read_bytes()
    assert store.list(recursive=True) == [info]

    # The upload state is gone: the next upload of the same file starts from zero.
    third: list[int] = []
    store.put_file("models/w.bin", src, progress=third.append)
    assert sum(third) == 12 * MiB


def test_changed_local_file_restarts_its_upload(make_store: StoreFactory, tmp_path: Path) -> None:
    store = make_store(chunk_size=MiB, part_size=5 * MiB, resumable_threshold=MiB)
    src = tmp_path / "data.bin"
    src.write_bytes(_data(11 * MiB, seed=1))
    with pytest.raises(Interrupted):
        store.put_file("d.bin", src, progress=_interrupt_after(5 * MiB)[1])

    src.write_bytes(_data(11 * MiB, seed=2))  # same size, new content and mtime
    os.utime(src, ns=(src.stat().st_atime_ns, src.stat().st_mtime_ns + 10**9))
    sent: list[int] = []
    store.put_file("d.bin", src, progress=sent.append)
    assert sum(sent) == 11 * MiB
    assert store.read_bytes("d.bin") == _data(11 * MiB, seed=2)


def test_abort_upload_forgets_the_partial_upload(make_store: StoreFactory, tmp_path: Path) -> None:
    store = make_store(chunk_size=MiB, part_size=5 * MiB, resumable_threshold=MiB)
    src = tmp_path / "data.bin"
    src.write_bytes(_data(11 * MiB))
    with pytest.raises(Interrupted):
        store.put_file("d.bin", src, progress=_interrupt_after(5 * MiB)[1])
    assert store.abort_upload("d.bin") is True
    assert store.abort_upload("d.bin") is False
    sent: list[int] = []
    store.put_file("d.bin", src, progress=sent.append)
    assert sum(sent) == 11 * MiB


def test_snapshots_reuse_blobs_on_every_backend(store: ArtifactStore, tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "train.py").write_text("print('train')\n")
    (code / "util.py").write_text("X = 1\n")
    snapshots = SnapshotStore(store)

    first = snapshots.create(code)
    (code / "train.py").write_text("print('train v2')\n")
    second = snapshots.create(code)

    assert (first.uploaded_files, second.uploaded_files, second.reused_files) == (2, 1, 1)
    blobs = store.list("snapshots/blobs", recursive=True)
    assert len(blobs) == 3
    snapshots.restore(first.id, tmp_path / "restored")
    assert (tmp_path / "restored/train.py").read_text() == "print('train')\n"
