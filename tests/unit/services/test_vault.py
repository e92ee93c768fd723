"""The vault's key handling: rotation, a replaced key file, ciphertexts bound to their names."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from pydantic import SecretStr

from basalt.config import load_settings
from basalt.errors import ConflictError
from basalt.services.container import Services
from basalt.spec.secrets import SecretReveal, SecretSet
from basalt.store.tables import SecretRow

WS = "default"


def _set(svc: Services, name: str, value: str) -> None:
    svc.secrets.set_secret(WS, name, SecretSet(value=SecretStr(value), set_by="alice"))


def _value(svc: Services, name: str) -> str:
    return svc.secrets.reveal_secret(WS, name).value.get_secret_value()


def test_key_file_is_created_on_first_use_with_mode_0600(services, workspace_dir):
    key_file = workspace_dir / ".basalt" / "vault.key"
    assert not key_file.exists()
    services.secrets.list_secrets(WS)
    assert not key_file.exists()  # listing needs no key
    _set(services, "a", "x")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(base64.b64decode(key_file.read_text())) == 32
    meta = services.secrets.get_secret(WS, "a")
    assert meta.created_by == meta.updated_by == "alice"


def test_rotation_reencrypts_every_secret_and_records_the_old_key(services, workspace_dir):
    services.workspaces.ensure_workspace("other")
    _set(services, "a", "alpha")
    services.secrets.set_secret("other", "a", SecretSet(value=SecretStr("beta")))
    key_file = workspace_dir / ".basalt" / "vault.key"
    old_key = key_file.read_text()
    done = services.secrets.rotate_key()
    assert done.secrets == 2
    assert key_file.read_text() != old_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert sorted(p.name for p in key_file.parent.glob("vault.key*")) == ["vault.key"]
    with services.uow() as session:
        rows = session.query(SecretRow).all()
        assert {(r.key_id, r.previous_key_id) for r in rows} == {(done.new_key_id, done.old_key_id)}
    assert _value(services, "a") == "alpha"
    assert services.secrets.reveal_secret("other", "a").value.get_secret_value() == "beta"


def test_a_replaced_key_file_is_a_clear_error_naming_the_secret(services, workspace_dir):
    _set(services, "db-password", "hunter2")
    key_file = workspace_dir / ".basalt" / "vault.key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(ConflictError) as info:
        _value(services, "db-password")
    message = info.value.message
    assert "Secret 'db-password'" in message
    assert "vault key does not match" in message
    assert "hunter2" not in message
    with pytest.raises(ConflictError, match="db-password"):
        services.secrets.rotate_key()  # refuses, and changes nothing
    assert sorted(p.name for p in key_file.parent.glob("vault.key*")) == ["vault.key"]


def test_a_ciphertext_copied_to_another_name_does_not_decrypt(services):
    _set(services, "a", "alpha")
    _set(services, "b", "bravo")
    with services.uow(write=True) as session:
        rows = {r.name: r for r in session.query(SecretRow).all()}
        rows["b"].ciphertext, rows["b"].nonce = rows["a"].ciphertext, rows["a"].nonce
    with pytest.raises(
        ConflictError, match="Secret 'b' cannot be decrypted.*does not authenticate"
    ):
        _value(services, "b")
    assert _value(services, "a") == "alpha"


def test_a_crash_between_commit_and_cleanup_leaves_every_value_readable(services, workspace_dir):
    _set(services, "a", "alpha")
    key_file = workspace_dir / ".basalt" / "vault.key"
    services.secrets.vault.drop_extras = lambda: None  # type: ignore[method-assign]
    done = services.secrets.rotate_key()
    assert (key_file.parent / f"vault.key.{done.old_key_id}").exists()  # the kept copy
    assert _value(services, "a") == "alpha"
    _set(services, "b", "bravo")
    assert services.secrets.get_secret(WS, "b").key_id == done.new_key_id


def test_key_from_settings_is_used_and_cannot_be_rotated(workspace_dir):
    key = base64.b64encode(os.urandom(32)).decode()
    settings = load_settings(workspace_dir, vault={"key": key})
    with Services(settings) as svc:
        _set(svc, "a", "alpha")
        assert _value(svc, "a") == "alpha"
        with pytest.raises(ConflictError, match="cannot replace"):
            svc.secrets.rotate_key()
    assert not (workspace_dir / ".basalt" / "vault.key").exists()
    bad = load_settings(workspace_dir, vault={"key": "not-a-key"})
    with Services(bad) as svc, pytest.raises(ConflictError, match="not a vault key"):
        _set(svc, "a", "x")


def test_server_without_a_key_says_how_to_set_one(tmp_path):
    settings = load_settings(tmp_path, store={"url": f"sqlite:///{tmp_path / 'b.db'}"})
    settings = settings.model_copy(
        update={"artifacts": settings.artifacts.model_copy(update={"url": str(tmp_path / "a")})}
    )
    with Services(settings) as svc, pytest.raises(ConflictError, match="vault.key_file"):
        _set(svc, "a", "x")


def test_values_are_masked_in_reprs():
    body = SecretSet(value=SecretStr("hunter2"))
    shown = SecretReveal.model_validate({"name": "a", "value": "hunter2"})
    assert "hunter2" not in repr(body)
    assert "hunter2" not in str(shown)
    assert "hunter2" not in repr(shown)
    assert "hunter2" in body.model_dump_json()  # only the wire form carries it
