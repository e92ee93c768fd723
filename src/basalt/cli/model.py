"""``basalt model``: the model registry (versions, labels, archive, download, compare)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import print_fields, print_json, print_table, say
from basalt.errors import invalid
from basalt.spec.models import Model, ModelCreate, ModelType, ModelYaml

app = typer.Typer(help="Registered ML models and their versions.", no_args_is_help=True)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Model name.")
VersionOpt = typer.Option(None, "--version", "-v", help="Model version.")


def _parse_kv(values: list[str] | None, what: str) -> dict[str, str] | None:
    if not values:
        return None
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{what} {item!r} must look like key=value")
        out[key] = value
    return out


def load_model_yaml(file: Path) -> ModelCreate:
    """A ``ModelCreate`` from a model YAML file; a relative path is relative to the file.

    Raises:
        InvalidArgumentError: The file is missing, not YAML, or has unknown or bad keys.
    """
    import yaml
    from pydantic import ValidationError

    try:
        data = yaml.safe_load(file.read_text())
    except OSError as exc:
        raise invalid("file", f"cannot read {str(file)!r}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise invalid("file", f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise invalid("file", f"{file}: expected a mapping of model fields")
    try:
        spec = ModelYaml.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise invalid("file", f"{file}: {problems}") from None
    path = spec.path
    if not path.startswith(("runs:/", "azureml://")) and not Path(path).is_absolute():
        path = str((file.parent / path).resolve())
    return ModelCreate(
        name=spec.name,
        version=None if spec.version is None else str(spec.version),
        path=path,
        type=spec.type,
        description=spec.description,
        tags=spec.tags,
        properties=spec.properties,
    )


@app.command("create")
def create(
    ctx: typer.Context,
    name: str | None = NameOpt,
    version: str | None = VersionOpt,
    path: str | None = typer.Option(None, "--path", "-p", help="File, folder or runs:/ URI."),
    type_: ModelType | None = typer.Option(None, "--type", "-t", help="Model type."),
    description: str | None = typer.Option(None, "--description", help="What it is."),
    tag: list[str] | None = typer.Option(None, "--tag", help="key=value (repeatable)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Model YAML file."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Register a model version (the next integer version unless --version is given).

    Example: basalt model create --name clf --path ./model --type mlflow_model
    """
    c = ctx_of(ctx, output)
    if file is not None:
        body = load_model_yaml(file)
        updates: dict[str, Any] = {}
        for key, value in (("name", name), ("version", version), ("path", path)):
            if value is not None:
                updates[key] = value
        if type_ is not None:
            updates["type"] = type_
        if description is not None:
            updates["description"] = description
        body = ModelCreate.model_validate({**body.model_dump(exclude_unset=True), **updates})
    else:
        if not name or not path:
            raise typer.BadParameter("give --name and --path (or -f model.yml)")
        fields: dict[str, Any] = {"name": name, "version": version, "path": path}
        if type_ is not None:
            fields["type"] = type_
        if description is not None:
            fields["description"] = description
        fields["tags"] = _parse_kv(tag, "--tag") or {}
        body = ModelCreate.model_validate(fields)
    with c.client() as client:
        model = client.models.create_or_update(body)
    if c.json:
        print_json(model)
    else:
        say(f"Registered model '{model.name}' version {model.version} ({model.flavor})")


