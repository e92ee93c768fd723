"""``basalt online-deployment``: a model, its scoring code and environment behind an endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from basalt.cli._overrides import nested_sets
from basalt.cli.context import OutputFormat, OutputOption, ctx_of, pick_name
from basalt.cli.output import hint, print_fields, print_json, print_table, say
from basalt.spec.endpoints import OnlineDeployment
from basalt.spec.telemetry import DeploymentMetrics

app = typer.Typer(
    help="Online deployments: a model with its scoring code behind an endpoint.",
    no_args_is_help=True,
)

NameArg = typer.Argument(None, metavar="NAME")
NameOpt = typer.Option(None, "--name", "-n", help="Deployment name.")
EndpointOpt = typer.Option(None, "--endpoint-name", "-e", help="Endpoint name.")
RequiredEndpointOpt = typer.Option(..., "--endpoint-name", "-e", help="Endpoint name.")
FileOpt = typer.Option(None, "--file", "-f", help="Deployment YAML file.")
SetOpt = typer.Option(
    [], "--set", help="Override a field, e.g. --set instance_count=2 (repeatable)."
)
AllTrafficOpt = typer.Option(
    False, "--all-traffic", help="Send all of the endpoint's traffic to this deployment."
)


def _summary(d: OnlineDeployment) -> str:
    state = d.provisioning_state.value
    return (
        f"Deployment '{d.name}' of endpoint '{d.endpoint_name}': generation {d.generation}, "
        f"{state}, model {d.model or '-'}, environment {d.environment}, "
        f"{d.instance_count} instance(s)"
    )


def _next_steps(d: OnlineDeployment) -> None:
    hint(
        f"Its workers are starting: 'basalt online-deployment show {d.name} -e "
        f"{d.endpoint_name}' says when it is Succeeded; 'get-logs' shows their output."
    )


def _show(d: OnlineDeployment) -> None:
    print_fields(
        [
            ("name", d.name),
            ("endpoint", d.endpoint_name),
            ("state", d.provisioning_state.value),
            ("generation", f"{d.generation} (observed {d.observed_generation})"),
            ("model", d.model),
            (
                "scoring script",
                d.code_configuration.scoring_script
                if d.code_configuration
                else "none (no-code: Basalt's loader for the model)",
            ),
            ("code files", d.code_files),
            ("environment", d.environment),
            ("instances", f"{d.instance_count} ({d.instance_type or 'local'})"),
            ("environment variables", d.environment_variables),
            ("request settings", d.request_settings.model_dump()),
            ("description", d.description),
            ("tags", d.tags),
            ("created", d.created_at),
            ("updated", d.updated_at),
            ("created by", d.created_by),
        ]
    )
    if d.error:
        say(f"error:\n{d.error}")


def _load(file: Path, name: str | None, endpoint: str | None, sets: list[str]) -> Any:
    from basalt.spec.endpoint_yaml import load_deployment

    extra = [f"name={name}"] if name else []
    extra += [f"endpoint_name={endpoint}"] if endpoint else []
    loaded = load_deployment(file, [*sets, *extra])
    for warning in loaded.warnings:
        hint(f"warning: {warning}")
    return loaded.body


@app.command("create")
def create(
    ctx: typer.Context,
    file: Path = typer.Option(..., "--file", "-f", help="Deployment YAML file."),
    name: str | None = NameOpt,
    endpoint_name: str | None = EndpointOpt,
    all_traffic: bool = AllTrafficOpt,
    set_: list[str] = SetOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a deployment from its YAML; the code folder and a local model are uploaded.

    Example: basalt online-deployment create -f blue-deployment.yml --all-traffic
    """
    c = ctx_of(ctx, output)
    body = _load(file, name, endpoint_name, set_)
    with c.client() as client:
        made = client.online_deployments.create(body, all_traffic=all_traffic)
    if c.json:
        print_json(made)
    else:
        say(_summary(made))
        _next_steps(made)


