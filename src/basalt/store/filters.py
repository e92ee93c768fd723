r"""Compile a ``spec.filters`` AST into SQL that runs, index-driven, on SQLite and PostgreSQL.

* Metrics read ``latest_metrics`` (one row per run and key); a metric stored as NaN never
  matches a numeric comparison, and ``not`` is the plain complement (so ``not metrics.a > 1``
  also matches runs without ``a``).
* Params and tags are strings; ``!=``, ``not in`` and ``not like`` match runs that *have* the key
  with another value (MLflow's rule); ``is null`` matches runs without the key.
* ``like`` is case-sensitive on both dialects (SQLite's own LIKE ignores ASCII case, so it is
  compiled to GLOB there); ``ilike`` ignores case. ``%`` and ``_`` are wildcards, ``\`` escapes.
* Sorting puts runs without the key (and NaN metrics) last in both directions and always ends
  with ``created_at DESC, id DESC``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    and_,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql import operators
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BooleanClauseList, Grouping
from sqlalchemy.sql.visitors import InternalTraversal

from basalt.errors import invalid
from basalt.spec.filters import (
    And,
    Compare,
    Expr,
    InList,
    Not,
    Or,
    OrderBy,
    Value,
)
from basalt.spec.runs import RunStatus
from basalt.store.tables import ExperimentRow, LatestMetricRow, ParamRow, RunRow, RunTagRow

_SelectT = TypeVar("_SelectT", bound=Select[Any])

_RUN_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "name": RunRow.name,
    "display_name": RunRow.display_name,
    "status": RunRow.status,
    "kind": RunRow.kind,
    "created_by": RunRow.created_by,
    "created_at": RunRow.created_at,
    "start_time": RunRow.start_time,
    "end_time": RunRow.end_time,
    "archived": RunRow.archived,
}
_NULLABLE_ATTRIBUTES = frozenset({"display_name", "created_by", "start_time", "end_time"})
_STATUSES = {status.value.lower(): status.value for status in RunStatus}

# NOTE: the metric conditions that filter_clause emitted, by id() of the clause, so that
# apply_order can see (through the statement's WHERE) that a sort key is a metric the filter
# already requires, and drive the query from the (key, value) index instead of sorting every
# run. Entries leave with their clause (weakref.finalize), before the id can be reused.
_METRIC_BOUNDS: dict[int, Compare | InList] = {}


def filter_clause(expr: Expr) -> ColumnElement[bool]:
    """Compile a parsed filter into a WHERE clause on ``RunRow``.

    Example: ``select(RunRow).where(filter_clause(parse_filter("metrics.acc > 0.9")))``.

    Args:
        expr: A filter from ``spec.filters.parse_filter``.

    Returns:
        A boolean clause that correlates to ``runs``.

    Raises:
        InvalidArgumentError: The filter names an unknown run status.
    """
    if isinstance(expr, And):
        return and_(*(filter_clause(item) for item in expr.items))
    if isinstance(expr, Or):
        return or_(*(filter_clause(item) for item in expr.items))
    if isinstance(expr, Not):
        return not_(filter_clause(expr.item))
    kind = expr.field.kind
    if kind == "metrics":
        return _metric_clause(expr)
    if kind in ("params", "tags"):
        table = ParamRow if kind == "params" else RunTagRow
        return _key_value_clause(table, expr)
    return _attribute_clause(expr)


def apply_order(stmt: _SelectT, order_by: Sequence[OrderBy]) -> _SelectT:
    """Add the joins and ORDER BY for ``order_by`` to a ``select(RunRow)`` statement.

    Runs missing a sort key (or whose metric is NaN) come last in both directions; the order
    always ends with ``created_at DESC, id DESC``, which is also the whole default order.
    Call it after the filter's ``where``: when a sort key is a metric that the filter bounds at
    its top level (``metrics.acc > 0.5 and ...``), its join becomes an inner join carrying the
    same bounds, so for a first sort key the database walks the ``(key, value)`` index in order
    and stops after one page instead of sorting every matching run.

    Args:
        stmt: A statement selecting ``RunRow`` (filters already applied).
        order_by: Sort keys from ``spec.filters.parse_order_by``; empty for the default.

    Returns:
        The statement with joins and ORDER BY added.
    """
    bounds = _required_metric_bounds(stmt.whereclause)
    terms: list[ColumnElement[Any]] = []
    seen_created_at = False
    for item in order_by:
        ref = item.field
        nullable = True
        column: Any
        if ref.kind == "metrics":
            metric = aliased(LatestMetricRow)
            on = and_(metric.run_id == RunRow.id, metric.key == ref.key)
            if ref.key in bounds:
                conditions = [_metric_value(metric, node) for node in bounds[ref.key]]
                stmt = stmt.join(metric, and_(on, *conditions))
                nullable = False
            else:
                stmt = stmt.outerjoin(metric, and_(on, metric.is_nan.is_(False)))
            column = metric.value
        elif ref.kind in ("params", "tags"):
            row: Any = aliased(ParamRow) if ref.kind == "params" else aliased(RunTagRow)
            stmt = stmt.outerjoin(row, and_(row.run_id == RunRow.id, row.key == ref.key))
            column = row.value
        elif ref.key == "experiment_name":
            experiment = aliased(ExperimentRow)
            stmt = stmt.join(experiment, experiment.id == RunRow.experiment_id)
            column, nullable = experiment.name, False
        else:
            column = _RUN_COLUMNS[ref.key]
            nullable = ref.key in _NULLABLE_ATTRIBUTES
            seen_created_at = seen_created_at or ref.key == "created_at"
        term = column.desc() if item.descending else column.asc()
        terms.append(term.nulls_last() if nullable else term)
    if not seen_created_at:
        terms.append(RunRow.created_at.desc())
    terms.append(RunRow.id.desc())
    return stmt.order_by(*terms)


# --- metrics -----------------------------------------------------------------------------------


def _metric_clause(expr: Compare | InList) -> ColumnElement[bool]:
    key = expr.field.key
    if isinstance(expr, Compare) and expr.op in ("is null", "is not null"):
        present = _exists(LatestMetricRow, key)
        return present if expr.op == "is not null" else not_(present)
    clause = _exists(LatestMetricRow, key, _metric_value(LatestMetricRow, expr))
    _METRIC_BOUNDS[id(clause)] = expr
    weakref.finalize(clause, _METRIC_BOUNDS.pop, id(clause), None)
    return clause


def _metric_value(metric: Any, expr: Compare | InList) -> ColumnElement[bool]:
    """The value condition of a metric comparison on ``metric`` (the table or an alias)."""
    # NOTE: floats, so PostgreSQL compares double to double and can use the (key, value) index
    # (a large Python int would otherwise be sent as numeric).
    not_nan = metric.is_nan.is_(False)
    if isinstance(expr, InList):
        values = [_number(v) for v in expr.values]
        test = metric.value.not_in(values) if expr.negated else metric.value.in_(values)
        return and_(test, not_nan)
    value = None if expr.value is None else _number(expr.value)
    return and_(_compare(metric.value, expr.op, value), not_nan)


def _number(value: Value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):  # pragma: no cover
        raise invalid("filter", f"Metric values are numbers, got {value!r}")
    return float(value)


def _required_metric_bounds(where: ColumnElement[Any] | None) -> dict[str, list[Compare | InList]]:
    """Metric comparisons that every row must satisfy: the top-level conjuncts of ``where``."""
    found: dict[str, list[Compare | InList]] = {}
    pending: list[Any] = [where] if where is not None else []
    while pending:
        clause = pending.pop()
        if isinstance(clause, Grouping):
            pending.append(clause.element)
            continue
        if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
            pending.extend(clause.clauses)
            continue
        node = _METRIC_BOUNDS.get(id(clause))
        if node is not None:
            found.setdefault(node.field.key, []).append(node)
    return found


# --- params, tags and attributes ---------------------------------------------------------------


def _key_value_clause(
    table: type[ParamRow] | type[RunTagRow], expr: Compare | InList
) -> ColumnElement[bool]:
    key = expr.field.key
    if isinstance(expr, InList):
        values = [str(v) for v in expr.values]
        test = table.value.not_in(values) if expr.negated else table.value.in_(values)
        return _exists(table, key, test)
    if expr.op in ("is null", "is not null"):
        present = _exists(table, key)
        return present if expr.op == "is not null" else not_(present)
    return _exists(table, key, _compare(table.value, expr.op, expr.value))


def _attribute_clause(expr: Compare | InList) -> ColumnElement[bool]:
    name = expr.field.key
    if name == "status":
        expr = _normalize_status(expr)
    if name == "experiment_name":
        ids = select(ExperimentRow.id).where(_attribute_test(ExperimentRow.name, expr))
        return RunRow.experiment_id.in_(ids)
    if name not in _RUN_COLUMNS:  # pragma: no cover - ATTRIBUTE_TYPES and the map move together
        raise invalid("filter", f"Attribute {name!r} cannot be filtered on")
    return _attribute_test(_RUN_COLUMNS[name], expr)


def _attribute_test(column: Any, expr: Compare | InList) -> ColumnElement[bool]:
    if isinstance(expr, InList):
        values = list(expr.values)
        return column.not_in(values) if expr.negated else column.in_(values)  # type: ignore[no-any-return]
    return _compare(column, expr.op, expr.value)


def _normalize_status(expr: Compare | InList) -> Compare | InList:
    """Match statuses case-insensitively (``status = 'completed'``) and refuse unknown ones."""
    if isinstance(expr, Compare) and expr.op not in ("=", "!="):
        return expr

    def fix(value: Value) -> Value:
        status = _STATUSES.get(str(value).lower())
        if status is None:
            valid = ", ".join(s.value for s in RunStatus)
            raise invalid("filter", f"Unknown run status {value!r} in filter; valid: {valid}")
        return status

    if isinstance(expr, InList):
        return InList(expr.field, tuple(fix(v) for v in expr.values), expr.negated)
    return Compare(expr.field, expr.op, fix(expr.value) if expr.value is not None else None)


# --- shared ------------------------------------------------------------------------------------


def _exists(
    table: type[LatestMetricRow] | type[ParamRow] | type[RunTagRow],
    key: str,
    *conditions: ColumnElement[bool],
) -> ColumnElement[bool]:
    """EXISTS a row of ``table`` for the outer run and ``key`` (primary key lookups)."""
    return (
        select(table.run_id)
        .where(table.run_id == RunRow.id, table.key == key, *conditions)
        .correlate(RunRow)
        .exists()
    )


def _compare(column: Any, op: str, value: Value | None) -> ColumnElement[bool]:
    result: ColumnElement[bool]
    if op == "=":
        result = column == value
    elif op == "!=":
        result = column != value
    elif op == "<":
        result = column < value
    elif op == "<=":
        result = column <= value
    elif op == ">":
        result = column > value
    elif op == ">=":
        result = column >= value
    elif op in ("like", "not like", "ilike", "not ilike"):
        result = _Like(column, str(value), case_sensitive="ilike" not in op)
        if op.startswith("not "):
            result = not_(result)
    elif op == "is null":
        result = column.is_(None)
    elif op == "is not null":
        result = column.is_not(None)
    else:  # pragma: no cover - the parser admits no other operator
        raise invalid("filter", f"Unsupported operator {op!r}")
    return result


class _Like(ColumnElement[bool]):
    """LIKE / ILIKE with the same meaning on every dialect.

    ``%`` and ``_`` are wildcards and a backslash makes the next character literal. SQLite's
    LIKE ignores ASCII case, so the case-sensitive form is compiled to GLOB there.
    """

    __visit_name__ = "basalt_like"
    inherit_cache = True
    type = Boolean()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("like_pattern", InternalTraversal.dp_clauseelement),
        ("glob_pattern", InternalTraversal.dp_clauseelement),
        ("case_sensitive", InternalTraversal.dp_boolean),
    ]

    def __init__(self, column: ColumnElement[Any], pattern: str, *, case_sensitive: bool) -> None:
        parts = _pattern_parts(pattern)
        self.column = column
        self.like_pattern = literal(_render_like(parts), String())
        self.glob_pattern = literal(_render_glob(parts), String())
        self.case_sensitive = case_sensitive


@compiles(_Like)
def _compile_like(element: _Like, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    pattern = compiler.process(element.like_pattern, **kw)
    operator = "LIKE" if element.case_sensitive else "ILIKE"
    # NOTE: PostgreSQL's LIKE escapes with a backslash by default; no ESCAPE clause needed.
    return f"({column} {operator} {pattern})"


@compiles(_Like, "sqlite")
def _compile_like_sqlite(element: _Like, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    if element.case_sensitive:
        return f"({column} GLOB {compiler.process(element.glob_pattern, **kw)})"
    pattern = compiler.process(element.like_pattern, **kw)
    return f"(lower({column}) LIKE lower({pattern}) ESCAPE '\\')"


def _pattern_parts(pattern: str) -> list[str]:
    """Split a LIKE pattern into ``%``, ``_`` and literal characters (prefixed with ``=``)."""
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            parts.append("=" + next(chars, "\\"))
        elif char in "%_":
            parts.append(char)
        else:
            parts.append("=" + char)
    return parts


def _render_like(parts: list[str]) -> str:
    out = []
    for part in parts:
        if part in ("%", "_"):
            out.append(part)
        else:
            char = part[1]
            out.append("\\" + char if char in "%_\\" else char)
    return "".join(out)


def _render_glob(parts: list[str]) -> str:
    out = []
    for part in parts:
        if part == "%":
            out.append("*")
        elif part == "_":
            out.append("?")
        else:
            char = part[1]
            out.append(f"[{char}]" if char in "*?[" else char)
    return "".join(out)


__all__ = ["apply_order", "filter_clause"]
