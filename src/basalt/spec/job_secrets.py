"""Secrets in a job's environment: ``environment_variables: {TOKEN: "${{secrets.NAME}}"}``.

The job spec keeps the reference; the value is read from the vault only by the job's runner,
just before the command starts, and never written to the launch plan, the store or a log
(the runner masks it in the command's output).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

SECRET_REF = re.compile(r"\$\{\{\s*secrets\.([^\s}]+)\s*\}\}")
MASK = "***"


def secret_refs(env: Mapping[str, str]) -> set[str]:
    """Names of the vault secrets that ``env``'s values reference.

    Example:
        >>> sorted(secret_refs({"A": "${{secrets.db-pass}}", "B": "x-${{ secrets.key }}"}))
        ['db-pass', 'key']
    """
    return {m.group(1) for value in env.values() for m in SECRET_REF.finditer(str(value))}


def substitute(env: Mapping[str, str], reveal: Callable[[str], str]) -> dict[str, str]:
    """``env`` with every secret reference replaced by its value (``reveal(name)``).

    Example:
        >>> substitute({"URL": "db://u:${{secrets.p}}@h"}, {"p": "pw"}.__getitem__)
        {'URL': 'db://u:pw@h'}
    """
    return {k: SECRET_REF.sub(lambda m: reveal(m.group(1)), str(v)) for k, v in env.items()}


def mask(text: str, values: list[str]) -> str:
    """``text`` with every secret value in ``values`` replaced by ``***`` (longest first).

    Example:
        >>> mask("token=abc123 ok", ["abc123"])
        'token=*** ok'
    """
    for value in sorted((v for v in values if v), key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
