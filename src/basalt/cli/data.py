"""``basalt data``: data assets (uri_file, uri_folder, mltable): versions, labels, download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import print_fields, print_json, print_table, say
from basalt.spec.data import Data, DataCreate, DataType, DataYaml
from basalt.spec.references import is_local

app = typer.Typer(
    help="Data assets (uri_file, uri_folder, mltable) and their versions.", no_args_is_help=True
)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Data asset name.")
VersionOpt = typer.Option(None, "--version", "-v", help="Data asset version.")


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


def load_data_yaml(file: Path) -> DataCreate:
    """A ``DataCreate`` from a data YAML file; a relative local path is relative to the file.

    Raises:
        InvalidArgumentError: ``<file>:<line>: <key>: <what to do>``.
    """
    from basalt.spec.yaml_files import load_mapping, validate_file

    data, lines = load_mapping(file)
    spec = validate_file(DataYaml, data, lines, file)
    path = spec.path
    if is_local(path) and not Path(path).expanduser().is_absolute():
        path = str((file.parent / Path(path.removeprefix("file:"))).resolve())
    return DataCreate(
        name=spec.name,
        version=None if spec.version is None else str(spec.version),
        type=spec.type,
        path=path,
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
    type_: DataType | None = typer.Option(None, "--type", "-t", help="uri_folder by default."),
    description: str | None = typer.Option(None, "--description", help="What it is."),
    tag: list[str] | None = typer.Option(None, "--tag", help="key=value (repeatable)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Data YAML file."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a data version (the next integer version unless --version is given).

    Example: basalt data create --name iris --path ./iris.csv --type uri_file
    """
    c = ctx_of(ctx, output)
    fields: dict[str, Any] = {}
    if file is not None:
        fields = load_data_yaml(file).model_dump(exclude_unset=True)
    elif not name or not path:
        raise typer.BadParameter("give --name and --path (or -f data.yml)")
    given = {"name": name, "version": version, "path": path, "type": type_}
    fields.update({k: v for k, v in given.items() if v is not None})
    if description is not None:
        fields["description"] = description
    tags = _parse_kv(tag, "--tag")
    if tags is not None:
        fields["tags"] = tags
    body = DataCreate.model_validate(fields)
    with c.client() as client:
        data = client.data.create_or_update(body)
    if c.json:
        print_json(data)
    else:
        say(
            f"Created data '{data.name}' version {data.version} "
            f"({data.type.value}, {len(data.files)} files)"
        )


@app.command("list")
def list_(
    ctx: typer.Context,
    name: str | None = NameOpt,
    tag: list[str] | None = typer.Option(None, "--tag", help="key=value to match."),
    include_archived: bool = typer.Option(False, "--include-archived", help="Archived too."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """List data versions, by name then newest first.

    Example: basalt data list --name iris -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.data.list(
            name, tags=_parse_kv(tag, "--tag"), include_archived=include_archived
        )
    if c.json:
        print_json(items)
    elif not items:
        say("No data assets yet: 'basalt data create --name N --path P' creates one.")
    else:
        print_table(
            items,
            [
                ("NAME", lambda d: d.name),
                ("VERSION", lambda d: d.version),
                ("TYPE", lambda d: d.type.value),
                ("FILES", lambda d: len(d.files)),
                ("SIZE", lambda d: d.size),
                ("LABELS", lambda d: ",".join(d.labels)),
                ("CREATED", lambda d: d.created_at),
            ],
        )


def _show_fields(data: Data) -> None:
    print_fields(
        [
            ("name", data.name),
            ("version", data.version),
            ("type", data.type.value),
            ("labels", ", ".join(data.labels)),
            ("archived", data.archived),
            ("size", data.size),
            ("files", len(data.files)),
            ("content", data.content_hash[:12]),
            ("source", data.path),
            ("job", data.job_name),
            ("tags", data.tags),
            ("created", data.created_at),
            ("created by", data.created_by),
            ("description", data.description),
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
    """Show one data version (the latest unless --version or --label is given).

    Example: basalt data show iris --label prod
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        data = client.data.get(pick_name(name_arg, name), version=version, label=label)
    print_json(data) if c.json else _show_fields(data)


@app.command("update")
def update(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str = typer.Option(..., "--version", "-v", help="Data asset version."),
    description: str | None = typer.Option(None, "--description", help="New description."),
    tag: list[str] | None = typer.Option(None, "--tag", help="key=value; replaces the tags."),
    label: str | None = typer.Option(None, "--set-label", help="Point this label here."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Change a version's description, tags or labels (its files never change).

    Example: basalt data update iris --version 2 --set-label prod
    """
    c = ctx_of(ctx, output)
    data_name = pick_name(name_arg, name)
    with c.client() as client:
        data = client.data.update(
            data_name, version, description=description, tags=_parse_kv(tag, "--tag")
        )
        if label is not None:
            data = client.data.set_label(data_name, label, version)
    print_json(data) if c.json else say(f"Updated data '{data.name}' version {data.version}")


@app.command("archive")
def archive(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str = typer.Option(..., "--version", "-v", help="Data asset version."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Hide a version from lists and latest (it still resolves by its version).

    Example: basalt data archive iris --version 1
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        data = client.data.archive(pick_name(name_arg, name), version)
    print_json(data) if c.json else say(f"Archived data '{data.name}' version {data.version}")


@app.command("restore")
def restore(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str = typer.Option(..., "--version", "-v", help="Data asset version."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show an archived version again.

    Example: basalt data restore iris --version 1
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        data = client.data.restore(pick_name(name_arg, name), version)
    print_json(data) if c.json else say(f"Restored data '{data.name}' version {data.version}")


@app.command("download")
def download(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str = typer.Option(..., "--version", "-v", help="Data asset version."),
    download_path: Path = typer.Option(Path("."), "--download-path", "-p", help="Folder."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Write a version's files below DIR/NAME/VERSION/.

    Example: basalt data download iris --version 2 --download-path ./out
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        dest = client.data.download(pick_name(name_arg, name), version, download_path)
    print_json({"path": str(dest)}) if c.json else say(f"Downloaded to {dest}")
