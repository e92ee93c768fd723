"""The run filter language: a tokenizer, a recursive-descent parser and its immutable AST.

Pure Python, so the SDK can validate a filter before sending it; ``store.filters`` compiles the
AST to SQL. The grammar, loosest binding first::

    filter     := or_expr EOF
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" or_expr ")" | predicate
    predicate  := field ( op value | ["not"] "in" "(" value ("," value)* ")"
                        | ["not"] ("like" | "ilike") string | "is" ["not"] "null" )
    field      := ("metrics" | "params" | "tags" | "attributes") "." key | attribute
    op         := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="

Keywords are case-insensitive; keys may be quoted with backticks or double quotes
(`` metrics.`val loss` ``, ``tags."mlflow.runName"``), and unquoted keys may contain dots,
slashes and dashes (``metrics.train/loss``).
"""

from __future__ import annotations

from basalt.errors import InvalidArgumentError
from basalt.spec._filter_parser import Parser
from basalt.spec.filter_ast import (
    ATTRIBUTE_ALIASES,
    ATTRIBUTE_TYPES,
    EXPERIMENT_ATTRIBUTE_ALIASES,
    EXPERIMENT_ATTRIBUTE_TYPES,
    EXPERIMENT_LANGUAGE,
    MAX_DEPTH,
    MAX_IN_VALUES,
    RUN_LANGUAGE,
    And,
    Compare,
    CompareOp,
    Expr,
    FieldKind,
    FieldRef,
    InList,
    Language,
    Not,
    Or,
    OrderBy,
    Value,
)

__all__ = [
    "ATTRIBUTE_ALIASES",
    "ATTRIBUTE_TYPES",
    "And",
    "Compare",
    "CompareOp",
    "EXPERIMENT_ATTRIBUTE_ALIASES",
    "EXPERIMENT_ATTRIBUTE_TYPES",
    "Expr",
    "FieldKind",
    "FieldRef",
    "InList",
    "MAX_DEPTH",
    "MAX_IN_VALUES",
    "Not",
    "Or",
    "OrderBy",
    "Value",
    "parse_experiment_filter",
    "parse_experiment_order_by",
    "parse_filter",
    "parse_order_by",
]


def parse_filter(text: str | None) -> Expr | None:
    """Parse a run filter.

    Example: ``parse_filter("metrics.accuracy > 0.9 and params.optimizer = 'adam'")``.

    Args:
        text: The filter text; None or blank means "no filter".

    Returns:
        The expression, or None for a blank filter.

    Raises:
        InvalidArgumentError: The text is not a valid filter; ``details`` holds
            ``{"field": "filter", "position": N}`` (0-based offset of the problem).
    """
    if text is None or not text.strip():
        return None
    return Parser(text, field="filter", what="filter").parse_filter()


def parse_experiment_filter(text: str | None) -> Expr | None:
    """Parse an experiment filter.

    It may name ``tags.KEY`` and the attributes ``name``, ``id``, ``created_at`` and
    ``updated_at`` (or MLflow's spellings of them: ``experiment_id``, ``creation_time``,
    ``last_update_time``).

    Example: ``parse_experiment_filter("name like 'mnist%' and tags.team = 'vision'")``.

    Raises:
        InvalidArgumentError: The text is not a valid experiment filter.
    """
    if text is None or not text.strip():
        return None
    return Parser(text, field="filter", what="filter", language=EXPERIMENT_LANGUAGE).parse_filter()


def parse_experiment_order_by(items: list[str] | None) -> list[OrderBy]:
    """Parse experiment sort keys such as ``name`` or ``last_update_time DESC``.

    Raises:
        InvalidArgumentError: An item is not a valid sort key.
    """
    return _parse_order_items(items, EXPERIMENT_LANGUAGE)


def parse_order_by(items: list[str] | None) -> list[OrderBy]:
    """Parse sort keys such as ``metrics.accuracy DESC`` or ``start_time asc`` (default ASC).

    Args:
        items: One sort key per item, most significant first.

    Returns:
        The sort keys, in order.

    Raises:
        InvalidArgumentError: An item is blank or not a valid sort key; ``details`` holds
            ``{"field": "order_by", "index": I, "position": N}``.
    """
    return _parse_order_items(items, RUN_LANGUAGE)


def _parse_order_items(items: list[str] | None, language: Language) -> list[OrderBy]:
    out: list[OrderBy] = []
    for index, item in enumerate(items or []):
        if not item.strip():
            raise InvalidArgumentError(
                f"order_by item {index} is empty; expected a field such as 'metrics.accuracy DESC'",
                details={"field": "order_by", "index": index, "position": 0},
            )
        try:
            parser = Parser(item, field="order_by", what="order_by item", language=language)
            out.append(parser.parse_order_item())
        except InvalidArgumentError as exc:
            exc.details["index"] = index
            raise
    return out
