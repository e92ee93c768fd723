"""Best-effort ``.gitignore``-style matching for code snapshots.

Supported: ``#`` comments, blank lines, ``!`` negation (last matching pattern wins), a trailing
``/`` for folders only, a leading or inner ``/`` to anchor a pattern at the snapshot root,
``*``, ``?``, ``[...]`` and ``**``. Not supported: ignore files in sub-folders and escaped
trailing spaces. As in git, a file inside an ignored folder cannot be re-included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ALWAYS_IGNORED = (".git", "__pycache__", ".basalt", ".venv")
"""Folder and file names left out of every snapshot, whatever the ignore files say."""

IGNORE_FILES = (".basaltignore", ".amlignore", ".gitignore")
"""Ignore files looked for at the snapshot root; the first one found is used, as Azure ML
uses ``.amlignore`` instead of ``.gitignore`` when both exist."""


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _translate(glob: str) -> str:
    """Translate one gitignore glob (without anchoring or trailing slash) to a regex."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = glob.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = glob[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _compile(line: str) -> _Rule | None:
    pattern = line.rstrip()
    if not pattern or pattern.startswith("#"):
        return None
    negate = pattern.startswith("!")
    if negate:
        pattern = pattern[1:]
    dir_only = pattern.endswith("/")
    pattern = pattern.rstrip("/")
    if not pattern:
        return None
    anchored = "/" in pattern
    pattern = pattern.lstrip("/")
    body = _translate(pattern)
    regex = f"^{body}$" if anchored else f"^(?:.*/)?{body}$"
    try:
        return _Rule(re.compile(regex), negate, dir_only)
    except re.error:
        return None  # best effort: a pattern we cannot read is skipped, not fatal


class IgnoreRules:
    """Decides which paths of a folder a snapshot leaves out.

    Args:
        patterns: gitignore-style lines, in order.
    """

    def __init__(self, patterns: list[str]) -> None:
        self._rules = [rule for line in patterns if (rule := _compile(line)) is not None]

    @classmethod
    def for_folder(cls, root: Path, extra: list[str] | None = None) -> IgnoreRules:
        """Rules from the first ignore file found at ``root``, then ``extra`` patterns."""
        patterns: list[str] = []
        for name in IGNORE_FILES:
            candidate = root / name
            if candidate.is_file():
                patterns = candidate.read_text(encoding="utf-8", errors="replace").splitlines()
                break
        return cls([*patterns, *(extra or [])])

    def ignored(self, rel: str, *, is_dir: bool) -> bool:
        """Whether the relative posix path ``rel`` is left out.

        Args:
            rel: Path relative to the snapshot root, with forward slashes.
            is_dir: Whether the path is a folder.

        Returns:
            True when it is always ignored by name or the last matching rule ignores it.
        """
        if rel.rsplit("/", 1)[-1] in ALWAYS_IGNORED:
            return True
        result = False
        for rule in self._rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.match(rel):
                result = not rule.negate
        return result
