"""``basalt lineage``: what flowed into and out of a job, data or model version, deployment."""

from __future__ import annotations

import typer

from basalt.cli.context import OutputFormat, OutputOption, ctx_of
from basalt.cli.output import print_json, say
from basalt.spec.lineage import LineageGraph, LineageNode


def _label(node: LineageNode) -> str:
    return node.id + (f" ({node.status})" if node.status else "")


def render(graph: LineageGraph) -> list[str]:
    """The graph as lines ``source --relation--> target``, in flow order, root marked ``*``.

    Example:
        >>> from basalt.spec.lineage import LineageEdge, LineageKind
        >>> g = LineageGraph(root="job:j", depth=1, nodes=[
        ...     LineageNode(id="data:d:1", kind=LineageKind.DATA, name="d", version="1"),
        ...     LineageNode(id="job:j", kind=LineageKind.JOB, name="j", status="Completed")],
        ...     edges=[LineageEdge(source="data:d:1", target="job:j", relation="input",
        ...                        label="train")])
        >>> render(g)
        ['data:d:1 --input train--> *job:j (Completed)']
    """
    nodes = {n.id: n for n in graph.nodes}

    def name(node_id: str) -> str:
        mark = "*" if node_id == graph.root else ""
        return mark + _label(nodes[node_id])

    lines = []
    for edge in graph.edges:
        relation = edge.relation + (f" {edge.label}" if edge.label else "")
        lines.append(f"{name(edge.source)} --{relation}--> {name(edge.target)}")
    return lines


def lineage(
    ctx: typer.Context,
    target: str = typer.Argument(
        ..., metavar="TARGET", help="A job name, or NAME:VERSION of a model or data version."
    ),
    version: str | None = typer.Option(None, "--version", "-v", help="The asset's version."),
    kind: str | None = typer.Option(
        None,
        "--kind",
        help="job, model, data, deployment or batch-deployment (guessed when omitted).",
    ),
    depth: int = typer.Option(3, "--depth", min=0, max=10, help="Hops to follow."),
    output: OutputFormat | None = OutputOption,
) -> None:
    """Show the lineage graph: data read, outputs written, models produced, deployments.

    Example: basalt lineage churn:3   |   basalt lineage keen_owl_1 --depth 1
    """
    c = ctx_of(ctx, output)
    with c.client() as client:
        graph = client.lineage(target, version, kind=kind, depth=depth)
    if c.json:
        print_json(graph)
        return
    lines = render(graph)
    if not lines:
        say(f"{graph.root}: no recorded lineage (no inputs, outputs or deployments)")
        return
    for line in lines:
        say(line)
    if graph.truncated:
        say("(more beyond this: the graph was cut at 500 nodes; use a smaller --depth)")
