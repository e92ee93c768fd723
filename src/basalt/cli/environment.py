"""``basalt environment``: versioned environments (image, conda file, pip requirements)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from basalt.cli._versioned import AssetNoun, add_versioned_commands
from basalt.cli.context import OutputFormat, OutputOption, ctx_of, parse_kv, pick_name
from basalt.cli.output import hint, print_json, say
from basalt.spec.environments import Environment, EnvironmentCreate

app = typer.Typer(help="Environments: the software a job runs with.", no_args_is_help=True)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Environment name.")
VersionOpt = typer.Option(None, "--version", "-v", help="Environment version.")


def read_dependency_file(file: Path) -> dict[str, Any]:
    """``{"conda_file": ...}`` for a conda YAML file, ``{"pip_requirements": ...}`` for a .txt.

    Raises:
        InvalidArgumentError: The file is missing, not YAML, or not a conda environment.
    """
    from basalt.spec.environment_yaml import load_environment_dict

    return load_environment_dict({"conda_file": str(file)}, Path.cwd())


def _from_file(file: Path) -> EnvironmentCreate:
    from basalt.spec.environment_yaml import load_environment_file

    body, warnings = load_environment_file(file)
    for warning in warnings:
        hint(f"warning: {warning}")
    return body


@app.command("create")
def create(
    ctx: typer.Context,
    name: str | None = NameOpt,
    version: str | None = VersionOpt,
    image: str | None = typer.Option(None, "--image", "-i", help="Docker image."),
    conda_file: Path | None = typer.Option(
        None, "--conda-file", help="Conda YAML file (a .txt file is read as pip requirements)."
    ),
    description: str | None = typer.Option(None, "--description", help="What it is."),
    tag: list[str] | None = typer.Option(None, "--tag", help="key=value (repeatable)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="Environment YAML file."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create an environment version (the next integer version unless --version is given).

    Creating an existing version again with the same content is allowed and changes nothing.

    Example: basalt environment create --name sklearn --conda-file conda.yml
    """
    c = ctx_of(ctx, output)
    fields: dict[str, Any] = {}
    if file is not None:
        fields = _from_file(file).model_dump(exclude_unset=True)
    elif not name:
        raise typer.BadParameter("give --name and --image or --conda-file (or -f env.yml)")
    for key, value in (
        ("name", name),
        ("version", version),
        ("image", image),
        ("description", description),
    ):
        if value is not None:
            fields[key] = value
    if conda_file is not None:
        fields.update(read_dependency_file(conda_file))
    tags = parse_kv(tag, "--tag")
    if tags is not None:
        fields["tags"] = tags
    body = EnvironmentCreate.model_validate(fields)
    with c.client() as client:
        env = client.environments.create_or_update(body)
    if c.json:
        print_json(env)
    else:
        say(f"Environment '{env.name}' version {env.version} ({_kind(env)})")


def _kind(env: Environment) -> str:
    parts = []
    if env.image:
        parts.append(f"image {env.image}")
    if env.conda_file is not None:
        parts.append("conda")
    if env.pip_requirements is not None:
        parts.append(f"pip ({len(env.pip_requirements)})")
    if env.build is not None:
        parts.append("build")
    return ", ".join(parts)


def _show_fields(env: Environment) -> None:
    import yaml

    say(f"name: {env.name}\nversion: {env.version}")
    say(f"labels: {', '.join(env.labels)}\narchived: {env.archived}")
    say(f"created: {env.created_at} by {env.created_by or '?'}\ncontent: {env.content_hash[:12]}")
    if env.description:
        say(f"description: {env.description}")
    if env.tags:
        say(f"tags: {env.tags}")
    content = env.content().model_dump(mode="json", exclude_none=True)
    say(yaml.safe_dump(content, sort_keys=False).rstrip())


NOUN = AssetNoun(
    noun="environment",
    title="Environment",
    example="sklearn",
    group=lambda client: client.environments,
    columns=[
        ("NAME", lambda e: e.name),
        ("VERSION", lambda e: e.version),
        ("CONTENT", _kind),
        ("LABELS", lambda e: ",".join(e.labels)),
        ("CREATED", lambda e: e.created_at),
    ],
    empty="No environments yet: 'basalt environment create --name N --image IMG' makes one.",
    show=_show_fields,
    unchanged="its content never changes",
    show_example="--version 2",
)
add_versioned_commands(app, NOUN)


@app.command("build")
def build(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str | None = VersionOpt,
    label: str | None = typer.Option(None, "--label", "-l", help="A label such as prod."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Build an environment's virtual environment now, so jobs find it cached.

    NAME is a workspace environment (NAME@label works too) or a curated one (sklearn-1.5).

    Example: basalt environment build sklearn-1.5
    """
    from rich.console import Console

    c = ctx_of(ctx, output)
    env_name = pick_name(name_arg, name)
    with c.client() as client:
        if c.json:
            result = client.environments.build(env_name, version=version, label=label)
        else:
            with Console(stderr=True).status(f"Building {env_name} (uv) ..."):
                result = client.environments.build(env_name, version=version, label=label)
    if c.json:
        print_json(result)
        return
    for line in result.log:
        say(line)
    what = f"built in {result.seconds:.1f} s" if result.built else "already cached"
    say(f"{result.ref}: {what} (key {result.key[:12]}, python {result.python})")


@app.command("dockerfile")
def dockerfile(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    version: str | None = VersionOpt,
    label: str | None = typer.Option(None, "--label", "-l", help="A label such as prod."),
    output_dir: Path = typer.Option(
        ..., "--output-dir", "-o", help="Folder to write the Dockerfile and its context into."
    ),
) -> None:
    """Write a Dockerfile and context that reproduce an environment anywhere Docker runs.

    Example: basalt environment dockerfile sklearn-1.5 -o ./docker && docker build ./docker
    """
    c = ctx_of(ctx)
    with c.client() as client:
        context = client.environments.dockerfile(
            pick_name(name_arg, name), version=version, label=label, output_dir=output_dir
        )
    for rel in sorted(context.files):
        say(f"wrote {output_dir / rel}")
    say(f"Build it with: docker build {output_dir}")
