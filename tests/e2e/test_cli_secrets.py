"""``basalt secret`` as a user meets it: the value from stdin, masked lists, JSON, clear errors."""

from __future__ import annotations

import base64
import os
import subprocess
import uuid


def _with_stdin(e2e, cwd, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(e2e.BASALT), *args],
        cwd=cwd,
        env=e2e.user_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_set_from_stdin_list_masked_show_and_json(e2e, tmp_path):
    e2e.basalt("init", cwd=tmp_path)
    value = f"cli-canary-{uuid.uuid4().hex}"
    done = _with_stdin(e2e, tmp_path, "secret", "set", "db-password", stdin=value + "\n")
    assert done.returncode == 0, done.stderr
    assert "Set secret 'db-password'" in done.stdout
    assert value not in done.stdout + done.stderr
    debug = e2e.basalt("--debug", "secret", "set", "api-token", "--value", "tok-123", cwd=tmp_path)
    assert "set secret api-token" in debug.stderr  # debug logs were on ...
    assert "tok-123" not in debug.stdout + debug.stderr  # ... and hold no value

    table, listed, shown, shown_json = e2e.in_parallel(
        lambda: e2e.basalt("secret", "list", cwd=tmp_path),
        lambda: e2e.basalt("secret", "list", "-o", "json", cwd=tmp_path),
        lambda: e2e.basalt("secret", "show", "db-password", cwd=tmp_path),
        lambda: e2e.basalt("secret", "show", "api-token", "-o", "json", cwd=tmp_path),
    )
    assert "db-password" in table.stdout
    assert "api-token" in table.stdout
    assert value not in table.stdout
    assert "tok-123" not in table.stdout
    items = listed.json()
    assert [i["name"] for i in items] == ["api-token", "db-password"]
    assert all("value" not in i for i in items)
    assert value not in listed.stdout
    assert shown.stdout == value + "\n"  # one trailing newline of stdin dropped, one printed
    assert shown_json.json() == {"name": "api-token", "value": "tok-123"}

    state = tmp_path / ".basalt"
    for path in [*state.glob("basalt.db*"), *state.rglob("artifacts/**/*")]:
        if path.is_file():
            assert value.encode() not in path.read_bytes(), path

    rotated = e2e.basalt("secret", "rotate-key", "-o", "json", cwd=tmp_path).json()
    assert rotated["secrets"] == 2
    assert rotated["old_key_id"] != rotated["new_key_id"]
    assert e2e.basalt("secret", "show", "db-password", cwd=tmp_path).stdout == value + "\n"

    gone = e2e.basalt("secret", "delete", "api-token", "-o", "json", cwd=tmp_path).json()
    assert gone == {"name": "api-token", "deleted": True}
    missing = e2e.basalt("secret", "show", "api-token", cwd=tmp_path, expect=None)
    assert missing.returncode != 0
    e2e.assert_one_error_line(missing, "Secret 'api-token' not found")


def test_a_replaced_key_file_is_one_clear_error_line(e2e, tmp_path):
    e2e.basalt("init", cwd=tmp_path)
    e2e.basalt("secret", "set", "db-password", "--value", "hunter2", cwd=tmp_path)
    key_file = tmp_path / ".basalt" / "vault.key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode())
    result = e2e.basalt("secret", "show", "db-password", cwd=tmp_path, expect=None)
    assert result.returncode != 0
    e2e.assert_one_error_line(result, "Secret 'db-password'", "vault key does not match")
    assert "hunter2" not in result.stderr
