"""``client.experiments``."""

from __future__ import annotations

from basalt.client.transports.base import Transport
from basalt.errors import invalid
from basalt.spec import operations as ops
from basalt.spec.common import Page
from basalt.spec.experiments import Experiment, ExperimentCreate


class ExperimentOperations:
    """Experiments of the client's workspace."""

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

    def list(
        self, *, include_archived: bool = False, max_results: int | None = None
    ) -> list[Experiment]:
        """Experiments, newest first (every page fetched, up to ``max_results``)."""
        if max_results is not None and max_results < 1:
            raise invalid("max_results", f"max_results must be at least 1, not {max_results}")
        out: list[Experiment] = []
        token: str | None = None
        while True:
            page: Page[Experiment] = self._t.call(
                ops.EXPERIMENTS_LIST,
                {"workspace": self._ws},
                query={"include_archived": include_archived, "page_token": token},
            )
            out.extend(page.items)
            token = page.next_page_token
            if token is None or (max_results is not None and len(out) >= max_results):
                return out if max_results is None else out[:max_results]

    def create(
        self, name: str, *, description: str = "", tags: dict[str, str] | None = None
    ) -> Experiment:
        """Create an experiment (runs also create theirs on first use)."""
        body = ExperimentCreate(name=name, description=description, tags=tags or {})
        return self._t.call(ops.EXPERIMENTS_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def get(self, name: str) -> Experiment:
        """The experiment called ``name``; raises NotFoundError if there is none."""
        return self._t.call(ops.EXPERIMENTS_GET, {"workspace": self._ws, "name": name})  # type: ignore[no-any-return]
