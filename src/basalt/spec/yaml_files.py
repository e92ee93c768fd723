"""Load YAML spec files keeping line numbers, and turn validation errors into file:line messages.

``load_yaml`` returns plain data and a map from key paths (``("inputs", "lr", "type")``) to
1-based line numbers. ``validate_file`` validates data with a pydantic model and reports the first
error as ``job.yml:7: inputs.lr.typ: unknown key 'typ'; allowed keys: ...``. Numeric-looking
values of ``version`` keys keep their text (``version: 01`` stays ``"01"``), since YAML 1.1 would
read them as numbers and Azure ML treats versions as strings.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from basalt.errors import InvalidArgumentError, invalid

KeyPath = tuple[str | int, ...]
Lines = dict[KeyPath, int]
M = TypeVar("M", bound=BaseModel)

RAW_TEXT_KEYS = ("version",)


def load_yaml(path: Path, *, raw_keys: Collection[str] = RAW_TEXT_KEYS) -> tuple[Any, Lines]:
    """Read a YAML file; return its data and the line of every key and list item.

    Raises:
        InvalidArgumentError: The file is missing, unreadable, not valid YAML, or repeats a key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise invalid("file", f"{path}: no such file; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise invalid("file", f"{path}: cannot read the file: {exc}") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = exc.problem or exc.context or "syntax error"
        raise invalid("file", f"{where}: invalid YAML: {problem}; fix the syntax") from None
    except yaml.YAMLError as exc:
        raise invalid("file", f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    lines: Lines = {}
    if node is not None:
        _walk(node, data, (), lines, raw_keys, path)
    return data, lines


def load_mapping(path: Path) -> tuple[dict[str, Any], Lines]:
    """``load_yaml`` for files whose top level must be a mapping of keys."""
    data, lines = load_yaml(path)
    if data is None:
        raise invalid("file", f"{path}: the file is empty; write the spec as key: value lines")
    if not isinstance(data, dict):
        raise invalid("file", f"{path}:1: expected a mapping of keys (key: value) at the top")
    return data, lines


def _walk(
    node: yaml.Node, data: Any, prefix: KeyPath, lines: Lines, raw: Collection[str], path: Path
) -> None:
    if isinstance(node, yaml.MappingNode) and isinstance(data, dict):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(
                key_node, yaml.ScalarNode
            ):
                continue
            key = key_node.value
            if key in seen:
                raise invalid(
                    "file",
                    f"{path}:{key_node.start_mark.line + 1}: duplicate key {key!r}"
                    f"{' in ' + _dotted(prefix) if prefix else ''}; keep only one",
                )
            seen.add(key)
            lines[(*prefix, key)] = key_node.start_mark.line + 1
            if key not in data:
                continue
            if (
                key in raw
                and isinstance(value_node, yaml.ScalarNode)
                and value_node.style is None
                and isinstance(data[key], int | float)
                and not isinstance(data[key], bool)
            ):
                data[key] = value_node.value
            _walk(value_node, data[key], (*prefix, key), lines, raw, path)
    elif isinstance(node, yaml.SequenceNode) and isinstance(data, list):
        for index, (item_node, item) in enumerate(zip(node.value, data, strict=False)):
            lines[(*prefix, index)] = item_node.start_mark.line + 1
            _walk(item_node, item, (*prefix, index), lines, raw, path)


def validate_file(
    model: type[M],
    data: Any,
    lines: Mapping[KeyPath, int] | None = None,
    path: Path | str | None = None,
    *,
    prefix: KeyPath = (),
    overridden: Collection[KeyPath] = (),
) -> M:
    """Validate ``data`` with ``model``; report one error with file, line and key.

    ``prefix`` is the key path of ``data`` inside the file (for a nested part); ``overridden``
    holds key paths set on the command line, reported as such instead of with a line. The first
    unknown key is reported if there is one (usually a typo), else the first error.

    Raises:
        InvalidArgumentError: ``<file>:<line>: <dotted.key>: <what is wrong and what to do>``.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _to_invalid(model, data, exc, lines or {}, path, prefix, overridden) from None


def _to_invalid(
    model: type[BaseModel],
    data: Any,
    exc: ValidationError,
    lines: Mapping[KeyPath, int],
    path: Path | str | None,
    prefix: KeyPath,
    overridden: Collection[KeyPath],
) -> InvalidArgumentError:
    errors = exc.errors(include_url=False)
    # An unknown key is usually a typo of a missing one: report the typo, it says more.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    keys, parent = _resolve(model, data, tuple(error["loc"]))
    full = (*prefix, *keys)
    dotted = _dotted(full) or "(top level)"
    message = _describe(error, parent)
    if any(full[: len(o)] == tuple(o) for o in overridden):
        where = f"{path}: " if path is not None else ""
        return invalid(dotted, f"{where}{dotted} (from --set): {message}")
    line = next((lines[full[:n]] for n in range(len(full), 0, -1) if full[:n] in lines), None)
    if path is None:
        where = ""
    elif line is None:
        where = f"{path}: "
    else:
        where = f"{path}:{line}: "
    return invalid(dotted, f"{where}{dotted}: {message}")


def _dotted(keys: KeyPath) -> str:
    out = ""
    for key in keys:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def _describe(error: Any, parent: type[BaseModel] | None) -> str:
    kind = error["type"]
    loc = error["loc"]
    got = error.get("input")
    ctx = error.get("ctx") or {}
    last = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        allowed = _allowed(parent)
        close = difflib.get_close_matches(str(last), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        listed = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"unknown key {last!r}{hint}{listed}"
    if kind == "missing":
        return f"required key {last!r} is missing; add it"
    if kind == "union_tag_invalid":
        return f"unknown type {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return f"missing key {ctx.get('discriminator', 'type')}; say which kind this is"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    simple = {
        "int_parsing": "expected an integer",
        "int_type": "expected an integer",
        "int_from_float": "expected an integer",
        "float_parsing": "expected a number",
        "float_type": "expected a number",
        "bool_parsing": "expected true or false",
        "bool_type": "expected true or false",
        "string_type": "expected a string",
        "dict_type": "expected a mapping (key: value lines)",
        "model_type": "expected a mapping (key: value lines)",
        "model_attributes_type": "expected a mapping (key: value lines)",
        "list_type": "expected a list",
    }
    text = simple.get(kind) or _lower_first(str(error["msg"]))
    return f"{text}, got {_show(got)}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return repr(value)


def _allowed(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _resolve(
    model: type[BaseModel], data: Any, loc: tuple[Any, ...]
) -> tuple[KeyPath, type[BaseModel] | None]:
    """Follow a pydantic ``loc`` through the data: the real key path and the innermost model.

    Union members add a tag to ``loc`` (a class name, a discriminator value, ``str`` ...) that
    is no key of the data; those are used to pick the member and skipped.
    """
    keys: list[str | int] = []
    hint: Any = model
    parent: type[BaseModel] | None = None
    current = data
    for item in loc:
        hint = _unwrap(hint)
        if isinstance(hint, tuple):
            hint = _pick(hint, item, current)
            continue
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            parent = hint
            field = next((f for n, f in hint.model_fields.items() if item in (n, f.alias)), None)
            hint = field.annotation if field is not None else None
        elif typing.get_origin(hint) in (dict, list):
            hint = typing.get_args(hint)[-1]
        else:
            hint = None
        keys.append(item)
        if isinstance(current, dict):
            current = current.get(item)
        elif isinstance(current, list) and isinstance(item, int) and item < len(current):
            current = current[item]
        else:
            current = None
    return tuple(keys), parent


def _unwrap(hint: Any) -> Any:
    while typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        members = [_unwrap(a) for a in typing.get_args(hint) if a is not type(None)]
        return members[0] if len(members) == 1 else tuple(members)
    return hint


def _pick(members: tuple[Any, ...], item: Any, current: Any) -> Any:
    for member in members:
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get("type")
            tags = typing.get_args(field.annotation) if field is not None else ()
            if item == member.__name__ or item in tags:
                return member
    for member in members:
        origin = typing.get_origin(member)
        if (origin is dict and isinstance(current, dict)) or (
            origin is list and isinstance(current, list)
        ):
            return member
    return None
