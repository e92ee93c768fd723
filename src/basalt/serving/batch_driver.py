"""The batch scoring driver: runs inside a batch endpoint's job, with the environment's Python.

Standard library only, run by file path (``python _basalt_batch/driver.py --config ...``), so
Basalt need not be installed in the job's environment. It follows Azure ML's batch contract:

- the input's files (a folder, recursively, sorted; or one file) are split into mini-batches
  of ``mini_batch_size`` files;
- ``instance_count * max_concurrency_per_instance`` worker processes (multiprocessing, spawn)
  each import the scoring script and call ``init()`` once, with ``AZUREML_MODEL_DIR`` set to
  the folder holding the model;
- each mini-batch is a call ``run(mini_batch)`` with the list of file paths; its result (a
  list of rows or strings, or a pandas DataFrame) is appended, for ``append_row``, to
  ``output_file_name`` in the output folder;
- a mini-batch that raises, times out (``retry_settings.timeout`` seconds) or kills its worker
  is tried again up to ``retry_settings.max_retries`` times; the files of mini-batches that
  still fail count against ``error_threshold`` (-1: never fail the job); above it the job
  fails, naming the files and the error;
- progress goes to the log (``mini-batches: 3/10 done, 1 failed``), to ``progress.json`` in
  the output folder, and, when the job's tracking is reachable (``MLFLOW_TRACKING_URI`` and
  ``MLFLOW_RUN_ID``, set by the runner), to the metrics ``mini_batches_done``,
  ``mini_batches_failed`` and ``mini_batches_total``.
"""

from __future__ import annotations

import argparse
import collections
import csv
import importlib.util
import io
import json
import logging
import multiprocessing
import os
import queue
import sys
import time
import traceback
import urllib.request
from pathlib import Path
from typing import Any

# NOTE: this script runs in the job's own environment without Basalt, so it cannot read
# basalt.config; the scoring contract (AZUREML_MODEL_DIR) and the runner's tracking variables
# are environment variables, and the spawned workers inherit what is set here.
_ENV = os.environ  # noqa: TID251
PROGRESS_FILE = "progress.json"
METRIC_INTERVAL_S = 1.0
_POLL_S = 0.1


def _say(text: str, *, err: bool = False) -> None:
    """A line for the job's log (the console is the log)."""
    print(text, file=sys.stderr if err else sys.stdout, flush=True)  # noqa: T201 - console = log


def list_files(path: Path) -> list[Path]:
    """The input's files: the file itself, or every file below a folder (sorted, no hidden)."""
    if path.is_file():
        return [path]
    found = []
    for item in path.rglob("*"):
        rel = item.relative_to(path).parts
        if item.is_file() and not any(p.startswith(".") for p in rel):
            found.append(item)
    return sorted(found)


def to_lines(result: Any) -> list[str]:
    """``run``'s result as output lines: DataFrame rows as CSV, list items one per line."""
    if result is None:
        return []
    if hasattr(result, "to_csv"):  # a pandas DataFrame (or Series)
        text = result.to_csv(index=False, header=False)
        return [line for line in str(text).splitlines() if line]
    if isinstance(result, (str, bytes)):
        result = [result]
    lines = []
    for item in result:
        if isinstance(item, bytes):
            lines.append(item.decode("utf-8", errors="replace"))
        elif isinstance(item, (list, tuple)):
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow(item)
            lines.append(buf.getvalue())
        else:
            lines.append(str(item))
    return lines


