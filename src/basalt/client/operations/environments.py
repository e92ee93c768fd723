"""``client.environments``: versioned environments (Azure ML's ``ml_client.environments``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from basalt.client._uploads import current_user
from basalt.client.operations._versioned import (
    VersionedAssetOperations,
    fields_of,
    split_label,
)
from basalt.errors import AlreadyExistsError
from basalt.spec import operations as ops
from basalt.spec.environments import (
    DockerContext,
    Environment,
    EnvironmentBuild,
    EnvironmentCreate,
)


class EnvironmentOperations(VersionedAssetOperations[Environment]):
    """Environments of the client's workspace: versions, labels, archive.

    ``get``, ``list``, ``update``, ``archive``, ``restore`` and ``set_label`` are shared by every
    versioned-asset kind (``VersionedAssetOperations``).
    """

    _ops = ops.ENVIRONMENTS_ASSET

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
            body = body.model_copy(update={"created_by": current_user()})
        return self._t.call(ops.ENVIRONMENTS_CREATE, {"workspace": self._ws}, body=body)  # type: ignore[no-any-return]

    def build(
        self, name: str, version: str | None = None, label: str | None = None
    ) -> EnvironmentBuild:
        """Materialize an environment ahead of jobs; a cached one is not rebuilt.

        ``name`` is a workspace environment or a curated one (``sklearn-1.5``).
        """
        name, version, label = split_label(name, version, label)
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
        name, version, label = split_label(name, version, label)
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

    @staticmethod
    def _body(environment: EnvironmentCreate | Any) -> EnvironmentCreate:
        if isinstance(environment, EnvironmentCreate):
            return environment
        fields = fields_of(EnvironmentCreate, environment)
        build = fields.get("build")
        if build is not None and not isinstance(build, dict) and hasattr(build, "model_dump"):
            fields["build"] = build.model_dump()
        return EnvironmentCreate.model_validate(fields)
