"""Artifact-path normalization: one place decides what a safe relative path is."""

from __future__ import annotations

from basalt.errors import invalid


def normalize_artifact_path(path: str, *, field: str = "path", allow_empty: bool = False) -> str:
    """Return ``path`` as a clean, relative, forward-slash path.

    Backslashes become slashes and single ``.`` segments are dropped. Anything that could escape
    the artifact root or is ambiguous is refused.

    Args:
        path: The path as the user gave it.
        field: The field name to report in the error.
        allow_empty: Accept ``""`` (the root), as listing does.

    Returns:
        The normalized path, e.g. ``"outputs/model.pkl"``.

    Raises:
        InvalidArgumentError: The path is absolute, contains ``..``, an empty segment, or a
            control character.

    Example:
        >>> normalize_artifact_path("outputs/./model.pkl")
        'outputs/model.pkl'
    """
    raw = path.replace("\\", "/")
    if any(ord(c) < 32 for c in raw):
        raise invalid(field, f"Artifact path {path!r} contains a control character")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise invalid(field, f"Artifact path {path!r} is absolute; give a path relative to the run")
    stripped = raw[:-1] if raw.endswith("/") else raw
    if stripped == "" or stripped == ".":
        if allow_empty:
            return ""
        raise invalid(field, "Artifact path is empty; give a file name such as 'outputs/model.pkl'")
    parts = []
    for seg in stripped.split("/"):
        if seg == "":
            raise invalid(field, f"Artifact path {path!r} has an empty segment ('//')")
        if seg == "..":
            raise invalid(
                field, f"Artifact path {path!r} contains '..'; paths may not leave the run"
            )
        if seg == ".":
            continue
        parts.append(seg)
    if not parts:
        if allow_empty:
            return ""
        raise invalid(field, "Artifact path is empty; give a file name such as 'outputs/model.pkl'")
    return "/".join(parts)
