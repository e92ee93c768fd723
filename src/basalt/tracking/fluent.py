"""Module-level tracking API: ``basalt.start_run``, ``basalt.log_metric`` and friends."""

from __future__ import annotations

import atexit
import logging
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from basalt.tracking.batcher import Batcher, Point

if TYPE_CHECKING:
    from basalt.client.client import Client

logger = logging.getLogger(__name__)

_lock = threading.RLock()
_state: dict[str, Any] = {"client": None, "run": None, "hooks": False}
_checked_keys: set[str] = set()  # metric keys already validated, so the hot loop skips it


class ActiveRun:
    """The run a script logs to; a context manager that ends it.

    Attributes:
        name: The run's name (its id).
        attached: True inside a Basalt job, where the job's runner owns the run's status.
    """

    def __init__(self, client: Client, name: str, *, attached: bool) -> None:
        self.client = client
        self.name = name
        self.attached = attached
        settings = client.settings.tracking
        self._batcher = Batcher(
            self._send, batch_size=settings.batch_size, interval=settings.flush_interval
        )
        self._ended = False

    def _send(self, points: list[Point], params: dict[str, str], tags: dict[str, str]) -> None:
        from basalt.spec.runs import LogBatch, MetricColumns

        if params or tags:
            LogBatch(params=params, tags=tags)  # validates names and values before sending
        columns = None
        if points:
            # NOTE: columns, not a MetricPoint per point: this is the logging hot path, and
            # the keys were validated when logged (see log_metrics).
            keys, values, steps, stamps = (list(c) for c in zip(*points, strict=True))
            columns = MetricColumns.model_construct(
                keys=keys, values=values, steps=steps, timestamps=stamps
            )
        batch = LogBatch.model_construct(metric_columns=columns, params=params, tags=tags)
        self.client.jobs.log_batch(self.name, batch)

    def flush(self) -> None:
        """Send everything logged so far and wait until it is stored."""
        self._batcher.flush()

    def end(self, status: str = "Completed", error: str | None = None) -> None:
        """Flush, then mark the run ended (unless a job's runner owns it)."""
        if self._ended:
            return
        self._ended = True
        try:
            self._batcher.close()
        finally:
            if not self.attached:
                from basalt.spec.runs import RunError, RunStatus, RunUpdate

                update = RunUpdate(status=RunStatus(status))
                if error:
                    update = RunUpdate(
                        status=RunStatus(status),
                        error=RunError(
                            message=error.splitlines()[-1] if error.strip() else error,
                            traceback=error,
                        ),
                    )
                self.client.jobs.update(self.name, update)

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with _lock:
            if _state["run"] is self:
                _state["run"] = None
        if exc_type is None:
            self.end("Completed")
        else:
            self.end("Failed", "".join(traceback.format_exception(exc_type, exc, tb)))

    def __repr__(self) -> str:
        return f"ActiveRun(name={self.name!r})"


def _client() -> Client:
    with _lock:
        if _state["client"] is None:
            from basalt.client.client import Client

            _state["client"] = Client()
        client: Client = _state["client"]
        return client


def start_run(
    experiment_name: str | None = None,
    display_name: str | None = None,
    tags: dict[str, str] | None = None,
    *,
    client: Client | None = None,
) -> ActiveRun:
    """Start a run (or, inside a Basalt job, attach to the job's run) and make it active.

    Use it as a context manager: the run ends Completed when the block exits normally and
    Failed, with the traceback, when an exception escapes.

    Example:
        >>> with basalt.start_run(experiment_name="mnist") as run:  # doctest: +SKIP
        ...     basalt.log_metric("loss", 0.3, step=1)
    """
    with _lock:
        if _state["run"] is not None:
            from basalt.errors import ConflictError

            raise ConflictError(
                f"Run '{_state['run'].name}' is already active; end it first (basalt.end_run())"
            )
        if client is not None:
            _state["client"] = client
        cl = _client()
        attached_name = cl.settings.run_name
        if attached_name:
            run = ActiveRun(cl, attached_name, attached=True)
            if tags:
                run._batcher.add_tags(dict(tags))
        else:
            from basalt.spec.experiments import DEFAULT_EXPERIMENT
            from basalt.spec.runs import RunCreate

            created = cl.jobs.create_run(
                RunCreate(
                    experiment_name=experiment_name or DEFAULT_EXPERIMENT,
                    display_name=display_name,
                    tags=dict(tags or {}),
                    created_by=_user(),
                )
            )
            run = ActiveRun(cl, created.name, attached=False)
        _state["run"] = run
        _install_hooks()
        return run


def _user() -> str | None:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return None


def active_run() -> ActiveRun | None:
    """The active run, if any."""
    run: ActiveRun | None = _state["run"]
    return run


def _run() -> ActiveRun:
    run = active_run()
    return run if run is not None else start_run()


def end_run(status: str = "Completed") -> None:
    """End the active run."""
    with _lock:
        run: ActiveRun | None = _state["run"]
        _state["run"] = None
    if run is not None:
        run.end(status)


