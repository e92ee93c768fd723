"""Tokenizer and recursive-descent parser of the filter languages (see ``spec.filters``)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal, cast

from basalt.errors import InvalidArgumentError
from basalt.spec.filter_ast import (
    ENTITIES,
    KEYWORDS,
    MAX_DEPTH,
    MAX_IN_VALUES,
    OPS_BY_TYPE,
    RUN_LANGUAGE,
    And,
    Compare,
    CompareOp,
    Expr,
    FieldRef,
    InList,
    Language,
    Not,
    Or,
    OrderBy,
    Value,
)

# --- tokenizer ---------------------------------------------------------------------------------

_TokKind = Literal["word", "quoted_key", "string", "number", "op", "(", ")", ",", "eof"]
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_OPERATORS: Final = {"!=": "!=", "<>": "!=", "<=": "<=", ">=": ">=", "==": "="}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _TokKind
    text: str  # as written
    value: str | int | float  # decoded: unquoted string, number, normalized operator
    pos: int
    end: int


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_./-"


class Parser:
    """Tokenizes on construction; one instance parses one text."""

    def __init__(
        self, text: str, *, field: str, what: str, language: Language = RUN_LANGUAGE
    ) -> None:
        self.text = text
        self.language = language
        self.detail_field = field
        self.what = what
        self.tokens = self._tokenize()
        self.index = 0
        self.depth = 0

    # errors

    def error(self, message: str, pos: int, hint: str = "") -> InvalidArgumentError:
        """Build an error that quotes the text near ``pos``, then adds ``hint``."""
        text = self.text
        if len(text) > 80:
            start, stop = max(0, pos - 40), min(len(text), pos + 40)
            snippet = (
                ("..." if start else "") + text[start:stop] + ("..." if stop < len(text) else "")
            )
            quoted = f'near "{snippet}"'
        else:
            quoted = f'"{text}"'
        return InvalidArgumentError(
            f"{message} at position {pos} in {self.what} {quoted}" + (f"; {hint}" if hint else ""),
            details={"field": self.detail_field, "position": pos},
        )

    # tokens

    def _tokenize(self) -> list[_Token]:
        text, n, i = self.text, len(self.text), 0
        out: list[_Token] = []
        while i < n:
            char = text[i]
            if char.isspace():
                i += 1
            elif char in "(),":
                out.append(_Token(cast(_TokKind, char), char, char, i, i + 1))
                i += 1
            elif char in "=!<>":
                two = text[i : i + 2]
                if two in _OPERATORS:
                    out.append(_Token("op", two, _OPERATORS[two], i, i + 2))
                    i += 2
                elif char == "!":
                    raise self.error("Unexpected '!' (did you mean '!='?)", i)
                else:
                    out.append(_Token("op", char, char, i, i + 1))
                    i += 1
            elif char in "'\"`":
                out.append(self._quoted(i))
                i = out[-1].end
            elif (match := _NUMBER.match(text, i)) and (char.isdigit() or char in "+-."):
                end = match.end()
                if end < n and _is_word_char(text[end]):
                    raise self.error(f"Invalid number {text[i : end + 1]!r}", i)
                raw = match.group()
                number: int | float = int(raw) if re.fullmatch(r"[+-]?\d+", raw) else float(raw)
                if isinstance(number, float) and not math.isfinite(number):
                    raise self.error(f"Number {raw!r} is out of range", i)
                out.append(_Token("number", raw, number, i, end))
                i = end
            elif char.isalpha() or char == "_":
                end = i + 1
                while end < n and _is_word_char(text[end]):
                    end += 1
                out.append(_Token("word", text[i:end], text[i:end], i, end))
                i = end
            else:
                raise self.error(f"Unexpected character {char!r}", i)
        out.append(_Token("eof", "", "", n, n))
        return out

    def _quoted(self, start: int) -> _Token:
        text, quote = self.text, self.text[start]
        parts: list[str] = []
        i = start + 1
        while True:
            stop = text.find(quote, i)
            if stop < 0:
                what = "key" if quote == "`" else "string"
                raise self.error(f"Unterminated {what} (missing closing {quote})", start)
            parts.append(text[i:stop])
            if text[stop + 1 : stop + 2] == quote:  # a doubled quote stands for itself
                parts.append(quote)
                i = stop + 2
                continue
            value = "".join(parts)
            kind: _TokKind = "quoted_key" if quote == "`" else "string"
            return _Token(kind, text[start : stop + 1], value, start, stop + 1)

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        if token.kind != "eof":
            self.index += 1
        return token

    def at_word(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "word" and token.text.lower() in words

    def describe(self, token: _Token) -> str:
        if token.kind == "eof":
            return "the end"
        return repr(token.text)

    # grammar

    def parse_filter(self) -> Expr:
        expr = self.or_expr()
        token = self.peek()
        if token.kind == ")":
            raise self.error("Unbalanced ')'", token.pos)
        if token.kind != "eof":
            raise self.error(f"Expected AND, OR or the end, got {self.describe(token)}", token.pos)
        return expr

    def or_expr(self) -> Expr:
        items = [self.and_expr()]
        while self.at_word("or"):
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(_flatten(items, Or))

    def and_expr(self) -> Expr:
        items = [self.not_expr()]
        while self.at_word("and"):
            self.advance()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(_flatten(items, And))

    def not_expr(self) -> Expr:
        token = self.peek()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"Filter nests more than {MAX_DEPTH} levels deep", token.pos)
        try:
            if self.at_word("not"):
                self.advance()
                return Not(self.not_expr())
            if token.kind == "(":
                self.advance()
                if self.peek().kind == ")":
                    raise self.error("Expected a condition inside '()'", self.peek().pos)
                expr = self.or_expr()
                close = self.peek()
                if close.kind != ")":
                    raise self.error(
                        f"Expected ')' to close '(' at position {token.pos}, "
                        f"got {self.describe(close)}",
                        close.pos,
                    )
                self.advance()
                return expr
            return self.predicate()
        finally:
            self.depth -= 1

    def field(self, after: str | None = None) -> FieldRef:
        token = self.advance()
        if token.kind == "quoted_key":
            return self.attribute(token.text, str(token.value), token.pos)
        if token.kind != "word" or token.text.lower() in KEYWORDS:
            where = f" after {after}" if after else ""
            raise self.error(
                "Expected a field (metrics.KEY, params.KEY, tags.KEY or an attribute such as "
                f"status){where}, got {self.describe(token)}",
                token.pos,
            )
        if "." not in token.text:
            return self.attribute(token.text, token.text, token.pos)
        prefix, key = token.text.split(".", 1)
        kind = ENTITIES.get(prefix.lower())
        if kind is not None and kind not in self.language.kinds:
            raise self.error(
                f"Field {token.text!r} does not apply to an {self.language.subject}: use "
                "tags.KEY or an attribute",
                token.pos,
            )
        if kind is None:
            raise self.error(
                f"Unknown field {token.text!r}: expected metrics., params., tags. or "
                "attributes. before the key",
                token.pos,
            )
        if not key:
            quoted = self.peek()
            if quoted.kind not in ("quoted_key", "string") or quoted.pos != token.end:
                raise self.error(f"Expected a key after {token.text!r}", token.end)
            self.advance()
            key = str(quoted.value)
            if not key:
                raise self.error(
                    f"Expected a key after {token.text!r}, got an empty name", quoted.pos
                )
        if kind == "attributes":
            return self.attribute(token.text, key, token.pos)
        return FieldRef(kind, key)

    def attribute(self, written: str, name: str, pos: int) -> FieldRef:
        lowered = name.lower()
        language = self.language
        canonical = language.aliases.get(lowered, lowered)
        if canonical not in language.attributes:
            valid = ", ".join(sorted([*language.attributes, *language.aliases]))
            raise self.error(
                f"Unknown attribute {written!r}",
                pos,
                f"valid attributes are {valid} (use "
                + ("metrics.KEY, params.KEY or " if "metrics" in language.kinds else "")
                + "tags.KEY for the others)",
            )
        return FieldRef("attributes", canonical)

    def predicate(self) -> Expr:
        ref = self.field()
        token = self.advance()
        kind = self.value_type(ref)
        if token.kind == "op":
            op = str(token.value)
            self.check_op(ref, kind, op, token)
            return Compare(ref, cast(CompareOp, op), self.value(ref, kind, token))
        word = token.text.lower() if token.kind == "word" else ""
        negated = word == "not"
        if negated:
            token = self.advance()
            word = token.text.lower() if token.kind == "word" else ""
            if word not in ("in", "like", "ilike"):
                raise self.error(
                    f"Expected IN, LIKE or ILIKE after 'not', got {self.describe(token)}",
                    token.pos,
                )
        if word == "in":
            self.check_op(ref, kind, "not in" if negated else "in", token)
            return InList(ref, self.in_values(ref, kind, token), negated)
        if word in ("like", "ilike"):
            op = f"not {word}" if negated else word
            self.check_op(ref, kind, op, token)
            return Compare(ref, cast(CompareOp, op), self.value(ref, kind, token))
        if word == "is":
            null = self.advance()
            op = "is null"
            if null.kind == "word" and null.text.lower() == "not":
                op, null = "is not null", self.advance()
            if null.kind != "word" or null.text.lower() != "null":
                raise self.error(
                    f"Expected NULL after '{op[:-5]}', got {self.describe(null)}", null.pos
                )
            self.check_op(ref, kind, op, token)
            return Compare(ref, cast(CompareOp, op), None)
        raise self.error(
            f"Expected an operator (=, !=, <, <=, >, >=, IN, NOT IN, LIKE, ILIKE, IS NULL) "
            f"after {ref}, got {self.describe(token)}",
            token.pos,
        )

    def check_op(self, ref: FieldRef, kind: str, op: str, token: _Token) -> None:
        allowed = OPS_BY_TYPE[kind]
        if op not in allowed:
            listed = ", ".join(o.upper() if o[0].isalpha() else o for o in allowed)
            raise self.error(
                f"Operator {op.upper()!r} does not apply to {ref} (a {kind}); use one of {listed}",
                token.pos,
            )

    def in_values(self, ref: FieldRef, kind: str, in_token: _Token) -> tuple[Value, ...]:
        opening = self.advance()
        if opening.kind != "(":
            raise self.error(
                f"Expected '(' after {in_token.text.upper()}, got {self.describe(opening)}",
                opening.pos,
            )
        values: list[Value] = []
        while True:
            values.append(self.value(ref, kind, self.tokens[self.index - 1]))
            if len(values) > MAX_IN_VALUES:
                raise self.error(f"IN takes at most {MAX_IN_VALUES} values", opening.pos)
            sep = self.advance()
            if sep.kind == ")":
                return tuple(values)
            if sep.kind != ",":
                raise self.error(
                    f"Expected ',' or ')' in the IN list, got {self.describe(sep)}", sep.pos
                )

    def value(self, ref: FieldRef, kind: str, after: _Token) -> Value:
        token = self.advance()
        if token.kind == "number":
            raw: Value = token.value
        elif token.kind == "string":
            raw = str(token.value)
        elif token.kind == "word" and token.text.lower() in ("true", "false"):
            raw = token.text.lower() == "true"
        else:
            raise self.error(
                f"Expected a value after {after.text!r}, got {self.describe(token)}", token.pos
            )
        return self.convert(ref, kind, raw, token)

    def convert(self, ref: FieldRef, kind: str, raw: Value, token: _Token) -> Value:
        if kind == "number":
            if ref.kind == "attributes" and isinstance(raw, str) and re.fullmatch(r"\d+", raw):
                return int(raw)  # an id written as a string: experiment_id = '3'
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                raise self.error(
                    f"{ref} is a number; expected a number, got {token.text}", token.pos
                )
            return raw
        if kind == "string":
            if not isinstance(raw, str):
                hint = ""
                if ref.kind in ("params", "tags"):
                    hint = f"params and tags are compared as strings: write '{token.text}'"
                raise self.error(
                    f"{ref} is a string; expected a quoted value, got {token.text}", token.pos, hint
                )
            return raw
        if kind == "bool":
            if isinstance(raw, str) and raw.lower() in ("true", "false"):
                return raw.lower() == "true"
            if not isinstance(raw, bool):
                raise self.error(f"{ref} is true or false, got {token.text}", token.pos)
            return raw
        return self.to_time(ref, raw, token)

    def to_time(self, ref: FieldRef, raw: Value, token: _Token) -> datetime:
        problem = (
            f"{ref} is a time; expected epoch milliseconds or an ISO 8601 string, got {token.text}"
        )
        if isinstance(raw, bool) or isinstance(raw, datetime):
            raise self.error(problem, token.pos)
        try:
            if isinstance(raw, str):
                when = datetime.fromisoformat(raw)
                return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
            return datetime.fromtimestamp(raw / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            raise self.error(problem, token.pos) from None

    def value_type(self, ref: FieldRef) -> str:
        if ref.kind == "metrics":
            return "number"
        if ref.kind == "attributes":
            return self.language.attributes[ref.key]
        return "string"

    def parse_order_item(self) -> OrderBy:
        ref = self.field()
        descending = False
        if self.at_word("asc", "desc"):
            descending = self.advance().text.lower() == "desc"
        token = self.peek()
        if token.kind != "eof":
            raise self.error(
                f"Expected ASC, DESC or the end, got {self.describe(token)}", token.pos
            )
        return OrderBy(ref, descending)


def _flatten(items: list[Expr], kind: type[And] | type[Or]) -> tuple[Expr, ...]:
    out: list[Expr] = []
    for item in items:
        out.extend(item.items if isinstance(item, kind) else (item,))
    return tuple(out)
