"""Compile an experiment filter (``spec.filters.parse_experiment_filter``) into SQL.

Tags follow the run rules of ``store.filters``: ``!=``, ``not in`` and ``not like`` match
experiments that *have* the tag with another value, ``is null`` matches those without it.
Sorting always ends with ``id DESC`` so pages are stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, not_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from basalt.spec.filters import And, Compare, Expr, InList, Not, Or, OrderBy
from basalt.store.filters import _compare
from basalt.store.tables import ExperimentRow, ExperimentTagRow

_SelectT = TypeVar("_SelectT", bound=Select[Any])

_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "name": ExperimentRow.name,
    "id": ExperimentRow.id,
    "created_at": ExperimentRow.created_at,
    "updated_at": ExperimentRow.updated_at,
}


def experiment_filter_clause(expr: Expr) -> ColumnElement[bool]:
    """Compile a parsed experiment filter into a WHERE clause on ``ExperimentRow``.

    Args:
        expr: A filter from ``spec.filters.parse_experiment_filter``.

    Returns:
        A boolean clause that correlates to ``experiments``.
    """
    if isinstance(expr, And):
        return and_(*(experiment_filter_clause(item) for item in expr.items))
    if isinstance(expr, Or):
        return or_(*(experiment_filter_clause(item) for item in expr.items))
    if isinstance(expr, Not):
        return not_(experiment_filter_clause(expr.item))
    if expr.field.kind == "tags":
        return _tag_clause(expr)
    column = _COLUMNS[expr.field.key]
    if isinstance(expr, InList):
        values = list(expr.values)
        return column.not_in(values) if expr.negated else column.in_(values)
    return _compare(column, expr.op, expr.value)


def apply_experiment_order(stmt: _SelectT, order_by: Sequence[OrderBy]) -> _SelectT:
    """Add the joins and ORDER BY for ``order_by`` to a ``select(ExperimentRow)`` statement.

    Experiments without a sort tag come last in both directions; ``id DESC`` ends every order.
    """
    terms: list[ColumnElement[Any]] = []
    for item in order_by:
        ref = item.field
        if ref.kind == "tags":
            tag = aliased(ExperimentTagRow)
            stmt = stmt.outerjoin(
                tag, and_(tag.experiment_id == ExperimentRow.id, tag.key == ref.key)
            )
            term = tag.value.desc() if item.descending else tag.value.asc()
            terms.append(term.nulls_last())
            continue
        column = _COLUMNS[ref.key]
        terms.append(column.desc() if item.descending else column.asc())
    terms.append(ExperimentRow.id.desc())
    return stmt.order_by(*terms)


def _tag_clause(expr: Compare | InList) -> ColumnElement[bool]:
    key = expr.field.key

    def exists(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
        return (
            select(ExperimentTagRow.experiment_id)
            .where(
                ExperimentTagRow.experiment_id == ExperimentRow.id,
                ExperimentTagRow.key == key,
                *conditions,
            )
            .correlate(ExperimentRow)
            .exists()
        )

    if isinstance(expr, InList):
        values = [str(v) for v in expr.values]
        column = ExperimentTagRow.value
        return exists(column.not_in(values) if expr.negated else column.in_(values))
    if expr.op in ("is null", "is not null"):
        return exists() if expr.op == "is not null" else not_(exists())
    return exists(_compare(ExperimentTagRow.value, expr.op, expr.value))


__all__ = ["apply_experiment_order", "experiment_filter_clause"]
