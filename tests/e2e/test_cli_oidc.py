"""``basalt login --token`` with an identity provider's token, against ``basalt server start``."""

from __future__ import annotations

import subprocess
import tomllib

from tests.fixtures.oidc import AUDIENCE, serve_idp


def test_login_with_an_oidc_token(e2e, tmp_path):  # type: ignore[no-untyped-def]
    root = tmp_path / "server"
    root.mkdir()
    e2e.basalt("init", cwd=root)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = e2e.user_env(XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    with serve_idp() as idp:
        started = e2e.start_server(
            root, root / "server.log", "--oidc-issuer", idp.issuer,
            "--oidc-audience", AUDIENCE, auth="token",
        )  # fmt: skip
        try:
            url = started.server.url
            token = idp.token(preferred_username="ana")

            def login(secret: str) -> subprocess.CompletedProcess[str]:
                return subprocess.run(
                    [str(e2e.BASALT), "login", "--url", url, "--token", "--password-stdin"],
                    cwd=elsewhere, env=env, input=secret + "\n", capture_output=True,
                    text=True, timeout=120, check=False,
                )  # fmt: skip

            expired = login(idp.token(preferred_username="ana", lifetime_s=-3600))
            assert expired.returncode == 1, expired.stderr
            assert "OIDC token has expired" in expired.stderr
            assert "Traceback" not in expired.stderr

            signed_in = login(token)
            assert signed_in.returncode == 0, signed_in.stderr
            assert "as 'ana'" in signed_in.stderr + signed_in.stdout
            stored = tomllib.loads((tmp_path / "cfg" / "basalt" / "config.toml").read_text())
            assert stored == {"url": url, "token": token}
            listed = e2e.basalt("workspace", "list", "-o", "json", cwd=elsewhere, env=env)
            assert listed.json() == []  # a new user has no workspace until an admin adds them
        finally:
            e2e.stop_server(started.proc)
    log = (root / "server.log").read_text()
    assert f"Also accepting OIDC tokens of {idp.issuer}" in log
    assert token not in log


def test_half_an_oidc_setup_is_refused_in_one_line(e2e, tmp_path):  # type: ignore[no-untyped-def]
    e2e.basalt("init", cwd=tmp_path)
    refused = e2e.basalt(
        "server", "start", "--port", "0", "--oidc-audience", AUDIENCE, cwd=tmp_path, expect=None
    )
    e2e.assert_one_error_line(refused, "--oidc-issuer")
