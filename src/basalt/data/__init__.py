"""Tabular data in Python: ``load_table`` and ``iter_batches`` (pandas, pyarrow underneath).

``import basalt.data`` is light; pyarrow and pandas (extra ``basalt[data]``) load at the first
call.
"""

from __future__ import annotations

from basalt.data.tables import iter_batches, load_table

__all__ = ["iter_batches", "load_table"]
