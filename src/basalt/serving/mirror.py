"""Whether a shadow deployment answered as the live one did (mirror traffic statistics)."""

from __future__ import annotations

import json
import math
from typing import Any

REL_TOL = 1e-6
ABS_TOL = 1e-9


def answers_agree(live_status: int, live_body: bytes, shadow_status: int, shadow: bytes) -> bool:
    """Whether two answers agree: the same status and the same body.

    Bodies are compared as JSON with floats equal to 1e-6 (relative), or as bytes when
    either is not JSON.
    """
    if live_status != shadow_status:
        return False
    if live_body == shadow:
        return True
    try:
        return _same(json.loads(live_body), json.loads(shadow))
    except ValueError:
        return False


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return bool(a.keys() == b.keys()) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)
