"""``basalt online-endpoint``: scoring addresses with keys and a traffic split."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import hint, print_fields, print_json, print_table, say
from basalt.spec.endpoints import OnlineEndpoint

app = typer.Typer(
    help="Online endpoints: scoring addresses with keys, traffic and mirroring.",
    no_args_is_help=True,
)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Endpoint name.")
FileOpt = typer.Option(None, "--file", "-f", help="Endpoint YAML file.")
SetOpt = typer.Option([], "--set", help="Override a field of the file, e.g. --set auth_mode=key.")


def parse_traffic(text: str | None, option: str) -> dict[str, int] | None:
    """``"blue=90 green=10"`` (spaces or commas) as ``{"blue": 90, "green": 10}``.

    Raises:
        typer.BadParameter: An item is not ``name=<whole number>``.
    """
    if text is None:
        return None
    out: dict[str, int] = {}
    for item in re.split(r"[\s,]+", text.strip()):
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name or not value.strip().isdigit():
            raise typer.BadParameter(
                f'{option} {item!r}: write deployment=percent, e.g. {option} "blue=90 green=10"'
            )
        out[name] = int(value)
    return out


def _traffic(split: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in split.items()) or "-"


def _show(e: OnlineEndpoint) -> None:
    print_fields(
        [
            ("name", e.name),
            ("auth mode", e.auth_mode.value),
            ("state", e.provisioning_state.value),
            ("scoring uri", e.scoring_uri),
            ("traffic", _traffic(e.traffic)),
            ("mirror traffic", _traffic(e.mirror_traffic)),
            ("deployments", ", ".join(e.deployments) or "-"),
            ("keys", e.keys),
            ("description", e.description),
            ("tags", e.tags),
            ("created", e.created_at),
            ("created by", e.created_by),
        ]
    )


@app.command("create")
def create(
    ctx: typer.Context,
    file: Path | None = FileOpt,
    name: str | None = NameOpt,
    auth_mode: str | None = typer.Option(None, "--auth-mode", help="key or aml_token."),
    set_: list[str] = SetOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create an endpoint from its YAML (or just --name); it gets two keys.

    Example: basalt online-endpoint create -f endpoint.yml
    """
    from basalt.spec.endpoint_yaml import load_endpoint
    from basalt.spec.endpoints import OnlineEndpointCreate

    c = ctx_of(ctx, output)
    if file is not None:
        extra = [f"name={name}"] if name else []
        extra += [f"auth_mode={auth_mode}"] if auth_mode else []
        loaded = load_endpoint(file, [*set_, *extra])
        for warning in loaded.warnings:
            hint(f"warning: {warning}")
        body = loaded.body
    elif name is not None:
        body = OnlineEndpointCreate.model_validate({"name": name, "auth_mode": auth_mode or "key"})
    else:
        raise typer.BadParameter("give -f endpoint.yml or --name")
    with c.client() as client:
        made = client.online_endpoints.create(body)
    if c.json:
        print_json(made)
    else:
        say(f"Created online endpoint '{made.name}' (auth {made.auth_mode.value})")
        say(f"scoring uri: {made.scoring_uri}")


