"""MLflow's evenly spaced sampling (``metrics/get-history-bulk-interval``)."""

from __future__ import annotations

import pytest

from basalt.services.run_metrics import evenly_spaced


@pytest.mark.parametrize(
    ("total", "count", "expected"),
    [
        (0, 5, []),
        (3, 5, [0, 1, 2]),
        (10, 1, [9]),
        (10, 2, [0, 9]),
        (11, 3, [0, 5, 10]),
        (1000, 10, [0, 111, 222, 333, 444, 555, 666, 777, 888, 999]),
    ],
    ids=["empty", "fewer-than-asked", "one-is-last", "ends", "middle", "many"],
)
def test_evenly_spaced_keeps_first_and_last(total, count, expected):
    assert evenly_spaced(total, count) == expected
