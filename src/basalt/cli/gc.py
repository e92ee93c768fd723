"""``basalt gc``: free stored bytes that nothing references any more."""

from __future__ import annotations

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import print_json, print_table, say
from basalt.spec.gc import GcReport


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover - the loop always returns


def _show(report: GcReport) -> None:
    if not report.ran:
        say("Another process is collecting garbage now; nothing was done")
        return
    rows = [(name, c) for name, c in report.categories.items()]
    print_table(
        rows,
        [
            ("category", lambda r: r[0]),
            ("files", lambda r: r[1].files),
            ("bytes", lambda r: _size(r[1].bytes)),
            ("kept (recent)", lambda r: r[1].kept_recent),
        ],
    )
    verb = "Would free" if report.dry_run else "Freed"
    say(
        f"{verb} {report.files} files, {_size(report.bytes)} in {report.duration_s:.2f} s "
        f"(grace period {report.grace_period_s:g} s)"
    )


def gc(
    ctx: typer.Context,
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would go; delete nothing."),
    grace_period: float | None = typer.Option(
        None,
        "--grace-period",
        min=0,
        help="Keep unreferenced bytes younger than this many seconds (default: the setting "
        "server.gc_grace_period_s, 3600).",
    ),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Free stored bytes nothing references: files of deleted versions and jobs, old snapshots.

    On a server this needs an administrator; a server also runs it every
    server.gc_interval_s seconds.

    Example: basalt gc --dry-run -o json
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        report = client.gc(dry_run=dry_run, grace_period_s=grace_period)
    print_json(report) if c.json else _show(report)
