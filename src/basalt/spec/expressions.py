"""The ``${{ }}`` expressions and ``$[[ ]]`` optional blocks of Azure ML command strings.

``render`` replaces ``${{inputs.<x>}}``, ``${{outputs.<y>}}``, ``${{search_space.<z>}}``,
``${{name}}`` and ``${{default_datastore}}`` (spaces inside the braces are allowed). A
``$[[ ... ]]`` block is kept, brackets removed, when every input it references is given, and
dropped otherwise. The quirk ``$[[inputs.x]]`` (no ``${{ }}`` inside, seen in Azure's examples)
is read as ``$[[${{inputs.x}}]]``.

Rendering of literal values (``literal_text``), a decision recorded here because the examples do
not pin it down: booleans render as ``True``/``False`` (Python's ``str``, which is what Azure ML
puts in the command line), floats use ``repr`` (shortest round-tripping form, ``0.01``, ``1e-05``),
integers and strings render as themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from basalt.errors import invalid

_EXPR = re.compile(r"\$\{\{\s*(?P<ref>.*?)\s*\}\}", re.DOTALL)
_BLOCK = re.compile(r"\$\[\[(?P<body>.*?)\]\]", re.DOTALL)
_BARE_INPUT = re.compile(r"^\s*(inputs\.[A-Za-z_][A-Za-z0-9_]*)\s*$")
_NAMESPACED = re.compile(r"^(?P<ns>inputs|outputs|search_space)\.(?P<key>[A-Za-z_][A-Za-z0-9_]*)$")
_EMPTY: Mapping[str, str] = {}


def literal_text(value: str | int | float | bool) -> str:
    """The text a literal input value puts into a command (see the module docstring)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def references(template: str) -> set[str]:
    """Every reference a template uses, as written inside the braces (``inputs.lr``, ``name``)."""
    found = {m["ref"] for m in _EXPR.finditer(template)}
    for block in _BLOCK.finditer(template):
        bare = _BARE_INPUT.match(block["body"])
        if bare:
            found.add(bare[1])
    return found


def render(
    template: str,
    *,
    inputs: Mapping[str, str | None],
    outputs: Mapping[str, str] = _EMPTY,
    search_space: Mapping[str, str] = _EMPTY,
    name: str | None = None,
    default_datastore: str | None = None,
    where: str = "command",
) -> str:
    """Replace the expressions of ``template``; ``None`` inputs are the ones not given.

    Raises:
        InvalidArgumentError: An unknown reference, or a required input that is not given.
    """
    context = _Context(inputs, outputs, search_space, name, default_datastore, where)
    for ref in references(template):
        context.check(ref)

    def block(match: re.Match[str]) -> str:
        body = match["body"]
        bare = _BARE_INPUT.match(body)
        if bare:
            body = "${{" + bare[1] + "}}"
        used = [m["ref"] for m in _EXPR.finditer(body)]
        if any(ref.startswith("inputs.") and inputs.get(ref[7:]) is None for ref in used):
            return ""
        return _EXPR.sub(context.value, body)

    return _EXPR.sub(context.value, _BLOCK.sub(block, template))


class _Context:
    def __init__(
        self,
        inputs: Mapping[str, str | None],
        outputs: Mapping[str, str],
        search_space: Mapping[str, str],
        name: str | None,
        default_datastore: str | None,
        where: str,
    ) -> None:
        self.tables: dict[str, Mapping[str, str | None]] = {
            "inputs": inputs,
            "outputs": outputs,
            "search_space": search_space,
        }
        self.name = name
        self.default_datastore = default_datastore
        self.where = where

    def check(self, ref: str) -> None:
        if ref in ("name", "default_datastore"):
            return
        match = _NAMESPACED.match(ref)
        if match is None:
            hint = (
                " (parent.* bindings only work inside pipeline jobs)"
                if ref.startswith("parent.")
                else ""
            )
            raise invalid(
                self.where,
                f"{self.where}: unknown reference ${{{{{ref}}}}}{hint}; use "
                "${{inputs.<name>}}, ${{outputs.<name>}}, ${{search_space.<name>}}, ${{name}} or "
                "${{default_datastore}}",
            )
        table = self.tables[match["ns"]]
        if match["key"] not in table:
            declared = _names(table)
            raise invalid(
                self.where,
                f"{self.where}: ${{{{{ref}}}}} refers to no declared {match['ns']} entry; "
                f"declared: {declared}",
            )

    def value(self, match: re.Match[str]) -> str:
        ref = match["ref"]
        if ref == "name":
            return self._known(self.name, ref)
        if ref == "default_datastore":
            return self._known(self.default_datastore, ref)
        parsed = _NAMESPACED.match(ref)
        assert parsed is not None  # check() ran first
        value = self.tables[parsed["ns"]][parsed["key"]]
        if value is None:
            raise invalid(
                self.where,
                f"{self.where}: input {parsed['key']!r} is used outside a $[[ ]] optional block "
                f"but has no value; give it a value or wrap its use in $[[ ... ]]",
            )
        return value

    def _known(self, value: str | None, ref: str) -> str:
        if value is None:
            raise invalid(self.where, f"{self.where}: ${{{{{ref}}}}} is not known here")
        return value


def _names(names: Iterable[str]) -> str:
    listed = ", ".join(sorted(names))
    return listed or "(none)"