@app.command("update")
def update(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    file: Path | None = FileOpt,
    traffic: str | None = typer.Option(
        None, "--traffic", help='Live traffic split, e.g. "blue=90 green=10".'
    ),
    mirror_traffic: str | None = typer.Option(
        None, "--mirror-traffic", help='Mirrored share, e.g. "green=10" (at most 50).'
    ),
    set_: list[str] = SetOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Change an endpoint's traffic, mirror traffic, or what its YAML says.

    Example: basalt online-endpoint update --name ep1 --traffic "blue=90 green=10"
    """
    from basalt.spec.endpoint_yaml import load_endpoint

    c = ctx_of(ctx, output)
    fields: dict[str, Any] = {}
    if file is not None:
        loaded = load_endpoint(file, set_)
        for warning in loaded.warnings:
            hint(f"warning: {warning}")
        sent = loaded.body.model_fields_set - {"name", "created_by"}
        fields.update(loaded.body.model_dump(include=sent))
        name = name or loaded.body.name
    target = pick_name(name_arg, name)
    split = parse_traffic(traffic, "--traffic")
    mirror = parse_traffic(mirror_traffic, "--mirror-traffic")
    if split is not None:
        fields["traffic"] = split
    if mirror is not None:
        fields["mirror_traffic"] = mirror
    with c.client() as client:
        made = client.online_endpoints.update(target, **fields)
    if c.json:
        print_json(made)
    else:
        say(
            f"Updated online endpoint '{made.name}': traffic {_traffic(made.traffic)}, "
            f"mirror {_traffic(made.mirror_traffic)}"
        )


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show one endpoint (keys masked: use get-credentials).

    Example: basalt online-endpoint show ep1
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        e = client.online_endpoints.get(pick_name(name_arg, name))
    if c.json:
        print_json(e)
    else:
        _show(e)


@app.command("list")
def list_(ctx: typer.Context, output: OutputFormat | None = OutputOption) -> None:
    """List the workspace's endpoints.

    Example: basalt online-endpoint list -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.online_endpoints.list()
    if c.json:
        print_json(items)
        return
    print_table(
        items,
        [
            ("NAME", lambda e: e.name),
            ("AUTH", lambda e: e.auth_mode.value),
            ("TRAFFIC", lambda e: _traffic(e.traffic)),
            ("MIRROR", lambda e: _traffic(e.mirror_traffic)),
            ("DEPLOYMENTS", lambda e: ", ".join(e.deployments)),
            ("CREATED", lambda e: e.created_at or ""),
        ],
    )


@app.command("delete")
def delete(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Delete an endpoint with all its deployments and its keys.

    Example: basalt online-endpoint delete ep1 --yes
    """
    c = ctx_of(ctx, output)
    target = pick_name(name_arg, name)
    if not yes and not typer.confirm(f"Delete online endpoint '{target}' and its deployments?"):
        raise typer.Abort()
    with c.client() as client:
        client.online_endpoints.begin_delete(target)
    if c.json:
        print_json({"name": target, "deleted": True})
    else:
        say(f"Deleted online endpoint '{target}'")


@app.command("invoke")
def invoke(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    request_file: Path = typer.Option(..., "--request-file", "-r", help="The request body."),
    deployment_name: str | None = typer.Option(
        None, "--deployment-name", "-d", help="Send it to this deployment only."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Score a request file on the endpoint and print the answer.

    Example: basalt online-endpoint invoke --name ep1 --request-file sample-request.json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        answer = client.online_endpoints.invoke(
            pick_name(name_arg, name), str(request_file), deployment_name
        )
    say(answer)


@app.command("get-credentials")
def get_credentials(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Print the endpoint's two keys.

    Example: basalt online-endpoint get-credentials --name ep1 -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        keys = client.online_endpoints.get_keys(pick_name(name_arg, name))
    values = {
        "primaryKey": keys.primary_key.get_secret_value(),
        "secondaryKey": keys.secondary_key.get_secret_value(),
    }
    if c.json:
        print_json(values)
    else:
        print_fields(list(values.items()))


@app.command("regenerate-keys")
def regenerate_keys(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    key_type: str = typer.Option("primary", "--key-type", help="primary or secondary."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Replace one key; callers using the other keep working.

    Example: basalt online-endpoint regenerate-keys --name ep1 --key-type secondary
    """
    c = ctx_of(ctx, output)
    target = pick_name(name_arg, name)
    with c.client() as client:
        made = client.online_endpoints.regenerate_keys(target, key_type)
    if c.json:
        print_json(made)
    else:
        say(f"Regenerated the {key_type} key of online endpoint '{target}'")