def _now_ms() -> int:
    return int(time.time() * 1000)


def log_metric(key: str, value: float, step: int | None = None) -> None:
    """Log one metric value (NaN and infinities are kept)."""
    log_metrics({key: value}, step=step)


def log_metrics(metrics: dict[str, float], step: int | None = None) -> None:
    """Log several metric values at the same step."""
    ts = _now_ms()
    for key in metrics:
        if key not in _checked_keys:
            from basalt.spec.common import check_name

            _checked_keys.add(check_name(key, "metric key"))
    _run()._batcher.add_points([(k, float(v), step or 0, ts) for k, v in metrics.items()])


def log_param(key: str, value: Any) -> None:
    """Log one parameter (stored as a string; immutable once logged)."""
    log_params({key: value})


def log_params(params: dict[str, Any]) -> None:
    """Log several parameters."""
    _run()._batcher.add_params({k: str(v) for k, v in params.items()})


def set_tag(key: str, value: Any) -> None:
    """Set a tag on the active run."""
    set_tags({key: value})


def set_tags(tags: dict[str, Any]) -> None:
    """Set several tags on the active run."""
    _run()._batcher.add_tags({k: str(v) for k, v in tags.items()})


def log_artifact(local_path: str | Path, artifact_path: str | None = None) -> None:
    """Upload a local file (or every file of a folder) among the run's output files.

    Args:
        local_path: A file or a folder.
        artifact_path: Folder inside the run's files to put it under (default: the top).
    """
    run = _run()
    src = Path(local_path)
    prefix = f"{artifact_path.strip('/')}/" if artifact_path else ""
    if src.is_dir():
        for file in sorted(p for p in src.rglob("*") if p.is_file()):
            run.client.jobs.upload_file(
                run.name, file, f"{prefix}{src.name}/{file.relative_to(src).as_posix()}"
            )
    else:
        run.client.jobs.upload_file(run.name, src, f"{prefix}{src.name}")


def log_image(image: Any, artifact_file: str) -> None:
    """Store an image among the run's output files.

    Args:
        image: A path to an image file, PNG bytes, a PIL image, or a matplotlib figure.
        artifact_file: Path inside the run's files, e.g. ``"plots/loss.png"``.
    """
    import io
    import tempfile

    run = _run()
    if isinstance(image, (str, Path)):
        data = Path(image).read_bytes()
    elif isinstance(image, bytes):
        data = image
    elif hasattr(image, "savefig"):
        buf = io.BytesIO()
        image.savefig(buf, format=Path(artifact_file).suffix.lstrip(".") or "png")
        data = buf.getvalue()
    elif hasattr(image, "save"):
        buf = io.BytesIO()
        image.save(buf, format=(Path(artifact_file).suffix.lstrip(".") or "png").upper())
        data = buf.getvalue()
    else:
        from basalt.errors import invalid

        raise invalid(
            "image",
            f"log_image cannot store a {type(image).__name__}; pass a path, PNG bytes, "
            "a PIL image or a matplotlib figure",
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(artifact_file).name
        path.write_bytes(data)
        run.client.jobs.upload_file(run.name, path, artifact_file)


def flush() -> None:
    """Send everything logged so far and wait until it is stored."""
    run = active_run()
    if run is not None:
        run.flush()


# --- process exit: flush on normal exit, SIGTERM and uncaught exceptions -----------------------


def _install_hooks() -> None:
    if _state["hooks"]:
        return
    _state["hooks"] = True
    atexit.register(_at_exit)
    previous_hook = sys.excepthook

    def _excepthook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        with _lock:
            run: ActiveRun | None = _state["run"]
            _state["run"] = None
        if run is not None:
            try:
                run.end("Failed", "".join(traceback.format_exception(exc_type, exc, tb)))
            except Exception as err:  # the original error matters more
                logger.warning("could not record the failure on run %s: %s", run.name, err)
        previous_hook(exc_type, exc, tb)

    sys.excepthook = _excepthook
    if threading.current_thread() is threading.main_thread():
        previous = signal.getsignal(signal.SIGTERM)

        def _on_sigterm(signum: int, frame: FrameType | None) -> None:
            with _lock:
                run: ActiveRun | None = _state["run"]
                _state["run"] = None
            if run is not None:
                try:
                    run.end("Canceled" if not run.attached else "Completed")
                except Exception as err:
                    logger.warning("could not flush run %s on SIGTERM: %s", run.name, err)
            if callable(previous):
                previous(signum, frame)
            else:
                sys.exit(128 + signum)

        signal.signal(signal.SIGTERM, _on_sigterm)


def _at_exit() -> None:
    with _lock:
        run: ActiveRun | None = _state["run"]
        _state["run"] = None
    if run is not None:
        try:
            run.end("Completed")
        except Exception as err:
            logger.warning("could not flush run %s at exit: %s", run.name, err)
