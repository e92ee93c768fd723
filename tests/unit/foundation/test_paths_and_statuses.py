from __future__ import annotations

import math

import pytest

from basalt._internal.paths import normalize_artifact_path
from basalt.errors import InvalidArgumentError
from basalt.services.runs import downsample_min_max
from basalt.spec.runs import ALLOWED_TRANSITIONS, RunStatus


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("a/b.txt", "a/b.txt"), ("./a/./b", "a/b"), ("a\\b", "a/b"), ("dir/", "dir")],
)
def test_paths_are_normalized(raw, clean):
    assert normalize_artifact_path(raw) == clean


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("../x", ".."),
        ("a/../../x", ".."),
        ("/etc/passwd", "absolute"),
        ("C:/x", "absolute"),
        ("a//b", "empty segment"),
        ("", "empty"),
        ("a\x00b", "control"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "drive", "double-slash", "empty", "nul"],
)
def test_unsafe_paths_are_refused(raw, needle):
    with pytest.raises(InvalidArgumentError, match=needle):
        normalize_artifact_path(raw)


def test_terminal_statuses_have_no_way_out():
    for status in RunStatus:
        assert (ALLOWED_TRANSITIONS[status] == frozenset()) == status.is_terminal()


def test_downsample_keeps_min_and_max_in_step_order():
    steps = list(range(1000))
    values = [float(i % 7) for i in steps]
    values[500] = 100.0
    values[501] = math.nan
    s, _, v = downsample_min_max(steps, steps, values, 10)
    assert len(s) <= 20
    assert s == sorted(s)
    assert 100.0 in v
    assert not any(math.isnan(x) for x in v)
