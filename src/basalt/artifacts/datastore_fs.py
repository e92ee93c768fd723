"""fsspec filesystems for datastores: local folders, S3 (s3fs) and Azure Blob / ADLS Gen2 (adlfs).

``open_filesystem`` takes a datastore's non-secret settings and its credentials (from the
vault) and returns ``(filesystem, root)``, where ``root`` is the bucket, container or folder
that datastore paths are relative to. s3fs and adlfs are imported only here and only when
used, so ``import basalt`` stays light and a missing extra is a clear error.

Filesystems are built with ``skip_instance_cache`` (fsspec would otherwise hand one instance,
with the first caller's credentials, to everyone asking with the same arguments) and without
listing caches (a datastore is read by other writers too).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Any

from basalt.errors import invalid
from basalt.spec.datastores import AZURE_ENDPOINT, DatastoreType

_EXTRAS = {"s3fs": "s3", "adlfs": "azure"}


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        extra = _EXTRAS[name]
        raise invalid(
            "type",
            f"This datastore type needs {name}, which is not installed: "
            f"pip install 'basalt[{extra}]'",
        ) from None


def azure_account_url(config: Mapping[str, Any], service: str = "blob") -> str:
    """The account URL of an Azure datastore: ``account_url``, else built from its parts."""
    if config.get("account_url"):
        return str(config["account_url"]).rstrip("/")
    protocol = str(config.get("protocol") or "https")
    scheme = "http" if protocol in ("http", "wasb", "abfs") else "https"
    endpoint = config.get("endpoint") or AZURE_ENDPOINT
    return f"{scheme}://{config['account_name']}.{service}.{endpoint}"


def open_filesystem(
    kind: DatastoreType, config: Mapping[str, Any], creds: Mapping[str, str]
) -> tuple[Any, str]:
    """A filesystem for the datastore and the root its paths are relative to.

    Raises:
        InvalidArgumentError: The type's extra is not installed (the message says which), or
            the type has no filesystem.
    """
    if kind == DatastoreType.LOCAL:
        import fsspec

        return fsspec.filesystem("file", skip_instance_cache=True), str(config["path"]).rstrip("/")
    if kind == DatastoreType.S3:
        s3fs = _module("s3fs")
        client_kwargs: dict[str, Any] = {}
        if config.get("region"):
            client_kwargs["region_name"] = config["region"]
        fs = s3fs.S3FileSystem(
            key=creds.get("access_key_id"),
            secret=creds.get("secret_access_key"),
            anon=not creds,
            endpoint_url=config.get("endpoint_url"),
            client_kwargs=client_kwargs,
            skip_instance_cache=True,
            use_listings_cache=False,
        )
        return fs, str(config["bucket"])
    if kind in (DatastoreType.AZURE_BLOB, DatastoreType.AZURE_DATA_LAKE_GEN2):
        adlfs = _module("adlfs")
        root = config.get("container_name") or config.get("filesystem")
        fs = adlfs.AzureBlobFileSystem(
            **_azure_options(config, creds), skip_instance_cache=True, use_listings_cache=False
        )
        return fs, str(root)
    raise invalid("type", f"Datastore type {kind.value!r} has no filesystem of its own")


def _azure_options(config: Mapping[str, Any], creds: Mapping[str, str]) -> dict[str, Any]:
    account = str(config["account_name"])
    url = azure_account_url(config)
    if "account_key" in creds:
        conn = f"AccountName={account};AccountKey={creds['account_key']};BlobEndpoint={url};"
        return {"connection_string": conn}
    if "sas_token" in creds:
        sas = creds["sas_token"].lstrip("?")
        return {"connection_string": f"BlobEndpoint={url};SharedAccessSignature={sas};"}
    host = re.sub(r"^https?://", "", url)
    if "client_secret" in creds:
        return {
            "account_name": account,
            "account_host": host,
            "tenant_id": creds["tenant_id"],
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
        }
    return {"account_name": account, "account_host": host, "anon": True}


def scrub(text: str, secrets: Mapping[str, str]) -> str:
    """``text`` without any credential value or SAS signature in it, at most 300 characters."""
    for value in secrets.values():
        if value:
            text = text.replace(value, "****")
    text = re.sub(r"(sig|AccountKey|SharedAccessSignature)=[^&;\s]+", r"\1=****", text)
    text = " ".join(text.split())
    return text[:300] + ("..." if len(text) > 300 else "")
