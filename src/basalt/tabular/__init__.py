"""Tabular data engine: plan which files an MLTable (or a folder) reads, read them, transform.

Pure and storage-agnostic: files are named by relative path and opened through a callable, so
the SDK (``basalt.data.load_table``, files on disk) and the services (the registration profile,
files in the blob store) share one implementation. pyarrow is imported lazily (extra
``basalt[data]``); ``require_arrow()`` says how to install it.
"""

from __future__ import annotations

from types import ModuleType

from basalt.errors import invalid

INSTALL_HINT = "pip install 'basalt[data]'"


def arrow_available() -> bool:
    """True when pyarrow can be imported."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def require_arrow(purpose: str = "tables") -> ModuleType:
    """The pyarrow module.

    Raises:
        InvalidArgumentError: pyarrow is not installed (the message says how to install it).
    """
    try:
        import pyarrow
    except ImportError:
        raise invalid("pyarrow", f"{purpose} need pyarrow and pandas: {INSTALL_HINT}") from None
    module: ModuleType = pyarrow
    return module
