"""``basalt login``, ``user``, ``token`` and ``workspace member`` against a server with auth on."""

from __future__ import annotations

import stat
import subprocess
import tomllib
from pathlib import Path

from basalt.config import load_settings
from basalt.services.container import Services
from basalt.spec.auth import UserCreate


def _run(e2e, *args: str, cwd: Path, env: dict[str, str], stdin: str | None = None):  # type: ignore[no-untyped-def]
    proc = subprocess.run(
        [str(e2e.BASALT), *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc


def test_login_stores_a_private_config_that_later_commands_use(e2e, tmp_path):  # type: ignore[no-untyped-def]
    root = tmp_path / "server"
    root.mkdir()
    e2e.basalt("init", cwd=root)
    with Services(load_settings(root)) as services:
        services.identity.create_user(UserCreate(name="ana", password="ana-password", admin=True))
    started = e2e.start_server(root, root / "server.log", auth="token")
    try:
        url = started.server.url
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        env = e2e.user_env(XDG_CONFIG_HOME=str(tmp_path / "cfg"))

        refused = e2e.basalt("--url", url, "workspace", "list", cwd=elsewhere, env=env, expect=None)
        e2e.assert_one_error_line(refused, "API token")

        login = _run(
            e2e, "login", "--url", url, "--user", "ana", "--password-stdin",
            cwd=elsewhere, env=env, stdin="ana-password\n",
        )  # fmt: skip
        assert login.returncode == 0, login.stderr
        config = tmp_path / "cfg" / "basalt" / "config.toml"
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        stored = tomllib.loads(config.read_text())
        assert stored["url"] == url
        assert stored["token"].startswith("bas_")
        assert stored["token"] not in login.stdout + login.stderr

        listed = e2e.basalt("workspace", "list", "-o", "json", cwd=elsewhere, env=env).json()
        assert [w["name"] for w in listed] == ["default"]

        made = _run(
            e2e, "user", "create", "bob", "--password-stdin",
            cwd=elsewhere, env=env, stdin="bob-password\n",
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        users = e2e.basalt("user", "list", "-o", "json", cwd=elsewhere, env=env).json()
        assert [u["name"] for u in users] == ["ana", "bob"]
        e2e.basalt(
            "workspace", "member", "add", "default", "bob", "--role", "Reader",
            cwd=elsewhere, env=env,
        )  # fmt: skip
        members = e2e.basalt(
            "workspace", "member", "list", "default", "-o", "json", cwd=elsewhere, env=env
        ).json()
        assert {(m["user"], m["role"]) for m in members} == {("bob", "Reader")}

        created = e2e.basalt(
            "token", "create", "--name", "ci", "--expires", "30d", cwd=elsewhere, env=env
        )
        assert created.stdout.strip().startswith("bas_")
        assert "will not be shown again" in created.stderr
        tokens = e2e.basalt("token", "list", "-o", "json", cwd=elsewhere, env=env).json()
        ci = next(t for t in tokens if t["name"] == "ci")
        assert "secret" not in ci
        e2e.basalt("token", "revoke", ci["id"], cwd=elsewhere, env=env)
        other = e2e.user_env(
            XDG_CONFIG_HOME=str(tmp_path / "cfg2"), BASALT_TOKEN=created.stdout.strip()
        )
        gone = e2e.basalt("--url", url, "workspace", "list", cwd=elsewhere, env=other, expect=None)
        e2e.assert_one_error_line(gone, "revoked")
    finally:
        e2e.stop_server(started.proc)
