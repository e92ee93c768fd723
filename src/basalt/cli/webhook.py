"""``basalt event`` and ``basalt webhook``: the registry's events and who receives them."""

from __future__ import annotations

import sys

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import print_fields, print_json, print_table, say
from basalt.spec.registry_events import ASSET_KINDS, RegistryEventType, Webhook

events_app = typer.Typer(
    help="Registry events: versions created, labels moved, archived, deleted.",
    no_args_is_help=True,
)
app = typer.Typer(
    help="Webhooks: registry events POSTed as signed JSON to a URL.", no_args_is_help=True
)


@events_app.command("list")
def list_events(
    ctx: typer.Context,
    kind: str | None = typer.Option(None, "--kind", help=f"One of {', '.join(ASSET_KINDS)}."),
    name: str | None = typer.Option(None, "--name", "-n", help="Only this asset name."),
    after: int | None = typer.Option(None, "--after", help="Only events after this id."),
    max_results: int = typer.Option(100, "--max-results", "-m", min=1, max=1000),
    output: OutputFormat | None = OutputOption,
) -> None:
    """List registry events, oldest first.

    Example: basalt event list --kind model --name churn
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        events = client.events.list(kind=kind, name=name, after=after, max_results=max_results)
    if c.json:
        print_json(events)
        return
    print_table(
        events,
        [
            ("ID", lambda e: e.id),
            ("AT", lambda e: e.created_at),
            ("KIND", lambda e: e.kind),
            ("NAME", lambda e: e.name),
            ("VERSION", lambda e: e.version),
            ("EVENT", lambda e: e.event.value),
            ("DETAILS", lambda e: ", ".join(f"{k}={v}" for k, v in e.details.items())),
            ("BY", lambda e: e.actor),
        ],
        empty="No registry events yet: create, label or archive a model or data version.",
    )


def _webhook_rows(hooks: list[Webhook]) -> None:
    print_table(
        hooks,
        [
            ("NAME", lambda h: h.name),
            ("URL", lambda h: h.url),
            ("KINDS", lambda h: ",".join(h.kinds)),
            ("EVENTS", lambda h: ",".join(e.value for e in h.events)),
            ("PENDING", lambda h: h.pending),
            ("FAILED", lambda h: h.failed),
        ],
        empty="No webhooks: basalt webhook create --name ci --url https://ci.example/hook",
    )


@app.command("create")
def create(
    ctx: typer.Context,
    name: str = typer.Option(..., "--name", "-n", help="The webhook's name."),
    url: str = typer.Option(..., "--url", help="Where the signed JSON POSTs go."),
    kind: list[str] | None = typer.Option(
        None, "--kind", help="Asset kind to receive (repeatable; default model and data)."
    ),
    event: list[RegistryEventType] | None = typer.Option(
        None, "--event", help="Event type to receive (repeatable; default all)."
    ),
    secret_stdin: bool = typer.Option(
        False, "--secret-stdin", help="Read the signing secret from stdin (default: generated)."
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Create a webhook; prints its signing secret once.

    Example: basalt webhook create --name ci --url https://ci.example/hook --kind model
    """
    c = ctx_of(ctx, output)
    secret = sys.stdin.readline().rstrip("\n") if secret_stdin else None
    with c.client() as client:
        hook = client.webhooks.create(name, url, kinds=kind, events=event, secret=secret)
    if c.json:
        print_json(hook.model_dump(mode="json"))
        return
    say(f"Created webhook '{hook.name}' → {hook.url}")
    if secret is None:
        value = hook.secret.get_secret_value()
        say(f"Signing secret (shown once; receivers check X-Basalt-Signature with it): {value}")


@app.command("list")
def list_(ctx: typer.Context, output: OutputFormat | None = OutputOption) -> None:
    """List webhooks with their pending and failed deliveries."""
    c = ctx_of(ctx, output)
    with c.client() as client:
        hooks = client.webhooks.list()
    if c.json:
        print_json(hooks)
        return
    _webhook_rows(hooks)


@app.command("show")
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show a webhook and its recent deliveries."""
    c = ctx_of(ctx, output)
    with c.client() as client:
        hook = client.webhooks.get(name)
        deliveries = client.webhooks.deliveries(name)
    if c.json:
        print_json({"webhook": hook, "deliveries": deliveries})
        return
    print_fields(
        [
            ("name", hook.name),
            ("url", hook.url),
            ("kinds", ", ".join(hook.kinds)),
            ("events", ", ".join(e.value for e in hook.events)),
            ("pending", hook.pending),
            ("failed", hook.failed),
        ]
    )
    print_table(
        deliveries,
        [
            ("ID", lambda d: d.id),
            ("EVENT", lambda d: f"{d.event.value} #{d.event_id}"),
            ("STATUS", lambda d: d.status.value),
            ("ATTEMPTS", lambda d: d.attempts),
            ("HTTP", lambda d: d.last_status_code),
            ("NEXT TRY", lambda d: d.next_attempt_at),
            ("ERROR", lambda d: d.last_error),
        ],
        empty="No deliveries yet.",
    )


@app.command("delete")
def delete(
    ctx: typer.Context,
    name: str = typer.Argument(..., metavar="NAME"),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Remove a webhook, its queued deliveries and its signing secret."""
    c = ctx_of(ctx, output)
    with c.client() as client:
        client.webhooks.delete(name)
    if c.json:
        print_json({"deleted": name})
        return
    say(f"Deleted webhook '{name}'")


@app.command("deliver")
def deliver(ctx: typer.Context, output: OutputFormat | None = OutputOption) -> None:
    """Send every due delivery now (a server does this by itself every second)."""
    c = ctx_of(ctx, output)
    with c.client() as client:
        report = client.webhooks.deliver()
    if c.json:
        print_json(report)
        return
    say(
        f"Attempted {report.attempted}: {report.delivered} delivered, "
        f"{report.retrying} to retry, {report.failed} failed for good"
    )
