"""``--set a.b=value`` options turned into nested dicts (for partial updates)."""

from __future__ import annotations

from typing import Any


def nested_sets(sets: list[str]) -> dict[str, Any]:
    """``["settings.mini_batch_size=5"]`` as ``{"settings": {"mini_batch_size": 5}}``.

    Raises:
        InvalidArgumentError: An item is not ``key=value``.
    """
    from basalt.spec.job_yaml import parse_override

    out: dict[str, Any] = {}
    for text in sets:
        keys, value = parse_override(text)
        target = out
        for key in keys[:-1]:
            target = target.setdefault(str(key), {})
        target[str(keys[-1])] = value
    return out
