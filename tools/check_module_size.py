"""Fail when a module passes the size cap (CONVENTIONS.md: split past 500 lines, fail past 1,000)."""

import sys
from pathlib import Path

CAP = 1000
WARN = 500


def main(root: str) -> int:
    """Check every module under ``root``; return the process exit code."""
    failed = False
    for path in sorted(Path(root).rglob("*.py")):
        lines = sum(1 for _ in path.open(encoding="utf-8"))
        if lines > CAP:
            print(f"error: {path} has {lines} lines (cap {CAP}); split it by sub-concept")
            failed = True
        elif lines > WARN:
            print(f"note: {path} has {lines} lines; consider splitting (over {WARN})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "src/basalt"))
