"""Content-addressed code snapshots on a local artifact store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import pytest

from basalt._internal.ignore import IgnoreRules
from basalt.artifacts import ArtifactStore, SnapshotFile, SnapshotStore
from basalt.errors import InternalError, InvalidArgumentError, NotFoundError


@pytest.fixture
def store(tmp_path: Path) -> ArtifactStore:
    return ArtifactStore(str(tmp_path / "artifacts"))


@pytest.fixture
def snapshots(store: ArtifactStore) -> SnapshotStore:
    return SnapshotStore(store)


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_unchanged_file_is_stored_once_across_two_snapshots(
    snapshots: SnapshotStore, store: ArtifactStore, tmp_path: Path
) -> None:
    code = write_tree(tmp_path / "code", {"train.py": "print(1)\n", "lib/util.py": "X = 1\n"})
    first = snapshots.create(code)
    assert (first.uploaded_files, first.reused_files) == (2, 0)

    (code / "train.py").write_text("print(2)\n")
    second = snapshots.create(code)
    assert (second.uploaded_files, second.reused_files) == (1, 1)
    assert second.uploaded_bytes == len("print(2)\n")
    assert first.id != second.id

    util = sha(b"X = 1\n")
    util_blob = f"snapshots/blobs/{util[:2]}/{util}"
    assert store.exists(util_blob)
    blobs = store.list("snapshots/blobs", recursive=True)
    assert len(blobs) == 3  # train v1, train v2, util once
    assert len(store.list("snapshots/manifests")) == 2


def test_identical_trees_get_the_same_id_and_upload_nothing(
    snapshots: SnapshotStore, tmp_path: Path
) -> None:
    tree: dict[str, str | bytes] = {"a.py": "a", "pkg/b.py": "b", "pkg/data.bin": bytes(range(256))}
    one = snapshots.create(write_tree(tmp_path / "one", tree))
    two = snapshots.create(write_tree(tmp_path / "two", tree))
    assert one.id == two.id
    assert (two.uploaded_files, two.reused_files) == (0, 3)


def test_duplicate_content_within_one_snapshot_is_uploaded_once(
    snapshots: SnapshotStore, tmp_path: Path
) -> None:
    snap = snapshots.create(write_tree(tmp_path / "c", {"a.txt": "same", "b/c.txt": "same"}))
    assert (snap.uploaded_files, snap.reused_files) == (1, 1)
    assert snap.total_bytes == 8


def test_snapshot_reports_files_sorted_with_hashes(
    snapshots: SnapshotStore, tmp_path: Path
) -> None:
    code = write_tree(tmp_path / "c", {"z.py": "z", "a/b.py": "bb", "a.py": ""})
    snap = snapshots.create(code)
    assert snap.files == (
        SnapshotFile("a.py", sha(b""), 0),
        SnapshotFile("a/b.py", sha(b"bb"), 2),
        SnapshotFile("z.py", sha(b"z"), 1),
    )
    assert snapshots.manifest(snap.id) == list(snap.files)
    assert snapshots.exists(snap.id)


def test_manifest_is_canonical_json_named_by_its_hash(
    snapshots: SnapshotStore, store: ArtifactStore, tmp_path: Path
) -> None:
    snap = snapshots.create(write_tree(tmp_path / "c", {"m.py": "m"}))
    raw = store.read_bytes(f"snapshots/manifests/{snap.id}.json")
    assert sha(raw) == snap.id
    assert json.loads(raw) == {
        "version": 1,
        "files": [{"path": "m.py", "sha256": sha(b"m"), "size": 1}],
    }


def test_restore_writes_the_tree(snapshots: SnapshotStore, tmp_path: Path) -> None:
    tree = {"train.py": "print(1)\n", "conf/a.yml": "a: 1\n", "empty.txt": ""}
    snap = snapshots.create(write_tree(tmp_path / "code", tree))
    dest = tmp_path / "job" / "code"
    written = snapshots.restore(snap.id, dest)
    assert written == [dest / "conf/a.yml", dest / "empty.txt", dest / "train.py"]
    for rel, content in tree.items():
        assert (dest / rel).read_text() == content
    assert sorted(p.name for p in dest.rglob("*")) == ["a.yml", "conf", "empty.txt", "train.py"]


def test_restore_detects_a_damaged_blob(
    snapshots: SnapshotStore, store: ArtifactStore, tmp_path: Path
) -> None:
    snap = snapshots.create(write_tree(tmp_path / "c", {"m.py": "m"}))
    store.put_bytes(f"snapshots/blobs/{sha(b'm')[:2]}/{sha(b'm')}", b"tampered")
    with pytest.raises(InternalError, match="does not match"):
        snapshots.restore(snap.id, tmp_path / "out")
    assert not (tmp_path / "out" / "m.py").exists()


def test_unknown_and_malformed_snapshot_ids(snapshots: SnapshotStore, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="0{64}"):
        snapshots.manifest("0" * 64)
    with pytest.raises(InvalidArgumentError, match="sha256"):
        snapshots.restore("../../etc", tmp_path)
    assert not snapshots.exists("f" * 64)


def test_missing_folder_is_refused(snapshots: SnapshotStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="not a folder"):
        snapshots.create(tmp_path / "nope")


def test_always_ignored_folders(snapshots: SnapshotStore, tmp_path: Path) -> None:
    code = write_tree(
        tmp_path / "c",
        {
            "main.py": "m",
            ".git/HEAD": "ref",
            "pkg/__pycache__/x.pyc": "c",
            ".basalt/basalt.db": "db",
            ".venv/bin/python": "py",
            "pkg/mod.py": "p",
        },
    )
    assert [f.path for f in snapshots.create(code).files] == ["main.py", "pkg/mod.py"]


def test_gitignore_patterns_are_honoured(snapshots: SnapshotStore, tmp_path: Path) -> None:
    code = write_tree(
        tmp_path / "c",
        {
            ".gitignore": "# build output\n*.log\n/data/\nbuild\n!keep.log\nnotes/*.txt\n",
            "run.log": "l",
            "keep.log": "k",
            "sub/deep.log": "l",
            "data/big.csv": "d",
            "sub/data/small.txt": "s",
            "extra.csv": "e",
            "build/out.o": "o",
            "sub/build": "file named build",
            "notes/a.txt": "a",
            "notes/deeper/b.txt": "b",
            "train.py": "t",
        },
    )
    paths = [f.path for f in snapshots.create(code, ignore=["*.csv"]).files]
    assert paths == [
        ".gitignore",
        "keep.log",
        "notes/deeper/b.txt",
        "sub/data/small.txt",
        "train.py",
    ]


def test_amlignore_wins_over_gitignore_and_basaltignore_over_both(
    snapshots: SnapshotStore, tmp_path: Path
) -> None:
    code = write_tree(
        tmp_path / "c",
        {".gitignore": "a.txt\n", ".amlignore": "b.txt\n", "a.txt": "a", "b.txt": "b"},
    )
    assert [f.path for f in snapshots.create(code).files] == [".amlignore", ".gitignore", "a.txt"]
    (code / ".basaltignore").write_text(".*ignore\n")
    assert [f.path for f in snapshots.create(code).files] == ["a.txt", "b.txt"]


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "ignored"),
    [
        ("*.py", "a/b/c.py", False, True),
        ("/top.txt", "top.txt", False, True),
        ("/top.txt", "sub/top.txt", False, False),
        ("docs/", "docs", True, True),
        ("docs/", "docs", False, False),
        ("a/**/z", "a/z", False, True),
        ("a/**/z", "a/b/c/z", False, True),
        ("**/cache", "x/y/cache", True, True),
        ("out/**", "out/a/b", False, True),
        ("file?.txt", "file1.txt", False, True),
        ("file[0-9].txt", "fileA.txt", False, False),
        ("file[!0-9].txt", "fileA.txt", False, True),
        ("a/*.txt", "a/b/c.txt", False, False),
    ],
)
def test_ignore_pattern_matching(pattern: str, path: str, is_dir: bool, ignored: bool) -> None:
    assert IgnoreRules([pattern]).ignored(path, is_dir=is_dir) is ignored


def test_symlinked_files_are_followed_and_folder_links_skipped(
    snapshots: SnapshotStore, tmp_path: Path
) -> None:
    outside = write_tree(tmp_path / "outside", {"shared.py": "s", "dir/x.py": "x"})
    code = write_tree(tmp_path / "c", {"main.py": "m"})
    (code / "shared.py").symlink_to(outside / "shared.py")
    (code / "linked_dir").symlink_to(outside / "dir")
    (code / "broken.py").symlink_to(tmp_path / "missing.py")
    assert [f.path for f in snapshots.create(code).files] == ["main.py", "shared.py"]
