"""The commands every versioned-asset noun shares: list, show, update, archive, restore, delete.

``add_versioned_commands`` registers them on a noun's typer app (``basalt model``, ``basalt data``,
``basalt environment``) with the noun's wording, so each noun's module keeps only its own
commands (create, download, build ...).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, parse_kv, pick_name
from basalt.cli.output import print_json, print_table, say
from basalt.client.client import Client
from basalt.client.operations._versioned import VersionedAssetOperations


@dataclass(frozen=True)
class AssetNoun:
    """How one asset kind reads in the CLI.

    Args:
        noun: The command group and the word in messages (``model``).
        title: The word in option help (``Model`` gives "Model name.").
        example: A name used in the examples (``clf``).
        group: Picks the kind's operations from a client.
        columns: The table ``list`` prints.
        empty: What ``list`` says when there is nothing.
        show: Prints one version for people (``show`` without ``-o json``).
        unchanged: What ``update``'s help says never changes.
        show_example: The options of ``show``'s example.
    """

    noun: str
    title: str
    example: str
    group: Callable[[Client], VersionedAssetOperations[Any]]
    columns: Sequence[tuple[str, Callable[[Any], Any]]]
    empty: str
    show: Callable[[Any], None]
    unchanged: str = "its files never change"
    show_example: str = "--label prod"


def add_versioned_commands(app: typer.Typer, kind: AssetNoun) -> None:
    """Register ``list``, ``show``, ``update``, ``archive`` and ``restore`` on ``app``.

    Args:
        app: The noun's typer app; the commands follow those already registered.
        kind: The noun's wording and what it lists and shows.
    """
    noun, ex = kind.noun, f"basalt {kind.noun}"
    name_argument = typer.Argument(None, metavar="NAME")
    name_opt = typer.Option(None, "--name", "-n", help=f"{kind.title} name.")
    version_opt = typer.Option(None, "--version", "-v", help=f"{kind.title} version.")
    version_req = typer.Option(..., "--version", "-v", help=f"{kind.title} version.")

    def list_(
        ctx: typer.Context,
        name: str | None = name_opt,
        tag: list[str] | None = typer.Option(None, "--tag", help="key=value to match."),
        include_archived: bool = typer.Option(False, "--include-archived", help="Archived too."),
        output: OutputFormat | None = OutputOption,
    ) -> None:
        c = ctx_of(ctx, output)
        with c.client() as client:
            items = kind.group(client).list(
                name, tags=parse_kv(tag, "--tag"), include_archived=include_archived
            )
        if c.json:
            print_json(items)
        elif not items:
            say(kind.empty)
        else:
            print_table(items, list(kind.columns))

    def show(
        ctx: typer.Context,
        name_arg: str | None = name_argument,
        name: str | None = name_opt,
        version: str | None = version_opt,
        label: str | None = typer.Option(None, "--label", "-l", help="A label such as prod."),
        output: OutputFormat | None = OutputOption,
    ) -> None:
        c = ctx_of(ctx, output)
        with c.client() as client:
            item = kind.group(client).get(pick_name(name_arg, name), version=version, label=label)
        print_json(item) if c.json else kind.show(item)

    def update(
        ctx: typer.Context,
        name_arg: str | None = name_argument,
        name: str | None = name_opt,
        version: str = version_req,
        description: str | None = typer.Option(None, "--description", help="New description."),
        tag: list[str] | None = typer.Option(None, "--tag", help="key=value; replaces the tags."),
        label: str | None = typer.Option(None, "--set-label", help="Point this label here."),
        output: OutputFormat | None = OutputOption,
    ) -> None:
        c = ctx_of(ctx, output)
        asset_name = pick_name(name_arg, name)
        with c.client() as client:
            group = kind.group(client)
            item = group.update(
                asset_name, version, description=description, tags=parse_kv(tag, "--tag")
            )
            if label is not None:
                item = group.set_label(asset_name, label, version)
        print_json(item) if c.json else say(f"Updated {noun} '{item.name}' version {item.version}")

    def toggle(verb: str, done: str) -> Callable[..., None]:
        def command(
            ctx: typer.Context,
            name_arg: str | None = name_argument,
            name: str | None = name_opt,
            version: str = version_req,
            output: OutputFormat | None = OutputOption,
        ) -> None:
            c = ctx_of(ctx, output)
            with c.client() as client:
                item = getattr(kind.group(client), verb)(pick_name(name_arg, name), version)
            print_json(item) if c.json else say(
                f"{done} {noun} '{item.name}' version {item.version}"
            )

        command.__name__ = verb
        return command

    def delete(
        ctx: typer.Context,
        name_arg: str | None = name_argument,
        name: str | None = name_opt,
        version: str = version_req,
        yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
        output: OutputFormat | None = OutputOption,
    ) -> None:
        c = ctx_of(ctx, output)
        asset_name = pick_name(name_arg, name)
        if not yes and not typer.confirm(f"Delete {noun} '{asset_name}' version {version}?"):
            raise typer.Abort()
        with c.client() as client:
            kind.group(client).delete(asset_name, version)
        if c.json:
            print_json({"name": asset_name, "version": version, "deleted": True})
        else:
            say(f"Deleted {noun} '{asset_name}' version {version}; 'basalt gc' frees its bytes")

    app.command(
        "list",
        help=f"List {noun} versions, by name then newest first.\n\n"
        f"Example: {ex} list --name {kind.example} -o json",
    )(list_)
    app.command(
        "show",
        help=f"Show one {noun} version (the latest unless --version or --label is given).\n\n"
        f"Example: {ex} show {kind.example} {kind.show_example}",
    )(show)
    app.command(
        "update",
        help=f"Change a version's description, tags or labels ({kind.unchanged}).\n\n"
        f"Example: {ex} update {kind.example} --version 2 --set-label prod",
    )(update)
    app.command(
        "archive",
        help="Hide a version from lists and latest (it still resolves by its version).\n\n"
        f"Example: {ex} archive {kind.example} --version 1",
    )(toggle("archive", "Archived"))
    app.command(
        "restore",
        help=f"Show an archived version again.\n\nExample: {ex} restore {kind.example} --version 1",
    )(toggle("restore", "Restored"))
    app.command(
        "delete",
        help="Delete an archived version that nothing uses (archive it first); its files are "
        "freed by the next 'basalt gc'. Asks for confirmation unless --yes.\n\n"
        f"Example: {ex} delete {kind.example} --version 1 --yes",
    )(delete)


def add_download_command(app: typer.Typer, kind: AssetNoun) -> None:
    """Register ``download`` (a version's files) on ``app``, for the kinds that hold files.

    Args:
        app: The noun's typer app; the command follows those already registered.
        kind: The noun's wording; its group has ``download``.
    """

    def download(
        ctx: typer.Context,
        name_arg: str | None = typer.Argument(None, metavar="NAME"),
        name: str | None = typer.Option(None, "--name", "-n", help=f"{kind.title} name."),
        version: str = typer.Option(..., "--version", "-v", help=f"{kind.title} version."),
        download_path: Path = typer.Option(Path("."), "--download-path", "-p", help="Folder."),
        output: OutputFormat | None = OutputOption,
    ) -> None:
        c = ctx_of(ctx, output)
        with c.client() as client:
            group: Any = kind.group(client)
            dest = group.download(pick_name(name_arg, name), version, download_path)
        print_json({"path": str(dest)}) if c.json else say(f"Downloaded to {dest}")

    app.command(
        "download",
        help="Write a version's files below DIR/NAME/VERSION/.\n\n"
        f"Example: basalt {kind.noun} download {kind.example} --version 2 --download-path ./out",
    )(download)
