"""The run filter language: tokens, grammar, precedence, quoting, values and error messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from basalt.errors import InvalidArgumentError
from basalt.spec.filters import (
    ATTRIBUTE_ALIASES,
    ATTRIBUTE_TYPES,
    And,
    Compare,
    Expr,
    FieldRef,
    InList,
    Not,
    Or,
    OrderBy,
    parse_filter,
    parse_order_by,
)


def m(key: str) -> FieldRef:
    return FieldRef("metrics", key)


def p(key: str) -> FieldRef:
    return FieldRef("params", key)


def t(key: str) -> FieldRef:
    return FieldRef("tags", key)


def a(key: str) -> FieldRef:
    return FieldRef("attributes", key)


A_GT = Compare(m("a"), ">", 1)
B_GT = Compare(m("b"), ">", 2)
C_GT = Compare(m("c"), ">", 3)

VALID: list[tuple[str, str, Expr]] = [
    # comparisons
    ("eq", "metrics.acc = 1", Compare(m("acc"), "=", 1)),
    ("ne", "metrics.acc != 1", Compare(m("acc"), "!=", 1)),
    ("ne-sql", "metrics.acc <> 1", Compare(m("acc"), "!=", 1)),
    ("double-eq", "metrics.acc == 1", Compare(m("acc"), "=", 1)),
    ("lt", "metrics.acc < 1", Compare(m("acc"), "<", 1)),
    ("le", "metrics.acc <= 1", Compare(m("acc"), "<=", 1)),
    ("gt", "metrics.acc > 1", Compare(m("acc"), ">", 1)),
    ("ge", "metrics.acc >= 1", Compare(m("acc"), ">=", 1)),
    ("no-spaces", "metrics.acc>=0.5", Compare(m("acc"), ">=", 0.5)),
    # numbers
    ("float", "metrics.acc > 0.25", Compare(m("acc"), ">", 0.25)),
    ("negative", "metrics.acc > -3", Compare(m("acc"), ">", -3)),
    ("leading-dot", "metrics.acc > .5", Compare(m("acc"), ">", 0.5)),
    ("exponent", "metrics.loss < 1e-3", Compare(m("loss"), "<", 0.001)),
    ("neg-exponent", "metrics.loss > -2.5E+2", Compare(m("loss"), ">", -250.0)),
    ("plus", "metrics.loss > +2", Compare(m("loss"), ">", 2)),
    # strings
    ("single-quoted", "params.lr = '0.1'", Compare(p("lr"), "=", "0.1")),
    ("double-quoted-value", 'params.lr = "0.1"', Compare(p("lr"), "=", "0.1")),
    ("escaped-quote", "tags.note = 'it''s'", Compare(t("note"), "=", "it's")),
    ("empty-string", "tags.note = ''", Compare(t("note"), "=", "")),
    ("unicode", "tags.note = 'été'", Compare(t("note"), "=", "été")),
    # keys
    ("backtick-key", "metrics.`val loss` < 1", Compare(m("val loss"), "<", 1)),
    ("double-quoted-key", "tags.\"mlflow.runName\" = 'x'", Compare(t("mlflow.runName"), "=", "x")),
    ("escaped-backtick", "tags.`a``b` = 'x'", Compare(t("a`b"), "=", "x")),
    ("dotted-key", "metrics.val.loss < 1", Compare(m("val.loss"), "<", 1)),
    ("slash-key", "metrics.train/loss < 1", Compare(m("train/loss"), "<", 1)),
    ("dash-key", "metrics.f1-score > 0.5", Compare(m("f1-score"), ">", 0.5)),
    ("key-keeps-case", "metrics.Acc > 1", Compare(m("Acc"), ">", 1)),
    # entity aliases
    ("metric-alias", "metric.acc > 1", Compare(m("acc"), ">", 1)),
    ("param-alias", "param.lr = '1'", Compare(p("lr"), "=", "1")),
    ("parameters-alias", "parameters.lr = '1'", Compare(p("lr"), "=", "1")),
    ("tag-alias", "tag.team = 'x'", Compare(t("team"), "=", "x")),
    ("prefix-case", "METRICS.acc > 1", Compare(m("acc"), ">", 1)),
    # attributes
    ("bare-attribute", "status = 'Completed'", Compare(a("status"), "=", "Completed")),
    ("attributes-prefix", "attributes.status = 'x'", Compare(a("status"), "=", "x")),
    ("attribute-alias", "attribute.kind = 'job'", Compare(a("kind"), "=", "job")),
    ("run-prefix", "run.name = 'r1'", Compare(a("name"), "=", "r1")),
    ("run_id-is-name", "run_id = 'r1'", Compare(a("name"), "=", "r1")),
    ("run_name-is-display", "run_name = 'R'", Compare(a("display_name"), "=", "R")),
    ("user_id", "user_id = 'ann'", Compare(a("created_by"), "=", "ann")),
    ("attribute-case", "STATUS = 'x'", Compare(a("status"), "=", "x")),
    ("backtick-attribute", "`status` = 'x'", Compare(a("status"), "=", "x")),
    ("quoted-attribute-key", "attributes.`status` = 'x'", Compare(a("status"), "=", "x")),
    ("experiment", "experiment_name = 'e'", Compare(a("experiment_name"), "=", "e")),
    ("archived-true", "archived = true", Compare(a("archived"), "=", True)),
    ("archived-string", "archived != 'FALSE'", Compare(a("archived"), "!=", False)),
    (
        "time-epoch-ms",
        "start_time >= 1700000000000",
        Compare(a("start_time"), ">=", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ),
    (
        "time-iso",
        "created_at < '2024-05-01T12:00:00Z'",
        Compare(a("created_at"), "<", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ),
    (
        "time-iso-naive-is-utc",
        "created > '2024-05-01'",
        Compare(a("created_at"), ">", datetime(2024, 5, 1, tzinfo=UTC)),
    ),
    (
        "time-iso-offset",
        "end_time < '2024-05-01T02:00:00+02:00'",
        Compare(a("end_time"), "<", datetime(2024, 5, 1, tzinfo=UTC)),
    ),
    # in / like / null
    ("in", "tags.team in ('a', 'b')", InList(t("team"), ("a", "b"))),
    ("in-one", "tags.team IN ('a')", InList(t("team"), ("a",))),
    (
        "not-in",
        "status not in ('Failed','Canceled')",
        InList(a("status"), ("Failed", "Canceled"), True),
    ),
    ("metric-in", "metrics.epoch in (1, 2.5)", InList(m("epoch"), (1, 2.5))),
    ("like", "tags.team like 'vi%'", Compare(t("team"), "like", "vi%")),
    ("ilike", "tags.team ILIKE 'VI%'", Compare(t("team"), "ilike", "VI%")),
    ("not-like", "params.opt not like 'ad%'", Compare(p("opt"), "not like", "ad%")),
    ("not-ilike", "name NOT ILIKE 'r%'", Compare(a("name"), "not ilike", "r%")),
    ("is-null", "tags.team is null", Compare(t("team"), "is null", None)),
    ("is-not-null", "metrics.acc IS NOT NULL", Compare(m("acc"), "is not null", None)),
    ("attribute-is-null", "end_time is null", Compare(a("end_time"), "is null", None)),
    # boolean structure
    ("and", "metrics.a > 1 and metrics.b > 2", And((A_GT, B_GT))),
    (
        "and-chain-flat",
        "metrics.a > 1 AND metrics.b > 2 And metrics.c > 3",
        And((A_GT, B_GT, C_GT)),
    ),
    ("or", "metrics.a > 1 or metrics.b > 2", Or((A_GT, B_GT))),
    ("not", "not metrics.a > 1", Not(A_GT)),
    ("not-not", "NOT not metrics.a > 1", Not(Not(A_GT))),
    (
        "and-over-or",
        "metrics.a > 1 or metrics.b > 2 and metrics.c > 3",
        Or((A_GT, And((B_GT, C_GT)))),
    ),
    (
        "and-over-or-left",
        "metrics.a > 1 and metrics.b > 2 or metrics.c > 3",
        Or((And((A_GT, B_GT)), C_GT)),
    ),
    ("not-over-and", "not metrics.a > 1 and metrics.b > 2", And((Not(A_GT), B_GT))),
    ("parens", "(metrics.a > 1 or metrics.b > 2) and metrics.c > 3", And((Or((A_GT, B_GT)), C_GT))),
    ("not-parens", "not (metrics.a > 1 or metrics.b > 2)", Not(Or((A_GT, B_GT)))),
    (
        "nested-parens-flatten",
        "((metrics.a > 1)) and (metrics.b > 2 and metrics.c > 3)",
        And((A_GT, B_GT, C_GT)),
    ),
    ("whitespace", "\n\tmetrics.a>1\n", A_GT),
]


@pytest.mark.parametrize(
    ("text", "expected"), [(v[1], v[2]) for v in VALID], ids=[v[0] for v in VALID]
)
def test_parse_filter(text: str, expected: Expr) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize(
    "text", [None, "", "   ", "\n"], ids=["none", "empty", "spaces", "newline"]
)
def test_blank_filter_is_none(text: str | None) -> None:
    assert parse_filter(text) is None


def test_full_example() -> None:
    expr = parse_filter(
        "metrics.accuracy > 0.9 and params.lr = '0.1' and tags.team = 'vision' "
        "and status = 'Completed'"
    )
    assert expr == And(
        (
            Compare(m("accuracy"), ">", 0.9),
            Compare(p("lr"), "=", "0.1"),
            Compare(t("team"), "=", "vision"),
            Compare(a("status"), "=", "Completed"),
        )
    )


def test_ast_is_immutable_and_hashable() -> None:
    expr = parse_filter("metrics.a > 1 and tags.t in ('x', 'y')")
    assert isinstance(expr, And)
    assert hash(expr) == hash(parse_filter("metrics.a > 1 and tags.t in ('x', 'y')"))
    with pytest.raises(AttributeError):
        expr.items = ()  # type: ignore[misc]


def test_integers_stay_integers() -> None:
    expr = parse_filter("metrics.step = 3")
    assert isinstance(expr, Compare)
    assert type(expr.value) is int


def test_every_alias_names_a_known_attribute() -> None:
    assert set(ATTRIBUTE_ALIASES.values()) <= set(ATTRIBUTE_TYPES)


# (id, text, position, fragments of the message)
ERRORS: list[tuple[str, str, int, list[str]]] = [
    (
        "missing-value",
        "metrics.acc > ",
        14,
        ["Expected a value after '>'", "the end", '"metrics.acc > "'],
    ),
    ("missing-operator", "metrics.acc", 11, ["Expected an operator", "after metrics.acc"]),
    ("bad-operator-word", "metrics.acc equals 1", 12, ["Expected an operator", "'equals'"]),
    ("bang", "metrics.acc ! 1", 12, ["Unexpected '!'", "'!='"]),
    ("unknown-char", "metrics.acc > 1 ; drop", 16, ["Unexpected character ';'"]),
    ("unterminated-string", "tags.t = 'abc", 9, ["Unterminated string"]),
    ("unterminated-key", "metrics.`val loss > 1", 8, ["Unterminated key"]),
    (
        "unknown-attribute",
        "colour = 'red'",
        0,
        ["Unknown attribute 'colour'", "valid attributes", "status"],
    ),
    ("unknown-entity", "metrix.acc > 1", 0, ["Unknown field 'metrix.acc'", "metrics."]),
    ("key-missing", "metrics. > 1", 8, ["Expected a key after 'metrics.'"]),
    ("key-empty", "metrics.`` > 1", 8, ["empty name"]),
    ("metric-string", "metrics.acc > 'high'", 14, ["metrics.acc is a number", "'high'"]),
    ("metric-bool", "metrics.acc = true", 14, ["is a number"]),
    (
        "metric-like",
        "metrics.acc like '1%'",
        12,
        ["'LIKE' does not apply to metrics.acc", "IS NULL"],
    ),
    ("param-number", "params.lr = 0.1", 12, ["params.lr is a string", "write '0.1'"]),
    ("tag-number-in-list", "tags.t in ('x', 2)", 16, ["tags.t is a string"]),
    ("param-order-op", "params.lr > '0.1'", 10, ["'>' does not apply to params.lr", "LIKE"]),
    ("status-number", "status = 1", 9, ["status is a string"]),
    ("time-bad-string", "start_time > 'yesterday'", 13, ["start_time is a time", "ISO 8601"]),
    ("time-like", "created_at like '2024%'", 11, ["'LIKE' does not apply to created_at"]),
    ("time-in", "start_time in (1, 2)", 11, ["'IN' does not apply"]),
    ("archived-number", "archived = 1", 11, ["archived is true or false"]),
    ("archived-gt", "archived > true", 9, ["'>' does not apply"]),
    (
        "unclosed-paren",
        "(metrics.a > 1",
        14,
        ["Expected ')' to close '(' at position 0", "the end"],
    ),
    ("extra-paren", "metrics.a > 1)", 13, ["Unbalanced ')'"]),
    ("empty-parens", "()", 1, ["Expected a condition inside '()'"]),
    ("trailing-and", "metrics.a > 1 and", 17, ["Expected a field", "the end"]),
    ("leading-or", "or metrics.a > 1", 0, ["Expected a field", "'or'"]),
    ("double-value", "metrics.a > 1 2", 14, ["Expected AND, OR or the end", "'2'"]),
    ("not-without-in", "tags.t not = 'x'", 11, ["Expected IN, LIKE or ILIKE after 'not'"]),
    ("in-without-paren", "tags.t in 'x'", 10, ["Expected '(' after IN"]),
    ("in-empty", "tags.t in ()", 11, ["Expected a value after '('"]),
    ("in-missing-comma", "tags.t in ('a' 'b')", 15, ["Expected ',' or ')'"]),
    ("is-without-null", "tags.t is 'x'", 10, ["Expected NULL after 'is'"]),
    ("is-not-without-null", "tags.t is not 'x'", 14, ["Expected NULL after 'is not'"]),
    ("bad-number", "metrics.a > 1x", 12, ["Invalid number"]),
    ("like-number", "tags.t like 5", 12, ["tags.t is a string"]),
    ("keyword-as-field", "null = 1", 0, ["Expected a field"]),
]


@pytest.mark.parametrize(
    ("text", "position", "fragments"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_parse_errors(text: str, position: int, fragments: list[str]) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        parse_filter(text)
    err = caught.value
    assert err.details == {"field": "filter", "position": position}
    assert f"at position {position}" in err.message
    for fragment in fragments:
        assert fragment in err.message


def test_error_quotes_the_text_near_a_long_filter() -> None:
    text = " and ".join(f"metrics.m{i} > {i}" for i in range(20)) + " and tags.t = 5"
    with pytest.raises(InvalidArgumentError) as caught:
        parse_filter(text)
    assert caught.value.details["position"] == len(text) - 1
    assert 'near "...' in caught.value.message
    assert "tags.t = 5" in caught.value.message


def test_deep_nesting_is_refused_not_a_recursion_error() -> None:
    with pytest.raises(InvalidArgumentError, match="nests more than"):
        parse_filter("(" * 500 + "metrics.a > 1" + ")" * 500)


def test_long_in_list_is_refused() -> None:
    values = ", ".join(f"'{i}'" for i in range(1001))
    with pytest.raises(InvalidArgumentError, match="at most 1000 values"):
        parse_filter(f"tags.t in ({values})")


ORDERS: list[tuple[str, list[str], list[OrderBy]]] = [
    ("metric-desc", ["metrics.accuracy DESC"], [OrderBy(m("accuracy"), True)]),
    ("attribute-asc", ["start_time asc"], [OrderBy(a("start_time"), False)]),
    ("default-asc", ["attributes.created_at"], [OrderBy(a("created_at"), False)]),
    ("backticks", ["metrics.`val loss` desc"], [OrderBy(m("val loss"), True)]),
    (
        "alias",
        ["run_name", "user_id DESC"],
        [OrderBy(a("display_name")), OrderBy(a("created_by"), True)],
    ),
    (
        "param-and-tag",
        ["params.lr", "tags.team Desc"],
        [OrderBy(p("lr")), OrderBy(t("team"), True)],
    ),
    ("empty", [], []),
]


@pytest.mark.parametrize(("items", "expected"), [o[1:] for o in ORDERS], ids=[o[0] for o in ORDERS])
def test_parse_order_by(items: list[str], expected: list[OrderBy]) -> None:
    assert parse_order_by(items) == expected


ORDER_ERRORS: list[tuple[str, list[str], int, int, str]] = [
    ("bad-direction", ["metrics.a dsc"], 0, 10, "Expected ASC, DESC or the end, got 'dsc'"),
    ("second-item", ["metrics.a", "colour"], 1, 0, "Unknown attribute 'colour'"),
    ("blank", ["  "], 0, 0, "empty"),
    ("extra-token", ["metrics.a desc desc"], 0, 15, "Expected ASC, DESC or the end"),
    ("a-filter", ["metrics.a > 1"], 0, 10, "Expected ASC, DESC or the end, got '>'"),
]


@pytest.mark.parametrize(
    ("items", "index", "position", "fragment"),
    [o[1:] for o in ORDER_ERRORS],
    ids=[o[0] for o in ORDER_ERRORS],
)
def test_parse_order_by_errors(items: list[str], index: int, position: int, fragment: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        parse_order_by(items)
    err = caught.value
    assert err.details == {"field": "order_by", "index": index, "position": position}
    assert fragment in err.message


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        (m("acc"), "metrics.acc"),
        (m("val loss"), "metrics.`val loss`"),
        (t("a/b.c"), "tags.a/b.c"),
        (a("status"), "status"),
    ],
    ids=["plain", "quoted", "path", "attribute"],
)
def test_field_ref_str_parses_back(ref: FieldRef, text: str) -> None:
    assert str(ref) == text
    assert parse_order_by([text]) == [OrderBy(ref)]
