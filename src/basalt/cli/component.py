"""``basalt component``: versioned command components (a command with typed inputs and outputs)."""

from __future__ import annotations

from pathlib import Path

import typer

from basalt.cli._versioned import AssetNoun, add_download_command, add_versioned_commands
from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import hint, print_json, print_table, say
from basalt.spec.components import Component, ComponentInput

app = typer.Typer(
    help="Components: reusable command steps with typed inputs and outputs.", no_args_is_help=True
)


@app.command("create")
def create(
    ctx: typer.Context,
    file: Path = typer.Option(..., "--file", "-f", help="Component YAML file."),
    version: str | None = typer.Option(
        None, "--version", "-v", help="Version (overrides the file's)."
    ),
    set_: list[str] = typer.Option(
        [], "--set", help="Override a field, e.g. --set inputs.lr.default=0.1 (repeatable)."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a component version from its YAML; its code folder is uploaded (new files only).

    Creating an existing version again with the same spec and code is allowed and changes
    nothing; other content at that version is refused.

    Example: basalt component create -f component.yml --version 2
    """
    from basalt.spec.component_yaml import load_component

    c = ctx_of(ctx, output)
    loaded = load_component(file, set_)
    for warning in loaded.warnings:
        hint(f"warning: {warning}")
    with c.client() as client:
        made = client.components.create_or_update(loaded.body, version=version)
    if c.json:
        print_json(made)
    else:
        files = f", {len(made.files)} code files" if made.files else ""
        say(
            f"Component '{made.name}' version {made.version} "
            f"(environment {made.resolved_environment}{files})"
        )


def _input_detail(spec: ComponentInput) -> str:
    parts = []
    if spec.default is not None:
        parts.append(f"default {spec.default}")
    if spec.enum is not None:
        parts.append(f"one of {', '.join(map(str, spec.enum))}")
    if spec.min is not None:
        parts.append(f"min {spec.min}")
    if spec.max is not None:
        parts.append(f"max {spec.max}")
    return ", ".join(parts)


def _show(item: Component) -> None:
    say(f"name: {item.name}\nversion: {item.version}")
    if item.display_name:
        say(f"display name: {item.display_name}")
    say(f"labels: {', '.join(item.labels)}\narchived: {item.archived}")
    say(f"created: {item.created_at} by {item.created_by or '?'}")
    say(f"content: {item.content_hash[:12]}\ndeterministic: {item.is_deterministic}")
    if item.description:
        say(f"description: {item.description}")
    if item.tags:
        say(f"tags: {item.tags}")
    say(f"environment: {item.resolved_environment}")
    if item.files:
        say(f"code: {len(item.files)} files, {item.size} bytes")
    rows = [
        ("input", n, s.type.value, "yes" if s.optional else "", _input_detail(s), s.description)
        for n, s in item.inputs.items()
    ]
    rows += [("output", n, s.type.value, "", "", s.description) for n, s in item.outputs.items()]
    if rows:
        print_table(
            rows,
            [
                ("", lambda r: r[0]),
                ("NAME", lambda r: r[1]),
                ("TYPE", lambda r: r[2]),
                ("OPTIONAL", lambda r: r[3]),
                ("DETAILS", lambda r: r[4]),
                ("DESCRIPTION", lambda r: r[5]),
            ],
        )
    say(f"command: {item.command}")


NOUN = AssetNoun(
    noun="component",
    title="Component",
    example="train_model",
    group=lambda client: client.components,
    columns=[
        ("NAME", lambda c: c.name),
        ("VERSION", lambda c: c.version),
        ("INPUTS", lambda c: ", ".join(c.inputs)),
        ("OUTPUTS", lambda c: ", ".join(c.outputs)),
        ("LABELS", lambda c: ",".join(c.labels)),
        ("CREATED", lambda c: c.created_at),
    ],
    empty="No components yet: 'basalt component create -f component.yml' makes one.",
    show=_show,
    unchanged="its spec and code never change",
    show_example="--version 2",
)
add_versioned_commands(app, NOUN)
add_download_command(app, NOUN)
