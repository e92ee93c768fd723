"""``load_table`` / ``iter_batches``: a registered data asset or a local table into pandas.

A URI is ``azureml:<name>:<version>``, ``azureml:<name>@latest`` (or ``@<label>``),
``<name>:<version>``, or a local path: a folder with an ``MLTable`` file, a folder of CSV,
Parquet or JSON lines files, one such file, or an ``MLTable`` file. A registered version's files
are downloaded once into a cache keyed by their content hash, then read like a local folder.
What is read and how is ``basalt.tabular`` (the same code that profiles data at registration).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from basalt.errors import invalid
from basalt.spec.data import MLTABLE_FILES, Data, DataType
from basalt.spec.mltable import parse_mltable
from basalt.spec.references import is_local, parse_asset_ref
from basalt.tabular import INSTALL_HINT, require_arrow
from basalt.tabular.plan import TABULAR_EXTENSIONS, TablePlan, plan_files, plan_mltable
from basalt.tabular.transforms import stream_table

if TYPE_CHECKING:
    import pandas

    from basalt.client.client import Client

DEFAULT_BATCH_ROWS = 65536


def load_table(
    uri: str | Path, *, client: Client | None = None, cache_dir: Path | None = None
) -> pandas.DataFrame:
    """Load a table (an MLTable with its transformations, or CSV/Parquet/JSON lines files).

    Args:
        uri: ``azureml:name:version``, ``azureml:name@latest``, ``name:version``, or a local
            folder or file.
        client: The client a registered asset is read with (default ``basalt.Client()``).
        cache_dir: Where registered versions' files are cached (default: the workspace's).

    Returns:
        The whole table as a pandas DataFrame.

    Raises:
        InvalidArgumentError: pyarrow/pandas missing (``pip install 'basalt[data]'``), a URI
            that is neither a path nor an asset, data that is not a table, or a file or
            transformation that fails (the message names it).
        NotFoundError: No such data asset or version.

    Example:
        >>> df = basalt.data.load_table("azureml:titanic:1")  # doctest: +SKIP
    """
    pa = require_arrow("basalt.data.load_table")
    pd = _pandas()
    batches = list(_stream(uri, client, cache_dir, DEFAULT_BATCH_ROWS))
    if not batches:
        return pd.DataFrame()
    tables = [pa.Table.from_batches([b]) for b in batches]
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def iter_batches(
    uri: str | Path,
    batch_size: int = DEFAULT_BATCH_ROWS,
    *,
    client: Client | None = None,
    cache_dir: Path | None = None,
) -> Iterator[pandas.DataFrame]:
    """Stream a table as DataFrames of ``batch_size`` rows (the last one may be shorter).

    Args are those of ``load_table``, plus ``batch_size`` (rows per DataFrame).

    Raises:
        InvalidArgumentError: As ``load_table``, or ``batch_size`` below 1.
        NotFoundError: No such data asset or version.
    """
    require_arrow("basalt.data.iter_batches")
    _pandas()
    for batch in _stream(uri, client, cache_dir, batch_size):
        yield batch.to_pandas()


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise invalid("pandas", f"basalt.data needs pandas and pyarrow: {INSTALL_HINT}") from None
    return pandas


def _stream(
    uri: str | Path, client: Client | None, cache_dir: Path | None, batch_size: int
) -> Iterator[Any]:
    text = str(uri)
    local = Path(text.removeprefix("file:")).expanduser() if is_local(text) else None
    if local is not None and local.exists():
        root, plan = _local_plan(local)
        yield from stream_table(plan, _opener(root), batch_size)
        return
    own = client is None
    active = client if client is not None else _default_client()
    try:
        ref = parse_asset_ref(text, "data") if _looks_like_asset(text) else None
        if ref is None:
            raise invalid(
                "uri",
                f"{text!r} is neither an existing file or folder nor a data asset; write "
                "azureml:<name>:<version>, azureml:<name>@latest, <name>:<version> or a path",
            )
        data = active.data.get(ref.name, version=ref.version, label=ref.label)
        from basalt.data._cache import cached_files

        root = cached_files(active, data, cache_dir)
        plan = _asset_plan(root, data)
        yield from stream_table(plan, _opener(root), batch_size)
    finally:
        if own:
            active.close()


def _default_client() -> Client:
    from basalt.client.client import Client

    return Client()


def _looks_like_asset(text: str) -> bool:
    stripped = text.strip()
    if stripped.startswith("azureml:"):
        return True
    return is_local(stripped) and ("/" not in stripped and "\\" not in stripped)


def _opener(root: Path) -> Any:
    def opener(rel: str) -> BinaryIO:
        return (root / rel).open("rb")

    return opener


def _listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _local_plan(path: Path) -> tuple[Path, TablePlan]:
    if path.is_file() and path.name not in MLTABLE_FILES:
        plan = plan_files([path.name])
        if plan is None:
            raise _not_a_table(str(path))
        return path.parent, plan
    root = path if path.is_dir() else path.parent
    listing = _listing(root)
    table = next((root / n for n in MLTABLE_FILES if n in listing), None)
    if table is not None:
        parsed = parse_mltable(table.read_bytes(), str(table))
        return root, plan_mltable(parsed, listing)
    plan = plan_files(listing)
    if plan is None:
        raise _not_a_table(str(path))
    return root, plan


def _asset_plan(root: Path, data: Data) -> TablePlan:
    if data.type == DataType.MLTABLE:
        name = next((f for f in data.files if f in MLTABLE_FILES), None)
        if name is None:
            raise invalid("uri", f"data {data.name}:{data.version} has no MLTable file")
        parsed = parse_mltable((root / name).read_bytes(), f"{data.name}:{data.version}/{name}")
        return plan_mltable(parsed, data.files)
    plan = plan_files(data.files)
    if plan is None:
        raise _not_a_table(f"data {data.name}:{data.version}")
    return plan


def _not_a_table(what: str) -> Exception:
    return invalid(
        "uri",
        f"{what} is not a table: it holds no MLTable file and no "
        f"{', '.join(TABULAR_EXTENSIONS)} file",
    )