@app.command("list")
def list_(
    ctx: typer.Context,
    name: str | None = NameOpt,
    tag: list[str] | None = typer.Option(None, "--tag", help="key=value to match."),
    include_archived: bool = typer.Option(False, "--include-archived", help="Archived too."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """List model versions, by name then newest first.

    Example: basalt model list --name clf -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.models.list(
            name, tags=_parse_kv(tag, "--tag"), include_archived=include_archived
        )
    if c.json:
        print_json(items)
    elif not items:
        say("No models yet: 'basalt model create --name N --path P' registers one.")
    else:
        print_table(
            items,
            [
                ("NAME", lambda m: m.name),
                ("VERSION", lambda m: m.version),
                ("TYPE", lambda m: m.type.value),
                ("FLAVOR", lambda m: m.flavor),
                ("LABELS", lambda m: ",".join(m.labels)),
                ("CREATED", lambda m: m.created_at),
            ],
        )


def _show_fields(model: Model) -> None:
    print_fields(
        [
            ("name", model.name),
            ("version", model.version),
            ("type", model.type.value),
            ("flavor", model.flavor),
            ("flavors", ", ".join(model.flavors)),
            ("labels", ", ".join(model.labels)),
            ("archived", model.archived),
            ("size", model.size),
            ("files", len(model.files)),
            ("content", model.content_hash[:12]),
            ("source", model.path),
            ("job", model.job_name),
            ("metrics", model.metrics),
            ("tags", model.tags),
            ("created", model.created_at),
            ("created by", model.created_by),
            ("description", model.description),
        ]
    )


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str | None = VersionOpt,
    label: str | None = typer.Option(None, "--label", "-l", help="A label such as prod."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show one model version (the latest unless --version or --label is given).

    Example: basalt model show clf --label prod
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        model = client.models.get(pick_name(name_arg, name), version=version, label=label)
    print_json(model) if c.json else _show_fields(model)


@app.command("update")
def update(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str = typer.Option(..., "--version", "-v", help="Model version."),
    description: str | None = typer.Option(None, "--description", help="New description."),
    tag: list[str] | None = typer.Option(None, "--tag", help="key=value; replaces the tags."),
    label: str | None = typer.Option(None, "--set-label", help="Point this label here."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Change a version's description, tags or labels (its files never change).

    Example: basalt model update clf --version 2 --set-label prod
    """
    c = ctx_of(ctx, output)
    model_name = pick_name(name_arg, name)
    with c.client() as client:
        model = client.models.update(
            model_name, version, description=description, tags=_parse_kv(tag, "--tag")
        )
        if label is not None:
            model = client.models.set_label(model_name, label, version)
    print_json(model) if c.json else say(f"Updated model '{model.name}' version {model.version}")


@app.command("archive")
def archive(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str = typer.Option(..., "--version", "-v", help="Model version."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Hide a version from lists and latest (it still resolves by its version).

    Example: basalt model archive clf --version 1
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        model = client.models.archive(pick_name(name_arg, name), version)
    print_json(model) if c.json else say(f"Archived model '{model.name}' version {model.version}")


@app.command("restore")
def restore(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str = typer.Option(..., "--version", "-v", help="Model version."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show an archived version again.

    Example: basalt model restore clf --version 1
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        model = client.models.restore(pick_name(name_arg, name), version)
    print_json(model) if c.json else say(f"Restored model '{model.name}' version {model.version}")


@app.command("download")
def download(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str = typer.Option(..., "--version", "-v", help="Model version."),
    download_path: Path = typer.Option(Path("."), "--download-path", "-p", help="Folder."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Write a version's files below DIR/NAME/VERSION/.

    Example: basalt model download clf --version 2 --download-path ./out
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        dest = client.models.download(pick_name(name_arg, name), version, download_path)
    print_json({"path": str(dest)}) if c.json else say(f"Downloaded to {dest}")


@app.command("compare")
def compare(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    include_archived: bool = typer.Option(False, "--include-archived", help="Archived too."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Versions of one model side by side: metrics, size, created by and when.

    Example: basalt model compare clf
    """
    c = ctx_of(ctx, output)
    model_name = pick_name(name_arg, name)
    with c.client() as client:
        items = client.models.list(model_name, include_archived=include_archived)
    if c.json:
        print_json(items)
        return
    if not items:
        say(f"Model '{model_name}' has no versions.")
        return
    keys = sorted({k for m in items for k in m.metrics})
    columns: list[tuple[str, Any]] = [
        ("VERSION", lambda m: m.version),
        ("LABELS", lambda m: ",".join(m.labels)),
        ("SIZE", lambda m: m.size),
        ("JOB", lambda m: m.job_name or ""),
    ]
    columns += [(k.upper(), (lambda key: lambda m: m.metrics.get(key))(k)) for k in keys]
    columns += [("CREATED BY", lambda m: m.created_by or ""), ("CREATED", lambda m: m.created_at)]
    print_table(items, columns)
