"""``client.environments``: versioned environments (Azure ML's ``ml_client.environments``)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from basalt.client.transports.base import Transport
from basalt.errors import AlreadyExistsError
from basalt.spec import operations as ops
from basalt.spec.common import Page
from basalt.spec.environments import (
    DockerContext,
    Environment,
    EnvironmentBuild,
    EnvironmentCreate,
    EnvironmentLabelSet,
    EnvironmentListQuery,
    EnvironmentUpdate,
)


class EnvironmentOperations:
    """Environments of the client's workspace: versions, labels, archive."""

    def __init__(self, transport: Transport, workspace: str) -> None:
        self._t = transport
        self._ws = workspace

    def create_or_update(self, environment: EnvironmentCreate | Any) -> Environment:
        """Create an environment version; the same content at an existing version returns it.

        Args:
            environment: An ``EnvironmentCreate``, or any object with its attributes
                (``name``, ``image``, ``conda_file`` ...), such as a returned ``Environment``.

        Raises:
            InvalidArgumentError: No image, conda file, pip requirements or build is given.
            AlreadyExistsError: The version exists with different content.
        """
        body = self._body(environment)
        if body.created_by is None:
            body = body.model_copy(update={"created_by": _user()})
        return self._t.call(ops.ENVIRONMENTS_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def build(
        self, name: str, version: str | None = None, label: str | None = None
    ) -> EnvironmentBuild:
        """Materialize an environment ahead of jobs; a cached one is not rebuilt.

        ``name`` is a workspace environment or a curated one (``sklearn-1.5``).
        """
        if version is None and label is None and "@" in name:
            name, label = name.split("@", 1)
        query = {"version": version, "label": label}
        params = {"workspace": self._ws, "name": name}
        return self._t.call(ops.ENVIRONMENTS_BUILD, params, query=query)  # type: ignore[no-any-return]

    def dockerfile(
        self,
        name: str,
        version: str | None = None,
        label: str | None = None,
        output_dir: Path | str | None = None,
    ) -> DockerContext:
        """The Docker build context reproducing an environment.

        Written to ``output_dir`` when given; an existing Dockerfile there is an error.
        """
        if version is None and label is None and "@" in name:
            name, label = name.split("@", 1)
        query = {"version": version, "label": label}
        params = {"workspace": self._ws, "name": name}
        context: DockerContext = self._t.call(ops.ENVIRONMENTS_DOCKERFILE, params, query=query)
        if output_dir is not None:
            out = Path(output_dir)
            if (out / "Dockerfile").exists():
                raise AlreadyExistsError(
                    f"{out / 'Dockerfile'} exists; choose an empty folder or remove it",
                    details={"path": str(out)},
                )
            for rel, text in context.files.items():
                target = out / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        return context

    def get(self, name: str, version: str | None = None, label: str | None = None) -> Environment:
        """One version: exact, by label (``prod``), or the latest (also ``name@latest``)."""
        if version is None and label is None and "@" in name:
            name, label = name.split("@", 1)
        query = {"version": version, "label": label}
        params = {"workspace": self._ws, "name": name}
        return self._t.call(ops.ENVIRONMENTS_GET, params, query=query)  # type: ignore[no-any-return]

    def list(
        self,
        name: str | None = None,
        *,
        tags: dict[str, str] | None = None,
        include_archived: bool = False,
        max_results: int | None = None,
    ) -> list[Environment]:
        """Environment versions (of one name, with all ``tags``), by name then newest first."""
        out: list[Environment] = []
        token: str | None = None
        while True:
            body = EnvironmentListQuery(
                name=name, tags=tags or {}, include_archived=include_archived, page_token=token
            )
            page: Page[Environment] = self._t.call(
                ops.ENVIRONMENTS_SEARCH, {"workspace": self._ws}, body=body
            )
            out.extend(page.items)
            token = page.next_page_token
            if token is None or (max_results is not None and len(out) >= max_results):
                return out if max_results is None else out[:max_results]

    def update(
        self,
        name: str,
        version: str,
        *,
        description: str | None = None,
        tags: dict[str, str] | None = None,
        properties: dict[str, str] | None = None,
    ) -> Environment:
        """Change a version's description, tags or properties (its content never changes)."""
        body = EnvironmentUpdate(description=description, tags=tags, properties=properties)
        return self._t.call(ops.ENVIRONMENTS_UPDATE, self._p(name, version), body=body)  # type: ignore[no-any-return]

    def archive(self, name: str, version: str) -> Environment:
        """Hide a version from lists and ``latest`` (it still resolves by its version)."""
        return self._t.call(ops.ENVIRONMENTS_ARCHIVE, self._p(name, version))  # type: ignore[no-any-return]

    def restore(self, name: str, version: str) -> Environment:
        """Show an archived version again."""
        return self._t.call(ops.ENVIRONMENTS_RESTORE, self._p(name, version))  # type: ignore[no-any-return]

    def set_label(self, name: str, label: str, version: str) -> Environment:
        """Point ``label`` (``prod``) at ``version``; moving a label is an update."""
        params = {"workspace": self._ws, "name": name, "label": label}
        body = EnvironmentLabelSet(version=version)
        return self._t.call(ops.ENVIRONMENTS_SET_LABEL, params, body=body)  # type: ignore[no-any-return]

    def _p(self, name: str, version: str) -> dict[str, str]:
        return {"workspace": self._ws, "name": name, "version": version}

    @staticmethod
    def _body(environment: EnvironmentCreate | Any) -> EnvironmentCreate:
        if isinstance(environment, EnvironmentCreate):
            return environment
        names = [k for k in EnvironmentCreate.model_fields if hasattr(environment, k)]
        fields = {k: getattr(environment, k) for k in names if getattr(environment, k) is not None}
        if isinstance(fields.get("version"), int):
            fields["version"] = str(fields["version"])
        build = fields.get("build")
        if build is not None and not isinstance(build, dict) and hasattr(build, "model_dump"):
            fields["build"] = build.model_dump()
        return EnvironmentCreate.model_validate(fields)


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name is not an error
        return None
