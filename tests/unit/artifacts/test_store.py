"""ArtifactStore on a local folder: path rules, atomic writes, resumable uploads."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from pydantic import SecretStr

from basalt._internal.paths import normalize_artifact_path
from basalt.artifacts import ArtifactInfo, ArtifactStore
from basalt.artifacts._uploads import upload_key
from basalt.config import ArtifactSettings
from basalt.errors import ConflictError, InvalidArgumentError, NotFoundError

KiB = 1024


class Interrupted(Exception):
    pass


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "artifacts"


@pytest.fixture
def store(root: Path) -> ArtifactStore:
    return ArtifactStore(str(root), chunk_size=4 * KiB, resumable_threshold=16 * KiB)


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(100 * KiB))
    return path


def interrupt_after(limit: int) -> tuple[list[int], Callable[[int], None]]:
    sent: list[int] = []

    def progress(n: int) -> None:
        sent.append(n)
        if sum(sent) >= limit:
            raise Interrupted

    return sent, progress


# ---- paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("../secrets.txt", "contains '..'"),
        ("runs/../../x", "contains '..'"),
        ("/etc/passwd", "is absolute"),
        ("C:/Windows/x", "is absolute"),
        ("a//b", "empty segment"),
        ("", "is empty"),
        ("a\nb", "control character"),
        (".uploads/state.json", "reserved"),
    ],
    ids=[
        "dotdot",
        "nested-dotdot",
        "absolute",
        "drive",
        "double-slash",
        "empty",
        "newline",
        "reserved",
    ],
)
def test_unsafe_paths_are_refused_with_a_clear_error(
    store: ArtifactStore, tmp_path: Path, bad: str, message: str
) -> None:
    local = tmp_path / "f.txt"
    local.write_bytes(b"x")
    calls: list[Callable[[], object]] = [
        lambda: store.put_bytes(bad, b"x"),
        lambda: store.put_file(bad, local),
        lambda: store.read_bytes(bad),
        lambda: store.exists(bad),
        lambda: store.delete(bad),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError, match=message) as info:
            call()
        assert info.value.details["field"] in {"path", "prefix"}
    assert list(tmp_path.parent.glob("secrets.txt")) == []


def test_paths_are_normalized(store: ArtifactStore) -> None:
    info = store.put_bytes("./runs\\r1/./model.pkl", b"m")
    assert info.path == "runs/r1/model.pkl" == normalize_artifact_path("./runs\\r1/./model.pkl")
    assert store.read_bytes("runs/r1/model.pkl") == b"m"


def test_listing_root_and_prefix_with_trailing_slash(store: ArtifactStore) -> None:
    store.put_bytes("a/b.txt", b"1")
    assert store.list("") == store.list(".") == [ArtifactInfo("a", None, True)]
    assert store.list("a/") == [ArtifactInfo("a/b.txt", 1, False)]


def test_delete_refuses_the_root(store: ArtifactStore) -> None:
    with pytest.raises(InvalidArgumentError, match="empty"):
        store.delete("")


def test_relative_to() -> None:
    info = ArtifactInfo("workspaces/w/runs/r/out/m.pkl", 3, False)
    assert info.relative_to("workspaces/w/runs/r") == ArtifactInfo("out/m.pkl", 3, False)
    assert info.relative_to("") is info
    with pytest.raises(InvalidArgumentError, match="not below"):
        info.relative_to("workspaces/w/runs/other")


# ---- construction -----------------------------------------------------------------------------


def test_from_settings_uses_the_default_root_and_creates_it(tmp_path: Path) -> None:
    store = ArtifactStore.from_settings(ArtifactSettings(), str(tmp_path / "ws" / "artifacts"))
    assert (tmp_path / "ws" / "artifacts").is_dir()
    assert store.uri() == (tmp_path / "ws" / "artifacts").as_uri()


def test_from_settings_accepts_file_urls(tmp_path: Path) -> None:
    settings = ArtifactSettings(url=(tmp_path / "x").as_uri())
    store = ArtifactStore.from_settings(settings, str(tmp_path / "unused"))
    store.put_bytes("f", b"1")
    assert (tmp_path / "x" / "f").read_bytes() == b"1"
    assert not (tmp_path / "unused").exists()


def test_from_settings_passes_s3_options_without_connecting(tmp_path: Path) -> None:
    settings = ArtifactSettings(
        url="s3://bucket/prefix",
        s3_endpoint_url="http://127.0.0.1:1",
        s3_access_key_id="AK",
        s3_secret_access_key=SecretStr("SK"),
        s3_region="eu-west-1",
    )
    store = ArtifactStore.from_settings(settings, str(tmp_path))
    assert store.uri("a/b") == "s3://bucket/prefix/a/b"
    assert "SK" not in repr(store)


def test_unsupported_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="not supported"):
        ArtifactStore("gs://bucket/x")
    with pytest.raises(InvalidArgumentError, match="not supported"):
        ArtifactStore.from_settings(ArtifactSettings(url="ftp://host/x"), str(tmp_path))


# ---- atomic writes ----------------------------------------------------------------------------


def test_failed_write_keeps_the_old_content_and_leaves_no_temp_files(
    store: ArtifactStore, root: Path
) -> None:
    store.put_bytes("m.bin", b"old")

    class Broken:
        def __init__(self) -> None:
            self.calls = 0

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise Interrupted
            return b"n" * size

    with pytest.raises(Interrupted):
        store.put_stream("m.bin", Broken())
    assert store.read_bytes("m.bin") == b"old"
    assert list((root / ".uploads").iterdir()) == []


def test_file_where_a_folder_is_needed_is_a_conflict(store: ArtifactStore) -> None:
    store.put_bytes("a", b"file")
    with pytest.raises(ConflictError, match="'a/b'"):
        store.put_bytes("a/b", b"x")
    store.put_bytes("d/x", b"1")
    with pytest.raises(ConflictError):
        store.put_bytes("d", b"x")


def test_delete_prunes_empty_local_folders(store: ArtifactStore, root: Path) -> None:
    store.put_bytes("a/b/c/d.txt", b"1")
    store.put_bytes("a/keep.txt", b"1")
    store.delete("a/b/c/d.txt")
    assert not (root / "a" / "b").exists()
    assert store.list("a") == [ArtifactInfo("a/keep.txt", 1, False)]


def test_put_file_of_missing_local_file(store: ArtifactStore, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="nope.bin"):
        store.put_file("x", tmp_path / "nope.bin")


# ---- resumable uploads ------------------------------------------------------------------------


def test_small_files_are_not_resumable(store: ArtifactStore, tmp_path: Path, root: Path) -> None:
    small = tmp_path / "small.bin"
    small.write_bytes(b"s" * (16 * KiB))  # exactly the threshold: streamed in one go
    with pytest.raises(Interrupted):
        store.put_file("s.bin", small, progress=interrupt_after(4 * KiB)[1])
    assert list((root / ".uploads").iterdir()) == []
    sent: list[int] = []
    store.put_file("s.bin", small, progress=sent.append)
    assert sum(sent) == 16 * KiB


def test_exception_mid_upload_then_resume_sends_only_the_rest(
    store: ArtifactStore, big_file: Path, root: Path
) -> None:
    first, progress = interrupt_after(40 * KiB)
    with pytest.raises(Interrupted):
        store.put_file("models/big.bin", big_file, progress=progress)
    assert sum(first) == 40 * KiB
    assert not (root / "models" / "big.bin").exists()
    assert store.list(recursive=True) == []

    second: list[int] = []
    store.put_file("models/big.bin", big_file, progress=second.append)
    assert sum(second) == 60 * KiB
    assert (root / "models" / "big.bin").read_bytes() == big_file.read_bytes()
    assert list((root / ".uploads").iterdir()) == []


def test_resume_counts_bytes_read_from_the_local_file(
    store: ArtifactStore, big_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(Interrupted):
        store.put_file("big.bin", big_file, progress=interrupt_after(52 * KiB)[1])

    read_total = 0
    real_open = Path.open

    class CountingReader:
        def __init__(self, handle: BinaryIO) -> None:
            self._handle = handle

        def read(self, size: int = -1) -> bytes:
            nonlocal read_total
            data = self._handle.read(size)
            read_total += len(data)
            return data

        def __enter__(self) -> CountingReader:
            return self

        def __exit__(self, *exc: object) -> None:
            self._handle.close()

        def __getattr__(self, name: str) -> object:
            return getattr(self._handle, name)

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        handle = real_open(self, *args, **kwargs)
        return CountingReader(handle) if self == big_file else handle

    monkeypatch.setattr(Path, "open", counting_open)
    store.put_file("big.bin", big_file)
    assert read_total == 48 * KiB


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_upload_resumes_after_the_process_is_killed(
    store: ArtifactStore, big_file: Path, root: Path, tmp_path: Path
) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal
        from basalt.artifacts import ArtifactStore

        store = ArtifactStore({str(root)!r}, chunk_size=4096, resumable_threshold=16384)
        sent = 0

        def progress(n):
            global sent
            sent += n
            if sent >= 28 * 1024:
                os.kill(os.getpid(), signal.SIGKILL)

        store.put_file("killed.bin", {str(big_file)!r}, progress=progress)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert not (root / "killed.bin").exists()

    sent: list[int] = []
    store.put_file("killed.bin", big_file, progress=sent.append)
    assert sum(sent) == 72 * KiB
    assert (
        hashlib.sha256((root / "killed.bin").read_bytes()).digest()
        == hashlib.sha256(big_file.read_bytes()).digest()
    )


def test_touched_file_restarts_from_zero(store: ArtifactStore, big_file: Path) -> None:
    with pytest.raises(Interrupted):
        store.put_file("b.bin", big_file, progress=interrupt_after(40 * KiB)[1])
    stat = big_file.stat()
    os.utime(big_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    sent: list[int] = []
    store.put_file("b.bin", big_file, progress=sent.append)
    assert sum(sent) == 100 * KiB


def test_same_file_to_another_path_does_not_resume(store: ArtifactStore, big_file: Path) -> None:
    with pytest.raises(Interrupted):
        store.put_file("one.bin", big_file, progress=interrupt_after(40 * KiB)[1])
    sent: list[int] = []
    store.put_file("two.bin", big_file, progress=sent.append)
    assert sum(sent) == 100 * KiB


def test_local_file_changing_during_upload_is_a_conflict(
    store: ArtifactStore, big_file: Path
) -> None:
    def grow(n: int) -> None:
        with big_file.open("ab") as handle:
            handle.write(b"more")

    with pytest.raises(ConflictError, match="changed while it was uploaded"):
        store.put_file("c.bin", big_file, progress=grow)
    assert not store.exists("c.bin")


def test_concurrent_upload_to_the_same_path_is_a_conflict(
    store: ArtifactStore, big_file: Path, root: Path
) -> None:
    fcntl = pytest.importorskip("fcntl")
    (root / ".uploads").mkdir(exist_ok=True)
    partial = root / ".uploads" / f"{upload_key('busy.bin')}.partial"
    with partial.open("ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        with pytest.raises(ConflictError, match="in progress"):
            store.put_file("busy.bin", big_file)
    store.put_file("busy.bin", big_file)
    assert store.read_bytes("busy.bin") == big_file.read_bytes()


def test_corrupt_upload_state_starts_over(store: ArtifactStore, big_file: Path, root: Path) -> None:
    with pytest.raises(Interrupted):
        store.put_file("x.bin", big_file, progress=interrupt_after(40 * KiB)[1])
    (root / ".uploads" / f"{upload_key('x.bin')}.json").write_text("{not json")
    sent: list[int] = []
    store.put_file("x.bin", big_file, progress=sent.append)
    assert sum(sent) == 100 * KiB
    assert store.read_bytes("x.bin") == big_file.read_bytes()


def test_small_file_growing_during_upload_is_stored_as_it_was(
    store: ArtifactStore, tmp_path: Path
) -> None:
    log = tmp_path / "std.log"
    log.write_bytes(b"line\n" * 2000)  # 10,000 bytes: below the threshold

    def append(n: int) -> None:
        with log.open("ab") as handle:
            handle.write(b"later\n")

    assert store.put_file("logs/std.log", log, progress=append).size == 10_000
    assert store.read_bytes("logs/std.log") == b"line\n" * 2000


def test_environment_variables_reach_the_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from basalt.config import Settings

    monkeypatch.setenv("BASALT_ARTIFACTS__URL", "s3://team-bucket/basalt")
    monkeypatch.setenv("BASALT_ARTIFACTS__S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("BASALT_ARTIFACTS__S3_SECRET_ACCESS_KEY", "hidden")
    settings = Settings()
    assert settings.artifacts.s3_endpoint_url == "http://127.0.0.1:9000"
    store = ArtifactStore.from_settings(settings.artifacts, str(tmp_path))
    assert store.uri("x") == "s3://team-bucket/basalt/x"