@app.command("update")
def update(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    endpoint_name: str | None = EndpointOpt,
    file: Path | None = FileOpt,
    all_traffic: bool = AllTrafficOpt,
    set_: list[str] = SetOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Redeploy from the YAML (new model or code), or change settings with --set.

    Example: basalt online-deployment update --name blue --endpoint-name ep1 --set instance_count=2
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        if file is not None:
            body = _load(file, name or name_arg, endpoint_name, set_)
            made = client.online_deployments.begin_create_or_update(
                body, all_traffic=all_traffic
            ).result()
        else:
            if endpoint_name is None:
                raise typer.BadParameter("give --endpoint-name (or -f deployment.yml)")
            made = client.online_deployments.update(
                pick_name(name_arg, name), endpoint_name, **nested_sets(set_)
            )
            if all_traffic:
                client.online_endpoints.update(
                    endpoint_name, traffic=_all_to(client, endpoint_name, made.name)
                )
    if c.json:
        print_json(made)
    else:
        say(_summary(made))
        _next_steps(made)


def _all_to(client: Any, endpoint: str, name: str) -> dict[str, int]:
    names = [d.name for d in client.online_deployments.list(endpoint)]
    return {n: 100 if n == name else 0 for n in names}


@app.command("show")
def show(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    endpoint_name: str = RequiredEndpointOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show one deployment: state, generation, model, and the error that failed it.

    Example: basalt online-deployment show --name blue --endpoint-name ep1
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        d = client.online_deployments.get(pick_name(name_arg, name), endpoint_name)
    if c.json:
        print_json(d)
    else:
        _show(d)


@app.command("list")
def list_(
    ctx: typer.Context,
    endpoint_name: str = RequiredEndpointOpt,
    output: OutputFormat | None = OutputOption,
) -> None:
    """List an endpoint's deployments.

    Example: basalt online-deployment list --endpoint-name ep1
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        items = client.online_deployments.list(endpoint_name)
    if c.json:
        print_json(items)
        return
    print_table(
        items,
        [
            ("NAME", lambda d: d.name),
            ("STATE", lambda d: d.provisioning_state.value),
            ("GENERATION", lambda d: d.generation),
            ("MODEL", lambda d: d.model or ""),
            ("ENVIRONMENT", lambda d: d.environment),
            ("INSTANCES", lambda d: d.instance_count),
        ],
    )


@app.command("delete")
def delete(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    endpoint_name: str = RequiredEndpointOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Delete a deployment that takes no traffic; its model version is released.

    Example: basalt online-deployment delete --name green --endpoint-name ep1 --yes
    """
    c = ctx_of(ctx, output)
    target = pick_name(name_arg, name)
    if not yes and not typer.confirm(f"Delete deployment '{target}' of '{endpoint_name}'?"):
        raise typer.Abort()
    with c.client() as client:
        client.online_deployments.begin_delete(target, endpoint_name)
    if c.json:
        print_json({"name": target, "endpoint_name": endpoint_name, "deleted": True})
    else:
        say(f"Deleted deployment '{target}' of online endpoint '{endpoint_name}'")


@app.command("get-logs")
def get_logs(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    endpoint_name: str = RequiredEndpointOpt,
    lines: int | None = typer.Option(None, "--lines", "-l", help="Last N lines of each worker."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Print the workers' console logs (init errors and request tracebacks land here).

    Example: basalt online-deployment get-logs --name blue --endpoint-name ep1 --lines 50
    """
    c = ctx_of(ctx, output)
    target = pick_name(name_arg, name)
    with c.client() as client:
        text = client.online_deployments.get_logs(target, endpoint_name, lines)
    if c.json:
        print_json({"name": target, "endpoint_name": endpoint_name, "logs": text})
    else:
        say(text.rstrip("\n"))


@app.command("get-metrics")
def get_metrics(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    endpoint_name: str = RequiredEndpointOpt,
    since: str = typer.Option("1h", "--since", help="30m, 1h, 2d ... ago, or an ISO date/time."),
    until: str | None = typer.Option(None, "--until", help="As --since; default: now."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show serving telemetry per minute: requests, status codes, latency, restarts, mirror.

    Example: basalt online-deployment get-metrics --name blue --endpoint-name ep1 --since 2h
    """
    from basalt.cli.audit import parse_since

    c = ctx_of(ctx, output)
    target = pick_name(name_arg, name)
    with c.client() as client:
        metrics = client.online_deployments.get_metrics(
            target,
            endpoint_name,
            since=parse_since(since),
            until=parse_since(until) if until else None,
        )
    if c.json:
        print_json(metrics.model_dump(mode="json"))
        return
    _print_metrics(metrics)


def _print_metrics(metrics: DeploymentMetrics) -> None:
    def by_class(klass: str) -> Any:
        return lambda p: sum(n for s, n in p.status_counts.items() if s.startswith(klass))

    def ms(attr: str) -> Any:
        return lambda p: "-" if getattr(p, attr) is None else round(getattr(p, attr), 2)

    columns: list[tuple[str, Any]] = [
        ("minute (UTC)", lambda p: p.minute.strftime("%m-%d %H:%M") if p.minute else "total"),
        ("requests", lambda p: p.requests),
        ("2xx", by_class("2")),
        ("4xx", by_class("4")),
        ("5xx", by_class("5")),
        ("p50 ms", ms("latency_ms_p50")),
        ("p99 ms", ms("latency_ms_p99")),
        ("restarts", lambda p: p.worker_restarts),
    ]
    if metrics.total.mirror.requests:
        columns += [
            ("mirrored", lambda p: p.mirror.requests),
            ("agreed", lambda p: p.mirror.agreed),
            ("shadow errors", lambda p: p.mirror.errors),
        ]
    if metrics.total.collected or metrics.total.collection_dropped:
        columns += [
            ("collected", lambda p: p.collected),
            ("dropped", lambda p: p.collection_dropped),
        ]
    title = (
        f"{metrics.endpoint_name}/{metrics.deployment_name}, "
        f"{metrics.since:%m-%d %H:%M} to {metrics.until:%m-%d %H:%M} UTC"
    )
    empty = (
        f"No requests reached deployment '{metrics.deployment_name}' in this window "
        "(counts are stored every 2 s; widen it with --since)."
    )
    rows = [*metrics.points, metrics.total] if metrics.points else []
    print_table(rows, columns, title=title, empty=empty)
    mirror = metrics.total.mirror
    if mirror.requests:
        say(
            f"Mirror: {mirror.agreed}/{mirror.requests} answers agreed with the live deployment "
            f"({(mirror.agreement_rate or 0) * 100:.1f}%), {mirror.errors} shadow error(s), "
            f"shadow latency {mirror.latency_delta_ms_mean:+.2f} ms vs live on average."
        )


@app.command("package")
def package(
    ctx: typer.Context,
    name_arg: str | None = NameArg,
    name: str | None = NameOpt,
    endpoint_name: str = RequiredEndpointOpt,
    output_dir: Path = typer.Option(
        ..., "--output-dir", "-o", help="A new or empty folder for the Docker build context."
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace an earlier package in a folder that is not empty."
    ),
) -> None:
    """Write a Docker build context that serves the deployment's scoring API anywhere.

    -o names the folder here (as in `environment dockerfile`); for JSON use
    `basalt -o json online-deployment package ...`.

    Example: basalt online-deployment package --name blue --endpoint-name ep1 -o ./blue-image
    """
    from basalt.spec.deployment_package import PACKAGE_PORT

    c = ctx_of(ctx)
    target = pick_name(name_arg, name)
    with c.client() as client:
        found = client.online_deployments.package(
            target, endpoint_name, output_dir, overwrite=overwrite
        )
    if c.json:
        print_json(
            {
                "name": target,
                "endpoint_name": endpoint_name,
                "output_dir": str(output_dir),
                **found.model_dump(mode="json", exclude={"files"}),
                "files": sorted(found.files),
            }
        )
        return
    model_bytes = sum(f.size for f in found.model_files)
    say(
        f"Packaged deployment '{target}' of endpoint '{endpoint_name}' (generation "
        f"{found.generation}) into {output_dir}:"
    )
    say(f"  {', '.join(sorted(found.files))}")
    say(f"  model/: {len(found.model_files)} file(s), {model_bytes} bytes")
    if found.code_files:
        say(f"  code/: {len(found.code_files)} file(s)")
    for note in found.notes:
        say(f"  note: {note}")
    image = f"{endpoint_name}-{target}".lower()
    say("Next:")
    say(f"  docker build -t {image} {output_dir}")
    say(f"  docker run --rm -p {PACKAGE_PORT}:{PACKAGE_PORT} {image}")
    say(
        f"  curl -X POST http://127.0.0.1:{PACKAGE_PORT}/score "
        "-H 'Content-Type: application/json' -d @sample-request.json"
    )
