"""``basalt data``: data assets (uri_file, uri_folder, mltable): versions, labels, download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from basalt.cli._versioned import AssetNoun, add_download_command, add_versioned_commands
from basalt.cli.context import OutputFormat, OutputOption, ctx_of, parse_kv
from basalt.cli.output import print_fields, print_json, print_table, say
from basalt.spec.data import ColumnProfile, Data, DataCreate, DataType, DataYaml
from basalt.spec.references import is_local

app = typer.Typer(
    help="Data assets (uri_file, uri_folder, mltable) and their versions.", no_args_is_help=True
)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Data asset name.")
VersionOpt = typer.Option(None, "--version", "-v", help="Data asset version.")


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
    tags = parse_kv(tag, "--tag")
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
    _show_profile(data)


_TABULAR_ENDINGS = (".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson")


def _top(column: ColumnProfile) -> str:
    return ", ".join(f"{t.value} ({t.count})" for t in column.top)


def _show_profile(data: Data) -> None:
    profile = data.profile
    if profile is None:
        tabular = data.type == DataType.MLTABLE or any(
            f.lower().endswith(_TABULAR_ENDINGS) for f in data.files
        )
        if tabular:
            say("profile: none (install basalt[data] for profiles)")
        return
    rows = f"{profile.rows} rows" + (" (sampled: the table has more)" if profile.sampled else "")
    print_table(
        profile.columns,
        [
            ("COLUMN", lambda c: c.name),
            ("TYPE", lambda c: c.type),
            ("NULLS", lambda c: c.nulls),
            ("MIN", lambda c: c.min),
            ("MAX", lambda c: c.max),
            ("MEAN", lambda c: c.mean),
            ("DISTINCT", lambda c: c.distinct),
            ("TOP VALUES", _top),
        ],
        title=f"profile: {rows}, {len(profile.columns)} columns",
    )


NOUN = AssetNoun(
    noun="data",
    title="Data asset",
    example="iris",
    group=lambda client: client.data,
    columns=[
        ("NAME", lambda d: d.name),
        ("VERSION", lambda d: d.version),
        ("TYPE", lambda d: d.type.value),
        ("FILES", lambda d: len(d.files)),
        ("SIZE", lambda d: d.size),
        ("LABELS", lambda d: ",".join(d.labels)),
        ("CREATED", lambda d: d.created_at),
    ],
    empty="No data assets yet: 'basalt data create --name N --path P' creates one.",
    show=_show_fields,
)
add_versioned_commands(app, NOUN)
add_download_command(app, NOUN)
