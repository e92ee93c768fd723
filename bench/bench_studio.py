"""The studio in headless Chromium: first render of the jobs list and of a metric chart.

A workspace of 10,000 runs (each with 2 params and 2 metrics) and one run with a 1,000,000-point
metric, served by ``basalt server start``. Each figure is the median of 5 page loads in fresh
browser contexts (no cache: every load downloads, parses and runs the bundle again), timed by
the page itself: ``performance.now()`` (milliseconds since navigation started) when a
MutationObserver first sees the element: a row of the jobs list, or the metric chart's canvas.
The bundle figure is the gzip size of the JavaScript and CSS the first page loads.
"""

from __future__ import annotations

import gzip
import math
import random
import re
import statistics
import time
from pathlib import Path
from typing import Any

from _util import Server, row, workspace  # noqa: E402

RUNS = 10_000
POINTS = 1_000_000
BATCH = 100_000
LOADS = 5
TARGET = "< 1 s"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Records when the first element matching each watched selector appears.
WATCH = """
window.__firstSeen = {};
const watched = {rows: '[data-testid=job-row]', chart: '[data-testid^=metric-chart-] canvas'};
new MutationObserver(() => {
  for (const [name, sel] of Object.entries(watched)) {
    if (!(name in window.__firstSeen) && document.querySelector(sel)) {
      window.__firstSeen[name] = performance.now();
    }
  }
}).observe(document, {childList: true, subtree: true});
"""


def _seed(root: Path) -> tuple[str, float]:
    """10,000 runs and a 1M-point run in the workspace; the big run's name and seed seconds."""
    from basalt.client.client import Client
    from basalt.config import load_settings
    from basalt.spec.runs import LogBatch, MetricPoint, RunCreate

    rnd = random.Random(7)
    began = time.perf_counter()
    with Client(settings=load_settings(root)) as client:
        for i in range(RUNS):
            run = client.jobs.create_run(
                RunCreate(experiment_name=f"exp-{i % 10}", display_name=f"trial {i}")
            )
            client.jobs.log_batch(
                run.name,
                LogBatch.model_validate(
                    {
                        "params": {
                            "lr": str(rnd.choice([0.1, 0.01, 0.001])),
                            "optimizer": rnd.choice(["adam", "sgd"]),
                        },
                        "metrics": [
                            {"key": "accuracy", "value": rnd.random(), "step": 0, "timestamp": 0},
                            {"key": "loss", "value": rnd.random(), "step": 0, "timestamp": 0},
                        ],
                    }
                ),
            )
        big = client.jobs.create_run(
            RunCreate(experiment_name="long-training", display_name="1M points")
        )
        construct = MetricPoint.model_construct
        base = 1_764_000_000_000
        for start in range(0, POINTS, BATCH):
            points = [
                construct(
                    key="loss",
                    value=2.0 * math.exp(-i / 200_000) + rnd.random() * 0.1,
                    step=i,
                    timestamp=base + i,
                )
                for i in range(start, start + BATCH)
            ]
            client.jobs.log_batch(big.name, LogBatch.model_construct(metrics=points))
    return big.name, time.perf_counter() - began


def _first_render(browser: Any, url: str, what: str) -> float:
    """Milliseconds from navigation to the first ``what`` element (a fresh context: no cache)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(WATCH)
        page.goto(url)
        page.wait_for_function(f"'{what}' in window.__firstSeen", timeout=60_000)
        return float(page.evaluate(f"window.__firstSeen['{what}']"))
    finally:
        context.close()


def _bundle_gzip_kb() -> tuple[float, float]:
    """Gzip kB of the JS and CSS index.html loads, and their raw kB."""
    from basalt.server.studio import STATIC_DIR

    index = (STATIC_DIR / "index.html").read_text()
    files = [
        STATIC_DIR / ref.lstrip("/") for ref in re.findall(r'(?:src|href)="(/assets/[^"]+)"', index)
    ]
    raw = sum(f.stat().st_size for f in files)
    packed = sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)
    return packed / 1024, raw / 1024


def run() -> list[dict[str, Any]]:
    """Seed, serve, and time the two first renders; report the bundle size."""
    from playwright.sync_api import sync_playwright

    from basalt.server.studio import is_built

    if not is_built():
        raise RuntimeError("the studio is not built: run make setup")
    out: list[dict[str, Any]] = []
    gz, raw = _bundle_gzip_kb()
    out.append(
        row(
            "studio_bundle_gzip",
            gz,
            "kB",
            "info",
            notes=f"JS + CSS of the first page; {raw:.0f} kB before gzip",
        )
    )
    with workspace() as root:
        big, seed_s = _seed(root)
        with Server(root) as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                pages = {
                    "rows": f"{server.url}/workspaces/default/jobs",
                    "chart": f"{server.url}/workspaces/default/jobs/{big}?tab=metrics",
                }
                for what, url in pages.items():
                    _first_render(browser, url, what)  # warm-up: the server's first queries
                    times = [_first_render(browser, url, what) for _ in range(LOADS)]
                    name = (
                        "studio_jobs_list_first_render"
                        if what == "rows"
                        else "studio_metric_chart_first_render"
                    )
                    scope = f"{RUNS:,} runs" if what == "rows" else f"a {POINTS:,}-point metric"
                    out.append(
                        row(
                            name,
                            statistics.median(times) / 1000,
                            "s",
                            TARGET,
                            notes=f"headless Chromium, {scope}; median of {LOADS} cold loads "
                            f"(min {min(times):.0f} ms, max {max(times):.0f} ms); "
                            f"seeding took {seed_s:.0f} s",
                        )
                    )
            finally:
                browser.close()
    return out
