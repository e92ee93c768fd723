"""``basalt model``: the model registry (versions, labels, archive, download, compare)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from basalt.cli._versioned import AssetNoun, add_download_command, add_versioned_commands
from basalt.cli.context import OutputFormat, OutputOption, ctx_of, parse_kv, pick_name
from basalt.cli.output import print_fields, print_json, print_table, say
from basalt.errors import invalid
from basalt.spec.models import Model, ModelComparison, ModelCreate, ModelType, ModelYaml

app = typer.Typer(help="Registered ML models and their versions.", no_args_is_help=True)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Model name.")
VersionOpt = typer.Option(None, "--version", "-v", help="Model version.")


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
        fields["tags"] = parse_kv(tag, "--tag") or {}
        body = ModelCreate.model_validate(fields)
    with c.client() as client:
        model = client.models.create_or_update(body)
    if c.json:
        print_json(model)
    else:
        say(f"Registered model '{model.name}' version {model.version} ({model.flavor})")


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
            ("signature", _signature_text(model.signature)),
            ("input example", "yes" if model.input_example is not None else ""),
        ]
    )


def _signature_text(signature: dict[str, Any] | None) -> str:
    """``inputs: size double, rooms double → outputs: tensor float64`` or empty."""
    if not signature:
        return ""

    def cols(items: Any) -> str:
        if not isinstance(items, list):
            return str(items)
        parts = []
        for item in items:
            if not isinstance(item, dict):
                continue
            kind = item.get("type", "")
            if kind == "tensor":
                kind = f"tensor {item.get('tensor-spec', {}).get('dtype', '')}".strip()
            parts.append(f"{item['name']} {kind}" if "name" in item else kind)
        return ", ".join(parts)

    return f"inputs: {cols(signature.get('inputs'))} → outputs: {cols(signature.get('outputs'))}"


NOUN = AssetNoun(
    noun="model",
    title="Model",
    example="clf",
    group=lambda client: client.models,
    columns=[
        ("NAME", lambda m: m.name),
        ("VERSION", lambda m: m.version),
        ("TYPE", lambda m: m.type.value),
        ("FLAVOR", lambda m: m.flavor),
        ("LABELS", lambda m: ",".join(m.labels)),
        ("CREATED", lambda m: m.created_at),
    ],
    empty="No models yet: 'basalt model create --name N --path P' registers one.",
    show=_show_fields,
)
add_versioned_commands(app, NOUN)
add_download_command(app, NOUN)


@app.command("compare")
def compare(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: list[str] | None = typer.Option(
        None, "--version", "-v", help="A version to compare (repeatable; default the newest 20)."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Versions of one model side by side; rows that differ are marked with *.

    Shows metrics at registration, the params and data inputs of the jobs that made them,
    size, and who created them when.

    Example: basalt model compare clf   |   basalt model compare clf -v 3 -v 4
    """
    c = ctx_of(ctx, output)
    model_name = pick_name(name_arg, name)
    with c.client() as client:
        result = client.models.compare(model_name, version)
    if c.json:
        print_json(result)
        return
    rows = comparison_rows(result)
    columns: list[tuple[str, Any]] = [("", lambda r: r[0])]
    columns += [(f"v{v.version}", _nth(i)) for i, v in enumerate(result.versions)]
    print_table(rows, columns)


def _nth(i: int) -> Any:
    return lambda row: row[1][i]


def comparison_rows(result: ModelComparison) -> list[tuple[str, list[str]]]:
    """(field, one cell per version) rows; a field whose values differ is marked ``*``."""

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.6g}"
        return str(value)

    fields: list[tuple[str, Any]] = [
        ("labels", lambda v: ",".join(v.labels)),
        ("size", lambda v: v.size),
        ("flavor", lambda v: v.flavor),
        ("job_name", lambda v: v.job_name),
        ("created_by", lambda v: v.created_by),
        ("created_at", lambda v: v.created_at.strftime("%Y-%m-%d %H:%M")),
    ]
    for group in ("metrics", "params", "inputs"):
        names = sorted({k for v in result.versions for k in getattr(v, group)})
        fields += [
            (f"{group}.{k}", (lambda g, key: lambda v: getattr(v, g).get(key))(group, k))
            for k in names
        ]
    differing = set(result.differing)
    return [
        (("* " if key in differing else "  ") + key, [cell(get(v)) for v in result.versions])
        for key, get in fields
    ]
