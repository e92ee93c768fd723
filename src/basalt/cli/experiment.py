"""``basalt experiment``: named groups of runs."""

from __future__ import annotations

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import print_fields, print_json, print_table, say

app = typer.Typer(help="Experiments: named groups of runs.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    include_archived: bool = typer.Option(
        False, "--include-archived", help="Show archived ones too."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """List experiments, newest first.

    Example: basalt experiment list -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.experiments.list(include_archived=include_archived)
    if c.json:
        print_json(items)
    elif not items:
        say("No experiments yet: a run creates its experiment on first use.")
    else:
        print_table(
            items,
            [
                ("NAME", lambda e: e.name),
                ("RUNS", lambda e: e.run_count),
                ("CREATED", lambda e: e.created_at),
                ("DESCRIPTION", lambda e: e.description),
            ],
        )


@app.command("create")
def create(
    ctx: typer.Context,
    name_arg: str | None = typer.Argument(None, metavar="NAME"),
    name: str | None = typer.Option(None, "--name", "-n", help="Experiment name."),
    description: str = typer.Option("", "--description", help="What it is for."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create an experiment (runs also create theirs on first use).

    Example: basalt experiment create mnist --description "digits, baseline CNN"
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        exp = client.experiments.create(pick_name(name_arg, name), description=description)
    print_json(exp) if c.json else say(f"Created experiment '{exp.name}'")


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = typer.Argument(None, metavar="NAME"),
    name: str | None = typer.Option(None, "--name", "-n", help="Experiment name."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show one experiment.

    Example: basalt experiment show mnist
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        exp = client.experiments.get(pick_name(name_arg, name))
    if c.json:
        print_json(exp)
    else:
        print_fields(
            [
                ("name", exp.name),
                ("id", exp.id),
                ("runs", exp.run_count),
                ("tags", exp.tags),
                ("created", exp.created_at),
                ("description", exp.description),
            ]
        )
