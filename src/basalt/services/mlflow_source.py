"""Reading an MLflow tracking store (database or server) through the ``mlflow`` client library.

``MlflowSource`` is the little the importer needs; ``MlflowClientSource`` implements it with
``mlflow.tracking.MlflowClient``, which speaks to ``sqlite:///`` and PostgreSQL stores (with the
SQLAlchemy store of ``mlflow-skinny`` 3.x) and to ``http(s)://`` servers alike. ``mlflow`` is an
optional dependency, imported only when a source is opened.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from basalt.errors import InvalidArgumentError, NotFoundError, UnavailableError

_PAGE = 1000
_SCHEMES = ("http://", "https://", "sqlite:///", "postgresql://", "postgresql+", "mysql")


@dataclass(frozen=True)
class SourceExperiment:
    """One MLflow experiment."""

    id: str
    name: str
    tags: dict[str, str]
    archived: bool = False


@dataclass(frozen=True)
class SourceRun:
    """One MLflow run, without its metric history and files."""

    run_id: str
    experiment_id: str
    run_name: str | None
    status: str
    start_ms: int | None
    end_ms: int | None
    user_id: str | None
    params: dict[str, str]
    tags: dict[str, str]
    metric_keys: list[str]
    archived: bool = False


@dataclass(frozen=True)
class SourceFile:
    """One file of a run (path relative to the run's artifact root)."""

    path: str
    size: int | None


@dataclass(frozen=True)
class SourceModel:
    """A registered model: description, tags and aliases (alias → version)."""

    name: str
    description: str
    tags: dict[str, str]
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceVersion:
    """One registered model version."""

    name: str
    version: str
    source: str
    run_id: str | None
    model_id: str | None
    description: str
    tags: dict[str, str]
    stage: str
    user_id: str | None


@dataclass(frozen=True)
class SourceLoggedModel:
    """An MLflow 3 logged model (``models:/m-...``)."""

    model_id: str
    name: str
    run_id: str | None
    model_type: str | None
    params: dict[str, str]
    tags: dict[str, str]


class MlflowSource(Protocol):
    """What the importer reads from an MLflow tracking store."""

    uri: str

    def check(self) -> None:
        """Fail at once, before anything is written, when the store cannot be read."""

    def experiments(self) -> list[SourceExperiment]:
        """Every experiment, deleted ones included."""

    def runs(self, experiment_id: str) -> list[SourceRun]:
        """Every run of an experiment (deleted ones included), oldest first."""

    def metric_history(self, run_id: str, key: str) -> list[tuple[float, int, int]]:
        """Every point of one metric as (value, timestamp ms, step), in logging order."""

    def files(self, run_id: str) -> list[SourceFile]:
        """Every file of a run, recursively."""

    def download(self, run_id: str, path: str, dst: Path) -> Path:
        """Download one file of a run below ``dst``; returns the local file."""

    def registered_models(self) -> list[SourceModel]:
        """Every registered model."""

    def versions(self, name: str) -> list[SourceVersion]:
        """Every version of a registered model."""

    def logged_model(self, model_id: str) -> SourceLoggedModel:
        """A logged model's record."""

    def download_logged_model(self, model_id: str, dst: Path) -> Path:
        """Download a logged model's files into ``dst``; returns the local folder."""


def _mlflow() -> Any:
    try:
        import mlflow  # noqa: F401
        from mlflow.tracking import MlflowClient
    except ImportError:
        raise InvalidArgumentError(
            "importing from MLflow needs the mlflow client library: pip install mlflow-skinny"
        ) from None
    return MlflowClient


def check_uri(uri: str) -> None:
    """Refuse tracking URIs the import does not read, before anything is opened.

    Raises:
        InvalidArgumentError: Not a database URL or an http(s) server.
        NotFoundError: A ``sqlite:///`` file that does not exist (mlflow would create it).
    """
    if not uri.startswith(_SCHEMES):
        raise InvalidArgumentError(
            f"unsupported tracking URI {uri!r}: give a running MLflow server (http://host:port) "
            "or its database (sqlite:///path/mlflow.db, postgresql://...)"
        )
    if uri.startswith("sqlite:///"):
        path = Path(uri[len("sqlite:///") :])
        if not path.is_file():
            raise NotFoundError(f"no MLflow database at {path} (from {uri})")


def with_installed_driver(uri: str) -> str:
    """A ``postgresql://`` URI spelled for psycopg 3 when that, not psycopg2, is installed.

    SQLAlchemy (and so MLflow's store) reads a bare ``postgresql://`` with psycopg2; Basalt's
    ``postgres`` extra installs psycopg 3, so the URI a user copies from MLflow just works.

    Example:
        >>> with_installed_driver("sqlite:///mlflow.db")
        'sqlite:///mlflow.db'
    """
    import importlib.util

    if not uri.startswith("postgresql://"):
        return uri
    if importlib.util.find_spec("psycopg2") is None and importlib.util.find_spec("psycopg"):
        return uri.replace("postgresql://", "postgresql+psycopg://", 1)
    return uri


class MlflowClientSource:
    """``MlflowSource`` over ``mlflow.tracking.MlflowClient``.

    Args:
        uri: Tracking URI (also used as the registry URI).
        timeout_s: How long the reachability probe of a server waits.
    """

    def __init__(self, uri: str, *, timeout_s: float = 10.0) -> None:
        check_uri(uri)
        self.uri = uri.rstrip("/") if uri.startswith("http") else with_installed_driver(uri)
        self.timeout_s = timeout_s
        self.client: Any = _mlflow()(tracking_uri=self.uri, registry_uri=self.uri)

    def check(self) -> None:
        """Probe the store once (a server without mlflow's retries, so a typo fails fast).

        Raises:
            UnavailableError: The server or database cannot be reached.
        """
        if self.uri.startswith("http"):
            url = f"{self.uri}/api/2.0/mlflow/experiments/search?max_results=1"
            try:
                with urllib.request.urlopen(url, timeout=self.timeout_s):  # noqa: S310
                    pass
            except urllib.error.HTTPError as exc:
                raise UnavailableError(
                    f"{self.uri} answered HTTP {exc.code}; is it an MLflow server?"
                ) from None
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise UnavailableError(f"cannot reach MLflow at {self.uri}: {reason}") from None
            return
        try:
            self.client.search_experiments(max_results=1)
        except Exception as exc:  # NOTE: mlflow raises driver errors of many kinds
            first = next(iter(str(exc).strip().splitlines()), type(exc).__name__)
            raise UnavailableError(f"cannot read MLflow store {self.uri}: {first}") from None

    def experiments(self) -> list[SourceExperiment]:
        """Every experiment, deleted ones included."""
        from mlflow.entities import ViewType

        out: list[SourceExperiment] = []
        token = None
        while True:
            page = self.client.search_experiments(
                view_type=ViewType.ALL, max_results=_PAGE, page_token=token
            )
            out += [
                SourceExperiment(
                    id=str(e.experiment_id),
                    name=e.name,
                    tags=dict(e.tags or {}),
                    archived=e.lifecycle_stage == "deleted",
                )
                for e in page
            ]
            token = page.token
            if not token:
                return out

    def runs(self, experiment_id: str) -> list[SourceRun]:
        """Every run of an experiment (deleted ones included), oldest first."""
        from mlflow.entities import ViewType

        out: list[SourceRun] = []
        token = None
        while True:
            page = self.client.search_runs(
                [experiment_id],
                run_view_type=ViewType.ALL,
                max_results=_PAGE,
                order_by=["attributes.start_time ASC"],
                page_token=token,
            )
            out += [_run(r) for r in page]
            token = page.token
            if not token:
                return out

    def metric_history(self, run_id: str, key: str) -> list[tuple[float, int, int]]:
        """Every point of one metric as (value, timestamp ms, step)."""
        return [
            (float(m.value), int(m.timestamp), int(m.step))
            for m in self.client.get_metric_history(run_id, key)
        ]

    def files(self, run_id: str) -> list[SourceFile]:
        """Every file of a run, recursively."""
        out: list[SourceFile] = []
        todo = [""]
        while todo:
            folder = todo.pop()
            for item in self.client.list_artifacts(run_id, folder or None):
                if item.is_dir:
                    todo.append(item.path)
                else:
                    out.append(SourceFile(item.path, item.file_size))
        return sorted(out, key=lambda f: f.path)

    def download(self, run_id: str, path: str, dst: Path) -> Path:
        """Download one file of a run below ``dst``."""
        return Path(self.client.download_artifacts(run_id, path, str(dst)))

    def registered_models(self) -> list[SourceModel]:
        """Every registered model."""
        out: list[SourceModel] = []
        token = None
        while True:
            page = self.client.search_registered_models(max_results=_PAGE, page_token=token)
            out += [
                SourceModel(
                    name=m.name,
                    description=m.description or "",
                    tags=dict(m.tags or {}),
                    aliases={str(k): str(v) for k, v in (m.aliases or {}).items()},
                )
                for m in page
            ]
            token = page.token
            if not token:
                return out

    def versions(self, name: str) -> list[SourceVersion]:
        """Every version of a registered model, oldest first."""
        quoted = name.replace("'", "\\'")
        found = self.client.search_model_versions(f"name='{quoted}'")
        out = [
            SourceVersion(
                name=v.name,
                version=str(v.version),
                source=v.source or "",
                run_id=v.run_id or None,
                model_id=getattr(v, "model_id", None) or None,
                description=v.description or "",
                tags=dict(v.tags or {}),
                stage=v.current_stage or "None",
                user_id=v.user_id or None,
            )
            for v in found
        ]
        return sorted(out, key=lambda v: int(v.version) if v.version.isdigit() else 0)

    def logged_model(self, model_id: str) -> SourceLoggedModel:
        """A logged model's record."""
        m = self.client.get_logged_model(model_id)
        return SourceLoggedModel(
            model_id=m.model_id,
            name=m.name,
            run_id=m.source_run_id or None,
            model_type=m.model_type or None,
            params=dict(m.params or {}),
            tags=dict(m.tags or {}),
        )

    def download_logged_model(self, model_id: str, dst: Path) -> Path:
        """Download a logged model's files into ``dst``."""
        from mlflow.artifacts import download_artifacts

        location = self.client.get_logged_model(model_id).artifact_location
        return Path(
            download_artifacts(artifact_uri=location, dst_path=str(dst), tracking_uri=self.uri)
        )


def _run(r: Any) -> SourceRun:
    info, data = r.info, r.data
    return SourceRun(
        run_id=info.run_id,
        experiment_id=str(info.experiment_id),
        run_name=info.run_name or None,
        status=str(info.status),
        start_ms=info.start_time,
        end_ms=info.end_time,
        user_id=info.user_id or None,
        params=dict(data.params),
        tags=dict(data.tags),
        metric_keys=sorted(data.metrics),
        archived=info.lifecycle_stage == "deleted",
    )