def _worker(
    wid: int,
    script: str,
    code_dir: str,
    level: str,
    tasks: Any,
    results: Any,
) -> None:
    """One worker: import the scoring script, ``init()`` once, then ``run`` each mini-batch."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    sys.path.insert(0, code_dir)
    try:
        spec = importlib.util.spec_from_file_location(Path(script).stem, script)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        if hasattr(module, "init"):
            module.init()
        run = module.run
    except BaseException:  # noqa: BLE001 - reported to the driver, which fails the job
        results.put(("init_error", wid, traceback.format_exc()))
        return
    results.put(("ready", wid, None))
    while True:
        task = tasks.get()
        if task is None:
            return
        index, files = task
        try:
            lines = to_lines(run(list(files)))
        except BaseException as exc:  # noqa: BLE001 - the mini-batch failed, the worker lives
            detail = f"{type(exc).__name__}: {exc}"
            sys.stderr.write(f"mini-batch {index} failed in worker {wid}:\n")
            sys.stderr.write(traceback.format_exc())
            sys.stderr.flush()
            results.put(("failed", wid, (index, detail)))
            continue
        results.put(("done", wid, (index, lines)))


class _Slot:
    """A worker process and what it is doing."""

    def __init__(self, wid: int, proc: Any, tasks: Any) -> None:
        self.wid = wid
        self.proc = proc
        self.tasks = tasks
        self.ready = False
        self.busy: tuple[int, float] | None = None


class Driver:
    """Splits, dispatches, retries, counts and writes; ``run()`` returns the exit status."""

    def __init__(self, config: dict[str, Any], inputs: Path, model: Path, output: Path) -> None:
        self.cfg = config
        self.output = output
        self.files = list_files(inputs)
        size = int(config["mini_batch_size"])
        self.batches = [self.files[i : i + size] for i in range(0, len(self.files), size)]
        self.attempts: collections.Counter[int] = collections.Counter()
        self.done = 0
        self.failed: dict[int, str] = {}
        self.rows = 0
        self.model_dir = _model_dir(model, str(config.get("model_dir_name") or ""))
        self.ctx = multiprocessing.get_context("spawn")
        self.results: Any = self.ctx.Queue()
        self.slots: list[_Slot] = []
        self._last_metric = 0.0
        self._metrics_ok = True

    def run(self) -> int:
        """Score every mini-batch; 0 when the job succeeds, 1 when it must fail."""
        total = len(self.batches)
        _say(
            f"batch scoring: {len(self.files)} files in {total} mini-batches of up to "
            f"{self.cfg['mini_batch_size']}, {self._workers()} workers",
        )
        self.output.mkdir(parents=True, exist_ok=True)
        out_file = self.output / str(self.cfg["output_file_name"])
        append = self.cfg["output_action"] == "append_row"
        if append:
            out_file.write_text("")
        self._progress("Running")
        if total == 0:
            self._progress("Completed")
            return 0
        _ENV["AZUREML_MODEL_DIR"] = str(self.model_dir)
        _ENV["AZUREML_BI_OUTPUT_PATH"] = str(self.output)
        pending = collections.deque(range(total))
        for wid in range(min(self._workers(), total)):
            self.slots.append(self._start(wid))
        try:
            status = self._loop(pending, out_file if append else None)
        finally:
            self._stop_all()
        return status

    # --- the loop ------------------------------------------------------------------------

    def _loop(self, pending: collections.deque[int], out_file: Path | None) -> int:
        timeout = float(self.cfg["timeout"])
        while pending or any(s.busy for s in self.slots):
            for slot in self.slots:
                if slot.ready and slot.busy is None and pending:
                    index = pending.popleft()
                    self.attempts[index] += 1
                    slot.busy = (index, time.monotonic())
                    slot.tasks.put((index, [str(f) for f in self.batches[index]]))
            try:
                kind, wid, payload = self.results.get(timeout=_POLL_S)
            except queue.Empty:
                kind, wid, payload = "", -1, None
            found = next((s for s in self.slots if s.wid == wid), None)
            if kind in ("done", "failed") and (found is None or found.busy is None):
                continue  # from a worker that was replaced (timed out) meanwhile
            if kind == "init_error":
                _say(f"init() failed in worker {wid}:\n{payload}", err=True)
                self._progress("Failed")
                _say("batch scoring failed: the scoring script's init() raised", err=True)
                return 1
            if kind == "ready" and found is not None:
                found.ready = True
            elif kind == "done" and found is not None:
                index, lines = payload
                found.busy = None
                if out_file is not None and lines:
                    with out_file.open("a", encoding="utf-8") as fh:
                        fh.write("\n".join(lines) + "\n")
                self.rows += len(lines)
                self.done += 1
                self._report()
            elif kind == "failed" and found is not None:
                index, detail = payload
                found.busy = None
                if self._failed(index, detail, pending):
                    return 1
            for slot in list(self.slots):
                if slot.busy is None:
                    if not slot.proc.is_alive() and pending:
                        self._restart(slot)
                    continue
                index, started = slot.busy
                if time.monotonic() - started > timeout:
                    why = f"timed out after {timeout:g} s (retry_settings.timeout)"
                elif not slot.proc.is_alive():
                    why = f"its worker died (exit code {slot.proc.exitcode})"
                else:
                    continue
                self._restart(slot)
                if self._failed(index, why, pending):
                    return 1
        self._progress("Completed")
        failed_files = sum(len(self.batches[i]) for i in self.failed)
        summary = (
            f"batch scoring done: {self.done}/{len(self.batches)} mini-batches, {self.rows} "
            f"rows written, {len(self.failed)} mini-batches ({failed_files} files) failed"
        )
        _say(summary)
        if self.failed:
            names = ", ".join(self._names(i) for i in sorted(self.failed))
            _say(f"failed files (within error_threshold): {names}")
        return 0

    def _failed(self, index: int, detail: str, pending: collections.deque[int]) -> bool:
        """Retry or give up on a mini-batch; True when the job must fail now."""
        tries = self.attempts[index]
        retries = int(self.cfg["max_retries"])
        names = self._names(index)
        if tries <= retries:
            _say(
                f"mini-batch {index} ({names}) failed on try {tries} of {retries + 1}: {detail}; "
                "retrying",
            )
            pending.append(index)
            return False
        times = "1 try" if tries == 1 else f"{tries} tries"
        _say(f"mini-batch {index} ({names}) failed after {times}: {detail}")
        self.failed[index] = detail
        self._report()
        threshold = int(self.cfg["error_threshold"])
        failed_items = sum(len(self.batches[i]) for i in self.failed)
        if threshold < 0 or failed_items <= threshold:
            return False
        self._progress("Failed")
        listed = "; ".join(f"{self._names(i)}: {self.failed[i]}" for i in sorted(self.failed))
        _say(
            f"batch scoring failed: {failed_items} failed files exceed error_threshold "
            f"{threshold} ({listed})",
            err=True,
        )
        return True

    # --- workers -------------------------------------------------------------------------

    def _workers(self) -> int:
        return int(self.cfg["instance_count"]) * int(self.cfg["max_concurrency_per_instance"])

    def _start(self, wid: int) -> _Slot:
        tasks = self.ctx.Queue()
        code_dir = str(Path(self.cfg["code_dir"]).resolve())
        script = str(Path(code_dir) / str(self.cfg["scoring_script"]))
        args = (wid, script, code_dir, str(self.cfg["logging_level"]), tasks, self.results)
        proc = self.ctx.Process(target=_worker, args=args, daemon=True)
        proc.start()
        return _Slot(wid, proc, tasks)

    def _restart(self, slot: _Slot) -> None:
        if slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(5)
        fresh = self._start(slot.wid)
        slot.proc, slot.tasks, slot.ready, slot.busy = fresh.proc, fresh.tasks, False, None

    def _stop_all(self) -> None:
        for slot in self.slots:
            if slot.proc.is_alive() and slot.busy is None:
                slot.tasks.put(None)
        for slot in self.slots:
            slot.proc.join(2)
            if slot.proc.is_alive():
                slot.proc.kill()
                slot.proc.join(5)

    # --- progress ------------------------------------------------------------------------

    def _names(self, index: int) -> str:
        return ", ".join(f.name for f in self.batches[index])

    def _report(self) -> None:
        _say(
            f"mini-batches: {self.done}/{len(self.batches)} done, {len(self.failed)} failed",
        )
        self._progress("Running")

    def _progress(self, status: str) -> None:
        data = {
            "status": status,
            "mini_batches_total": len(self.batches),
            "mini_batches_done": self.done,
            "mini_batches_failed": len(self.failed),
            "files_total": len(self.files),
            "files_failed": sum(len(self.batches[i]) for i in self.failed),
            "rows": self.rows,
            "failed": [
                {"files": [f.name for f in self.batches[i]], "error": e}
                for i, e in sorted(self.failed.items())
            ],
        }
        tmp = self.output / f".{PROGRESS_FILE}.tmp"
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(self.output / PROGRESS_FILE)
        now = time.monotonic()
        if status == "Running" and now - self._last_metric < METRIC_INTERVAL_S:
            return
        self._last_metric = now
        self._metrics(
            {
                "mini_batches_done": self.done,
                "mini_batches_failed": len(self.failed),
                "mini_batches_total": len(self.batches),
            }
        )

    def _metrics(self, values: dict[str, int]) -> None:
        uri = _ENV.get("MLFLOW_TRACKING_URI", "")
        run_id = _ENV.get("MLFLOW_RUN_ID", "")
        if not self._metrics_ok or not run_id or not uri.startswith(("http://", "https://")):
            return
        stamp = int(time.time() * 1000)
        body = {
            "run_id": run_id,
            "metrics": [
                {"key": k, "value": v, "timestamp": stamp, "step": 0} for k, v in values.items()
            ],
        }
        request = urllib.request.Request(  # noqa: S310 - the runner's own tracking URI
            uri.rstrip("/") + "/api/2.0/mlflow/runs/log-batch",
            data=json.dumps(body).encode(),
            headers=_headers(),
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=5):  # noqa: S310
                pass
        except OSError as exc:
            self._metrics_ok = False
            _say(f"(progress metrics not logged: {exc})", err=True)


def _headers() -> dict[str, str]:
    """JSON, and the bearer token the runner gives a job on a server with auth on."""
    headers = {"Content-Type": "application/json"}
    token = _ENV.get("MLFLOW_TRACKING_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _model_dir(model: Path, dir_name: str) -> Path:
    """What ``AZUREML_MODEL_DIR`` is: a folder holding the model's registered folder name."""
    if not dir_name:
        return model
    holder = Path("_basalt_batch") / "model_dir"
    holder.mkdir(parents=True, exist_ok=True)
    link = holder / dir_name
    if not link.exists():
        try:
            link.symlink_to(model.resolve(), target_is_directory=model.is_dir())
        except OSError:
            import shutil

            shutil.copytree(model, link)
    return holder.resolve()


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the driver, return its exit status."""
    parser = argparse.ArgumentParser(description="Basalt batch scoring driver")
    parser.add_argument("--config", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    config = json.loads(Path(args.config).read_text(encoding="utf-8"))
    driver = Driver(config, Path(args.input), Path(args.model), Path(args.output))
    return driver.run()


if __name__ == "__main__":
    sys.exit(main())
