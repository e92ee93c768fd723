"""``basalt audit``: who changed what on a server, newest first."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import print_json, print_table
from basalt.errors import invalid

app = typer.Typer(help="The audit log: every change made through the server.", no_args_is_help=True)

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_AGO = re.compile(r"^(\d+)([smhdw])$")


def parse_since(value: str, *, now: datetime | None = None) -> datetime:
    """``30m``, ``1h``, ``2d``, ``1w`` (that long ago) or an ISO date/time (UTC if no zone).

    Raises:
        InvalidArgumentError: Neither form.
    """
    found = _AGO.match(value.strip())
    if found:
        amount, unit = int(found.group(1)), found.group(2)
        return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: amount})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise invalid(
            "since", f"--since {value!r}: give a duration (30m, 1h, 2d, 1w) or an ISO date/time"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("list")
def list_(
    ctx: typer.Context,
    since: str | None = typer.Option(None, "--since", help="1h, 2d, ... ago, or an ISO date/time."),
    until: str | None = typer.Option(None, "--until", help="ISO date/time (exclusive)."),
    user: str | None = typer.Option(None, "--user", help="Only this user (or service token)."),
    workspace: str | None = typer.Option(
        None, "--workspace", help="This workspace's log (its Owners); default: the whole server."
    ),
    operation: str | None = typer.Option(
        None, "--operation", help="Only this operation, e.g. jobs.create."
    ),
    max_results: int = typer.Option(50, "--max-results", "-m", min=1, max=10_000),
    output: OutputFormat | None = OutputOption,
) -> None:
    """List audited changes, newest first (the whole server needs an administrator).

    Example: basalt audit list --since 1h --user alice -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        page = client.audit.list(
            since=parse_since(since) if since else None,
            until=parse_since(until) if until else None,
            user=user,
            workspace=workspace,
            operation=operation,
            max_results=max_results,
        )
    if c.json:
        print_json(page.items)
        return
    print_table(
        page.items,
        [
            ("AT", lambda e: e.at),
            ("USER", lambda e: e.principal),
            ("OPERATION", lambda e: e.operation),
            ("WORKSPACE", lambda e: e.workspace),
            ("TARGET", lambda e: e.target),
            ("STATUS", lambda e: e.status),
            ("OUTCOME", lambda e: e.outcome),
            ("FROM", lambda e: e.address),
        ],
        keep=3,
    )
