"""Run the benchmarks and write docs/benchmarks.md (``make bench``).

Every ``bench/bench_*.py`` exposes ``run() -> list[dict]``; each dict is one figure:
``name, value, unit, target, baseline, baseline_name, ratio, notes`` and, optionally,
``passed`` (otherwise judged from ``target`` such as ``"< 1 s"`` or ``">= 50,000 points/s"``;
a target that is not a comparison, such as ``"info"``, is reported without a verdict).

Usage:
    python bench/run.py                 # everything; writes docs/benchmarks.md
    python bench/run.py ingest history  # only modules whose name contains a word; no file
    python bench/run.py ingest --write  # ... and write the file anyway

A module that raises is reported as an error row; the others still run. The exit status is 1
when a module fails, and also when a figure misses its target with ``--strict`` (timings on a
shared machine are noisy, so a miss alone does not fail ``make bench``).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DOC = ROOT / "docs" / "benchmarks.md"
sys.path.insert(0, str(BENCH))

_TARGET = re.compile(r"^\s*(<=|>=|<|>)\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([^\s]*)")
_SCALE = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "MB": 1.0, "GB": 1000.0}


def discover() -> list[str]:
    """Module names of every benchmark, in a stable order."""
    return sorted(p.stem for p in BENCH.glob("bench_*.py"))


def verdict(row: dict[str, Any]) -> str:
    """``pass``, ``FAIL`` or ``info`` for one row."""
    if row.get("error"):
        return "ERROR"
    if row.get("passed") is not None:
        return "pass" if row["passed"] else "FAIL"
    match = _TARGET.match(str(row.get("target", "")))
    if match is None:
        return "info"
    op, number, unit = match.groups()
    limit = float(number.replace(",", ""))
    value = float(row["value"])
    if unit and unit != row.get("unit") and unit in _SCALE and row.get("unit") in _SCALE:
        limit = limit * _SCALE[unit] / _SCALE[row["unit"]]
    ok = {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
    }[op]
    return "pass" if ok else "FAIL"


def fmt(value: Any) -> str:
    """A number for people: thousands separators, at most three decimals."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if value != value:  # NaN
        return "nan"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.3f}".rstrip("0").rstrip(".")


def run_module(name: str) -> tuple[list[dict[str, Any]], float]:
    """Import and run one benchmark module; failures become one error row."""
    began = time.perf_counter()
    try:
        module = importlib.import_module(name)
        rows = list(module.run())
    except Exception as exc:  # a broken benchmark must not hide the others
        traceback.print_exc()
        rows = [
            {
                "name": name,
                "value": float("nan"),
                "unit": "",
                "target": "",
                "baseline": None,
                "baseline_name": None,
                "ratio": None,
                "notes": f"{type(exc).__name__}: {exc}",
                "error": True,
            }
        ]
    for row in rows:
        row.setdefault("module", name)
    return rows, time.perf_counter() - began


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        import psutil

        memory = f"{psutil.virtual_memory().total / 2**30:.0f} GiB"
    except ImportError:
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    commit = ""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if dirty:
            commit += " (with uncommitted changes)"
    except (OSError, subprocess.CalledProcessError):
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus (nproc)": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "load average at start": load,
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "sqlite": sqlite3.sqlite_version,
        "commit": commit,
    }


def table(rows: list[dict[str, Any]]) -> list[str]:
    """The Markdown table of every figure."""
    out = [
        "| figure | target | measured | baseline | ratio | result |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        unit = r.get("unit") or ""
        measured = f"{fmt(r['value'])} {unit}".strip()
        baseline = f"{fmt(r.get('baseline'))} {unit}".strip() if r.get("baseline") else ""
        ratio = fmt(r.get("ratio")) if r.get("ratio") is not None else ""
        out.append(
            f"| `{r['name']}` | {r.get('target', '')} | {measured} | {baseline} | {ratio} "
            f"| {verdict(r)} |"
        )
    return out


def write_doc(rows: list[dict[str, Any]], timings: dict[str, float], info: dict[str, str]) -> None:
    """Write docs/benchmarks.md."""
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/run.py`); do not edit by hand. Each figure comes from",
        "one `bench/bench_*.py` module; its docstring says exactly what is timed. Reference",
        "figures for MLflow 3.17 are quoted from the issue (measured on this kind of machine),",
        "not measured here.",
        "",
        "## Machine",
        "",
    ]
    lines += [f"- {key}: {value}" for key, value in info.items() if value]
    lines += [
        "- modules: " + ", ".join(f"{name} ({seconds:.0f} s)" for name, seconds in timings.items()),
        "",
        "## Figures",
        "",
        *table(rows),
        "",
        "`ratio` is explained per figure below (for MLflow baselines: how many times better).",
        "",
        "## Notes",
        "",
    ]
    for r in rows:
        text = r.get("notes") or ""
        if r.get("baseline_name"):
            text = f"baseline: {r['baseline_name']}. {text}"
        lines.append(f"- `{r['name']}`: {text}")
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    """Run the selected benchmarks, print the table, write the report."""
    words = [a for a in argv if not a.startswith("--")]
    names = [n for n in discover() if not words or any(w in n for w in words)]
    if not names:
        print(f"no benchmark matches {words}; known: {', '.join(discover())}")
        return 2
    info = machine()
    rows: list[dict[str, Any]] = []
    timings: dict[str, float] = {}
    for name in names:
        print(f"== {name} ...", flush=True)
        module_rows, seconds = run_module(name)
        timings[name] = seconds
        rows += module_rows
        for r in module_rows:
            print(
                f"   {r['name']:<42} {fmt(r['value']):>12} {r.get('unit') or '':<9} "
                f"{r.get('target', ''):<40} {verdict(r)}",
                flush=True,
            )
        print(f"   ({seconds:.0f} s)", flush=True)
    print()
    print("\n".join(table(rows)))
    if not words or "--write" in argv:
        write_doc(rows, timings, info)
        print(f"\nwrote {DOC.relative_to(ROOT)}")
    bad = ("FAIL", "ERROR") if "--strict" in argv else ("ERROR",)
    return 1 if any(verdict(r) in bad for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
