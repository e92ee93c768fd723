"""Run filters and sorts compiled to SQL: the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from basalt.errors import InvalidArgumentError
from basalt.spec.filters import ATTRIBUTE_TYPES, parse_filter, parse_order_by
from basalt.store.engine import make_engine
from basalt.store.filters import apply_order, filter_clause
from basalt.store.migrate import upgrade
from basalt.store.tables import (
    ExperimentRow,
    LatestMetricRow,
    ParamRow,
    RunRow,
    RunTagRow,
    WorkspaceRow,
)

NAN = math.nan
T0 = datetime(2025, 3, 1, tzinfo=UTC)


@dataclass
class RunData:
    name: str
    experiment: str = "exp-a"
    status: str = "Completed"
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    display_name: str | None = None
    kind: str = "interactive"
    created_by: str | None = None
    started: bool = True
    archived: bool = False


# Created in this order, one minute apart, so the default order (newest first) is r20 ... r01.
RUNS = [
    RunData(
        "r01",
        metrics={"acc": 0.91, "loss": 0.3},
        params={"opt": "adam", "lr": "0.1"},
        tags={"team": "vision", "note": "a_b"},
        display_name="baseline",
        created_by="ann",
    ),
    RunData(
        "r02",
        metrics={"acc": 0.85, "loss": 0.5},
        params={"opt": "sgd", "lr": "0.01"},
        tags={"team": "vision", "note": "axb"},
        created_by="bob",
    ),
    RunData(
        "r03",
        status="Failed",
        metrics={"acc": 0.40, "loss": 1.2},
        params={"opt": "adam", "lr": "0.001"},
        tags={"team": "nlp", "note": "50%"},
    ),
    RunData(
        "r04",
        status="Running",
        metrics={"acc": NAN, "loss": 0.9},
        params={"opt": "adam", "lr": "0.1"},
        tags={"team": "nlp", "note": "a*b"},
    ),
    RunData(
        "r05",
        experiment="exp-b",
        metrics={"acc": 0.95, "loss": 0.2},
        params={"opt": "adamw", "lr": "0.1"},
        tags={"team": "vision"},
        display_name="best",
        kind="job",
    ),
    RunData(
        "r06",
        experiment="exp-b",
        metrics={"acc": 0.70, "loss": 0.6},
        params={"opt": "sgd", "lr": "0.1"},
        tags={"team": "speech"},
        kind="job",
    ),
    RunData("r07", experiment="exp-b", status="Canceled", params={"opt": "adam"}, started=False),
    RunData(
        "r08",
        experiment="exp-b",
        metrics={"acc": 0.91, "loss": 0.25},
        params={"opt": "adam", "lr": "0.01"},
        tags={"team": "Vision"},
        created_by="ann",
        kind="job",
    ),
    RunData(
        "r09", metrics={"acc": 0.60}, params={"opt": "rmsprop", "lr": "0.1"}, tags={"team": "nlp"}
    ),
    RunData("r10", status="Queued", started=False),
    RunData(
        "r11",
        metrics={"acc": -1.5, "loss": 4.0},
        params={"opt": "Adam"},
        tags={"team": "rl"},
        display_name="negative",
    ),
    RunData(
        "r12",
        status="Failed",
        metrics={"acc": 0.0, "loss": NAN},
        params={"opt": "sgd"},
        tags={"team": "rl"},
    ),
    RunData(
        "r13",
        metrics={"acc": 1e-3},
        params={"opt": "adam", "lr": "1e-3"},
        tags={"team": "vision", "val loss": "x"},
    ),
    RunData(
        "r14",
        experiment="exp-c",
        metrics={"acc": 0.99, "val loss": 0.05},
        params={"opt": "adamw"},
        tags={"mlflow.runName": "fancy"},
        created_by="cy",
    ),
    RunData(
        "r15",
        experiment="exp-c",
        status="Running",
        metrics={"acc": 0.5},
        params={"opt": "adam", "lr": "0.1"},
        tags={"team": "speech"},
    ),
    RunData("r16", archived=True, metrics={"acc": 0.77}, params={"opt": "adam"}),
    RunData(
        "r17",
        metrics={"acc": 0.85, "train/loss": 0.4},
        params={"opt": "sgd", "lr": "0.1"},
        tags={"team": "vision"},
        display_name="baseline-2",
    ),
    RunData("r18", status="Preparing", started=False, tags={"team": "infra"}),
    RunData(
        "r19",
        metrics={"acc": 0.62},
        params={"opt": "adam", "lr": "0.01"},
        tags={"team": "nlp"},
        kind="job",
        created_by="bob",
    ),
    RunData(
        "r20",
        status="Completed",
        metrics={"acc": NAN},
        params={"opt": "sgd"},
        tags={"team": "vision"},
    ),
]
NEWEST_FIRST = [r.name for r in reversed(RUNS)]
ALL = NEWEST_FIRST


def created_at(name: str) -> datetime:
    return T0 + timedelta(minutes=int(name[1:]))


def newest_first(*names: str) -> list[str]:
    return sorted(names, key=created_at, reverse=True)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def make_runs(engine: Engine) -> Callable[[list[RunData]], int]:
    """Insert runs (with params, tags and latest metrics) into a new workspace; return its id."""

    def make(runs: list[RunData]) -> int:
        with Session(engine) as session, session.begin():
            workspace = WorkspaceRow(name=f"ws-{len(runs)}", description="", created_at=T0)
            session.add(workspace)
            session.flush()
            experiments: dict[str, int] = {}
            for run in runs:
                if run.experiment not in experiments:
                    exp = ExperimentRow(
                        workspace_id=workspace.id,
                        name=run.experiment,
                        description="",
                        archived=False,
                        created_at=T0,
                        updated_at=T0,
                    )
                    session.add(exp)
                    session.flush()
                    experiments[run.experiment] = exp.id
                when = created_at(run.name)
                row = RunRow(
                    workspace_id=workspace.id,
                    experiment_id=experiments[run.experiment],
                    name=run.name,
                    display_name=run.display_name,
                    description="",
                    kind=run.kind,
                    status=run.status,
                    created_at=when,
                    updated_at=when,
                    start_time=when + timedelta(seconds=5) if run.started else None,
                    end_time=None,
                    created_by=run.created_by,
                    properties={},
                    archived=run.archived,
                )
                session.add(row)
                session.flush()
                for key, value in run.metrics.items():
                    nan = math.isnan(value)
                    session.add(
                        LatestMetricRow(
                            run_id=row.id,
                            key=key,
                            step=1,
                            timestamp=0,
                            value=0.0 if nan else value,
                            is_nan=nan,
                        )
                    )
                session.add_all(
                    ParamRow(run_id=row.id, key=k, value=v) for k, v in run.params.items()
                )
                session.add_all(
                    RunTagRow(run_id=row.id, key=k, value=v) for k, v in run.tags.items()
                )
            return workspace.id

    return make


@pytest.fixture
def search(engine: Engine, make_runs: Callable[[list[RunData]], int]) -> Callable[..., list[str]]:
    """``search(filter, order_by)`` -> run names, over RUNS (plus a decoy workspace)."""
    make_runs([RunData("r01", metrics={"acc": 0.99}, params={"opt": "adam"})])  # other workspace
    workspace_id = make_runs(RUNS)

    def run(text: str | None = None, order_by: list[str] | None = None, **kw: Any) -> list[str]:
        stmt = statement(workspace_id, text, order_by)
        if "offset" in kw:
            stmt = stmt.offset(kw["offset"]).limit(kw["limit"])
        with Session(engine) as session:
            return [row.name for row in session.scalars(stmt)]

    return run


def statement(workspace_id: int, text: str | None, order_by: list[str] | None) -> Select[Any]:
    stmt = select(RunRow).where(RunRow.workspace_id == workspace_id)
    expr = parse_filter(text)
    if expr is not None:
        stmt = stmt.where(filter_clause(expr))
    return apply_order(stmt, parse_order_by(order_by or []))


# (id, filter, expected names in any order)
FILTERS: list[tuple[str, str, set[str]]] = [
    # metrics
    ("metric-gt", "metrics.acc > 0.9", {"r01", "r05", "r08", "r14"}),
    ("metric-ge", "metrics.acc >= 0.91", {"r01", "r05", "r08", "r14"}),
    ("metric-eq", "metrics.acc = 0.85", {"r02", "r17"}),
    ("metric-lt-negative", "metrics.acc < 0", {"r11"}),
    ("metric-le", "metrics.acc <= 0.001", {"r11", "r12", "r13"}),
    ("metric-exponent", "metrics.acc = 1e-3", {"r13"}),
    (
        "metric-ne-skips-nan-and-missing",
        "metrics.acc != 0.85",
        {"r01", "r03", "r05", "r06", "r08", "r09", "r11", "r12", "r13", "r14", "r15", "r16", "r19"},
    ),
    (
        "nan-never-matches",
        "metrics.acc >= -100 and metrics.acc <= 100",
        set(ALL) - {"r04", "r20", "r07", "r10", "r18"},
    ),
    ("nan-is-not-zero", "metrics.loss = 0", set()),
    (
        "not-metric-includes-nan-and-missing",
        "not metrics.acc > 0.5",
        {"r03", "r04", "r07", "r10", "r11", "r12", "r13", "r15", "r18", "r20"},
    ),
    ("metric-is-null", "metrics.acc is null", {"r07", "r10", "r18"}),
    (
        "metric-is-not-null-includes-nan",
        "metrics.loss is not null",
        {"r01", "r02", "r03", "r04", "r05", "r06", "r08", "r11", "r12"},
    ),
    ("metric-in", "metrics.acc in (0.91, 0.5)", {"r01", "r08", "r15"}),
    ("metric-not-in", "metrics.loss not in (0.3, 0.5, 0.9, 1.2, 4.0)", {"r05", "r06", "r08"}),
    ("metric-quoted-key", "metrics.`val loss` < 0.1", {"r14"}),
    ("metric-slash-key", "metrics.train/loss > 0", {"r17"}),
    # params and tags
    ("param-eq", "params.opt = 'adamw'", {"r05", "r14"}),
    ("param-eq-case-sensitive", "params.opt = 'Adam'", {"r11"}),
    ("param-ne-needs-key", "params.lr != '0.1'", {"r02", "r03", "r08", "r13", "r19"}),
    ("param-string-compare", "params.lr = '0.001'", {"r03"}),
    ("param-in", "params.opt in ('sgd', 'rmsprop')", {"r02", "r06", "r09", "r12", "r17", "r20"}),
    ("param-not-in-needs-key", "params.lr not in ('0.1', '0.01')", {"r03", "r13"}),
    (
        "param-like-case-sensitive",
        "params.opt like 'adam%'",
        {"r01", "r03", "r04", "r05", "r07", "r08", "r13", "r14", "r15", "r16", "r19"},
    ),
    (
        "param-ilike",
        "params.opt ilike 'ADAM'",
        {"r01", "r03", "r04", "r07", "r08", "r11", "r13", "r15", "r16", "r19"},
    ),
    ("param-not-like", "params.opt not like '%a%'", {"r02", "r06", "r09", "r12", "r17", "r20"}),
    (
        "param-is-null",
        "params.lr is null",
        {"r07", "r10", "r11", "r12", "r14", "r16", "r18", "r20"},
    ),
    ("tag-eq", "tags.team = 'Vision'", {"r08"}),
    ("tag-like-case-sensitive", "tags.team like 'V%'", {"r08"}),
    ("tag-ilike", "tags.team ilike 'v%'", {"r01", "r02", "r05", "r08", "r13", "r17", "r20"}),
    (
        "tag-not-ilike",
        "tags.team not ilike '%i%'",
        {"r03", "r04", "r06", "r09", "r11", "r12", "r15", "r19"},
    ),
    ("tag-like-underscore", "tags.note like 'a_b'", {"r01", "r02", "r04"}),
    ("tag-like-escaped-underscore", "tags.note like 'a\\_b'", {"r01"}),
    ("tag-like-escaped-percent", "tags.note like '%\\%'", {"r03"}),
    ("tag-like-glob-chars-literal", "tags.note like 'a*b'", {"r04"}),
    ("tag-like-glob-chars-literal-ilike", "tags.note ilike 'A*%'", {"r04"}),
    ("tag-quoted-key", "tags.\"mlflow.runName\" = 'fancy'", {"r14"}),
    ("tag-backtick-key-with-space", "tags.`val loss` = 'x'", {"r13"}),
    ("tag-is-not-null", "tags.note is not null", {"r01", "r02", "r03", "r04"}),
    # attributes
    (
        "status-case-insensitive",
        "status = 'completed'",
        {"r01", "r02", "r05", "r06", "r08", "r09", "r11", "r13", "r14", "r16", "r17", "r19", "r20"},
    ),
    ("status-in", "status in ('Failed', 'CANCELED')", {"r03", "r07", "r12"}),
    ("status-not-in", "status not in ('Completed', 'Failed')", {"r04", "r07", "r10", "r15", "r18"}),
    ("status-like", "status like 'R%'", {"r04", "r15"}),
    ("name", "name = 'r03'", {"r03"}),
    ("run-id-alias", "run_id in ('r03', 'r04', 'nope')", {"r03", "r04"}),
    ("display-name-ilike", "run_name ilike 'base%'", {"r01", "r17"}),
    ("display-name-ne-skips-null", "display_name != 'best'", {"r01", "r11", "r17"}),
    ("display-name-is-null", "display_name is not null", {"r01", "r05", "r11", "r17"}),
    ("experiment-name", "experiment_name = 'exp-b'", {"r05", "r06", "r07", "r08"}),
    (
        "experiment-name-ne",
        "experiment_name != 'exp-a'",
        {"r05", "r06", "r07", "r08", "r14", "r15"},
    ),
    ("experiment-name-like", "experiment_name like '%c'", {"r14", "r15"}),
    ("kind", "kind = 'job'", {"r05", "r06", "r08", "r19"}),
    ("created-by-alias", "user_id = 'ann'", {"r01", "r08"}),
    (
        "created-by-is-null",
        "created_by is null and metrics.acc > 0.6",
        {"r05", "r06", "r16", "r17"},
    ),
    ("created-at-iso", "created_at >= '2025-03-01T00:18:00Z'", {"r18", "r19", "r20"}),
    (
        "created-at-epoch-ms",
        f"created < {int(created_at('r03').timestamp() * 1000)}",
        {"r01", "r02"},
    ),
    ("start-time-is-null", "start_time is null", {"r07", "r10", "r18"}),
    ("start-time-gt", "start_time > '2025-03-01T00:19:00+00:00'", {"r19", "r20"}),
    ("end-time-is-null", "end_time is null", set(ALL)),
    ("archived", "archived = true", {"r16"}),
    ("not-archived", "archived != true and metrics.acc > 0.76 and metrics.acc < 0.78", set()),
    # boolean structure
    ("and", "params.opt = 'adam' and metrics.acc > 0.8", {"r01", "r08"}),
    ("or", "tags.team = 'rl' or kind = 'job'", {"r05", "r06", "r08", "r11", "r12", "r19"}),
    (
        "and-binds-tighter",
        "params.opt = 'sgd' or params.opt = 'adamw' and metrics.acc > 0.96",
        {"r02", "r06", "r12", "r14", "r17", "r20"},
    ),
    (
        "parentheses",
        "(params.opt = 'sgd' or params.opt = 'adamw') and metrics.acc > 0.8",
        {"r02", "r05", "r14", "r17"},
    ),
    (
        "not-binds-tighter-than-and",
        "not params.opt = 'adam' and tags.team = 'vision'",
        {"r02", "r05", "r17", "r20"},
    ),
    (
        "not-parentheses",
        "not (params.opt = 'adam' and tags.team = 'vision')",
        set(ALL) - {"r01", "r13"},
    ),
    ("double-not", "not not metrics.acc > 0.9", {"r01", "r05", "r08", "r14"}),
    (
        "mixed-case-keywords",
        "Metrics.acc > 0.9 AND NOT tags.team In ('vision') Or name = 'r10'",
        {"r08", "r14", "r10"},
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [f[1:] for f in FILTERS], ids=[f[0] for f in FILTERS]
)
def test_filter(search: Callable[..., list[str]], text: str, expected: set[str]) -> None:
    assert search(text) == newest_first(*expected)


def test_no_filter_lists_the_workspace_newest_first(search: Callable[..., list[str]]) -> None:
    assert search() == NEWEST_FIRST


# (id, filter, order_by, expected names in order)
ORDERS: list[tuple[str, str | None, list[str], list[str]]] = [
    (
        "metric-desc-driven-by-filter",
        "metrics.acc > 0.8",
        ["metrics.acc DESC"],
        ["r14", "r05", "r08", "r01", "r17", "r02"],  # ties (0.91, 0.85): newest first
    ),
    (
        "metric-asc-driven-by-filter",
        "metrics.acc > 0.8 and params.opt != 'sgd'",
        ["metrics.acc"],
        ["r08", "r01", "r05", "r14"],
    ),
    (
        "metric-desc-missing-and-nan-last",
        "metrics.acc is null or metrics.acc < 0.5 or metrics.acc > 0.9 or name in ('r04', 'r20')",
        ["metrics.acc desc"],
        # values, then NaN (r20, r04) and missing (r18, r10, r07), newest first
        ["r14", "r05", "r08", "r01", "r03", "r13", "r12", "r11", "r20", "r18", "r10", "r07", "r04"],
    ),
    (
        "metric-asc-missing-and-nan-last",
        "metrics.acc is null or metrics.acc < 0.5 or metrics.acc > 0.9 or name in ('r04', 'r20')",
        ["metrics.acc ASC"],
        ["r11", "r12", "r13", "r03", "r08", "r01", "r05", "r14", "r20", "r18", "r10", "r07", "r04"],
    ),
    (
        "param-asc-missing-last",
        "tags.team = 'vision' or tags.team = 'rl'",
        ["params.lr"],
        [
            "r02",
            "r17",
            "r05",
            "r01",
            "r13",
            "r20",
            "r12",
            "r11",
        ],  # strings: "0.01" < "0.1" < "1e-3"
    ),
    (
        "param-desc-missing-last",
        "tags.team = 'vision' or tags.team = 'rl'",
        ["params.lr DESC"],
        ["r13", "r17", "r05", "r01", "r02", "r20", "r12", "r11"],
    ),
    (
        "tag-then-metric",
        "tags.team in ('nlp', 'speech')",
        ["tags.team", "metrics.acc desc"],
        ["r19", "r09", "r03", "r04", "r06", "r15"],
    ),
    (
        "experiment-then-metric",
        "metrics.acc > 0.6",
        ["experiment_name DESC", "metrics.acc"],
        ["r14", "r06", "r08", "r05", "r19", "r16", "r17", "r02", "r01"],
    ),
    (
        "display-name-nulls-last",
        "kind = 'job' or display_name is not null",
        ["run_name"],
        ["r01", "r17", "r05", "r11", "r19", "r08", "r06"],
    ),
    (
        "start-time-asc-nulls-last",
        "status in ('Queued', 'Canceled', 'Preparing', 'Running')",
        ["start_time"],
        ["r04", "r15", "r18", "r10", "r07"],
    ),
    (
        "created-at-asc",
        "metrics.acc > 0.9",
        ["attributes.created_at asc"],
        ["r01", "r05", "r08", "r14"],
    ),
    ("status-then-default", "metrics.acc < 0.5", ["status DESC"], ["r12", "r03", "r13", "r11"]),
    ("default-order", "metrics.acc > 0.9", [], ["r14", "r08", "r05", "r01"]),
    (
        "same-metric-twice",
        "metrics.acc > 0.9",
        ["metrics.acc desc", "metrics.loss desc"],
        ["r14", "r05", "r01", "r08"],
    ),
    (
        "sort-metric-with-bound-on-other-metric",
        "metrics.loss < 0.4",
        ["metrics.acc desc"],
        ["r05", "r08", "r01"],
    ),
]


@pytest.mark.parametrize(
    ("text", "order_by", "expected"), [o[1:] for o in ORDERS], ids=[o[0] for o in ORDERS]
)
def test_order(
    search: Callable[..., list[str]], text: str | None, order_by: list[str], expected: list[str]
) -> None:
    assert search(text, order_by) == expected


@pytest.mark.parametrize(
    "text",
    [
        "metrics.acc > 0.5",
        "metrics.acc >= 0.5 and metrics.acc < 0.9",
        "metrics.acc != 0.85",
        "metrics.acc in (0.91, 0.5, 0.85)",
        "metrics.acc not in (0.91)",
        "tags.team = 'vision' and metrics.acc < 0.9",
    ],
    ids=["gt", "range", "ne", "in", "not-in", "with-other-condition"],
)
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_index_driven_sort_matches_the_general_plan(
    search: Callable[..., list[str]], text: str, direction: str
) -> None:
    order = [f"metrics.acc {direction}"]
    # An OR with itself means the same but hides the bound from apply_order.
    general = search(f"({text}) or ({text})", order)
    assert search(text, order) == general
    assert general


def test_index_driven_sort_uses_an_inner_join_on_the_metric() -> None:
    fast = statement(1, "metrics.acc > 0.5 and params.opt = 'adam'", ["metrics.acc DESC"])
    general = statement(1, "params.opt = 'adam'", ["metrics.acc DESC"])
    fast_sql, general_sql = str(fast), str(general)
    assert "LEFT OUTER JOIN latest_metrics" not in fast_sql
    assert "JOIN latest_metrics AS latest_metrics_1 ON" in fast_sql
    assert "latest_metrics_1.value >" in fast_sql
    assert "LEFT OUTER JOIN latest_metrics" in general_sql


@pytest.mark.parametrize(
    "text",
    ["metrics.acc > 0.5 or tags.team = 'x'", "not metrics.acc > 0.5", "metrics.acc is not null"],
    ids=["under-or", "under-not", "is-not-null-allows-nan"],
)
def test_bounds_that_do_not_hold_for_every_row_keep_the_outer_join(text: str) -> None:
    assert "LEFT OUTER JOIN latest_metrics" in str(statement(1, text, ["metrics.acc"]))


def test_pages_are_disjoint_and_ordered(search: Callable[..., list[str]]) -> None:
    order = ["metrics.acc DESC"]
    whole = search(None, order)
    pages = [search(None, order, offset=i, limit=6) for i in range(0, 20, 6)]
    assert [name for page in pages for name in page] == whole
    assert len(whole) == len(RUNS)


@pytest.mark.parametrize("attribute", sorted(ATTRIBUTE_TYPES))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_every_attribute_sorts(
    search: Callable[..., list[str]], attribute: str, direction: str
) -> None:
    names = search(None, [f"{attribute} {direction}"])
    assert sorted(names) == sorted(ALL)


@pytest.mark.parametrize("attribute", sorted(ATTRIBUTE_TYPES))
def test_every_attribute_filters(search: Callable[..., list[str]], attribute: str) -> None:
    text = f"{attribute} = true" if ATTRIBUTE_TYPES[attribute] == "bool" else f"{attribute} is null"
    assert set(search(f"not {text} or {text}")) == set(ALL)


def test_unknown_status_is_refused() -> None:
    expr = parse_filter("status in ('Completed', 'Done')")
    assert expr is not None
    with pytest.raises(InvalidArgumentError, match="Unknown run status 'Done'") as caught:
        filter_clause(expr)
    assert caught.value.details["field"] == "filter"
