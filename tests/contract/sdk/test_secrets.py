"""The SDK's vault behaves the same over both transports, and no value leaks at rest or in logs."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest

from basalt.errors import InvalidArgumentError, NotFoundError


def test_set_get_list_and_delete(client):
    meta = client.secrets.set("db-password", "s3cr3t value ✓")
    assert meta.name == "db-password"
    assert meta.key_id
    assert client.secrets.get("db-password") == "s3cr3t value ✓"

    client.secrets.set("api-token", "tok-1")
    again = client.secrets.set("api-token", "tok-2")  # replaces the value, keeps created_at
    assert client.secrets.get("api-token") == "tok-2"
    assert again.updated_at >= again.created_at

    listed = client.secrets.list()
    assert [s.name for s in listed] == ["api-token", "db-password"]
    assert all(s.updated_by == listed[0].updated_by for s in listed)
    assert "tok-2" not in repr(listed)
    assert "s3cr3t" not in repr(listed)
    assert client.secrets.show("db-password").name == "db-password"

    client.secrets.delete("api-token")
    assert [s.name for s in client.secrets.list()] == ["db-password"]
    with pytest.raises(NotFoundError, match="api-token"):
        client.secrets.get("api-token")
    with pytest.raises(NotFoundError, match="api-token"):
        client.secrets.delete("api-token")


def test_unknown_secret_is_not_found_and_names_are_validated(client):
    with pytest.raises(NotFoundError, match="Secret 'missing' not found"):
        client.secrets.get("missing")
    with pytest.raises(NotFoundError, match="missing"):
        client.secrets.show("missing")
    with pytest.raises(InvalidArgumentError, match="control character"):
        client.secrets.set("bad\tname", "x")
    with pytest.raises(InvalidArgumentError, match="must not contain '/'"):
        client.secrets.set("a/b", "x")
    with pytest.raises(InvalidArgumentError, match="must not be empty"):
        client.secrets.set("empty", "")


def test_rotate_key_keeps_every_value_readable(client):
    client.secrets.set("one", "value-1")
    client.secrets.set("two", "value-2")
    before = client.secrets.list()[0].key_id
    done = client.secrets.rotate_key()
    assert done.old_key_id == before
    assert done.new_key_id != before
    assert done.secrets >= 2
    assert {s.key_id for s in client.secrets.list()} == {done.new_key_id}
    assert client.secrets.get("one") == "value-1"
    assert client.secrets.get("two") == "value-2"


def test_the_value_is_nowhere_at_rest_nor_in_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    plaintext = f"leak-canary-{uuid.uuid4().hex}"
    client.secrets.set("canary", plaintext)
    assert client.secrets.get("canary") == plaintext
    client.secrets.list()
    client.secrets.show("canary")
    client.secrets.rotate_key()
    assert client.secrets.get("canary") == plaintext

    assert "set secret canary" in caplog.text  # the logs were captured ...
    assert plaintext not in caplog.text  # ... and hold no value
    for record in caplog.records:
        assert plaintext not in str(record.args)

    settings = client.settings
    state = Path(settings.state_dir)
    assert _files_holding(state / "artifacts", plaintext) == []
    if settings.store.url and settings.store.url.startswith("postgresql"):
        import sqlalchemy as sa

        engine = sa.create_engine(settings.store.url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT * FROM secrets")).all()
                dump = conn.execute(sa.text("SELECT string_agg(t::text, '|') FROM secrets t"))
                text = dump.scalar() or ""
        finally:
            engine.dispose()
        assert rows
        assert plaintext not in text
        assert all(plaintext.encode() not in bytes(r.ciphertext) for r in rows)
    else:
        # SQLite: the database file and its write-ahead log, read as bytes.
        assert _files_holding(state, plaintext, pattern="basalt.db*") == []


def _files_holding(folder: Path, text: str, pattern: str = "**/*") -> list[Path]:
    needle = text.encode()
    return [p for p in folder.glob(pattern) if p.is_file() and needle in p.read_bytes()]
