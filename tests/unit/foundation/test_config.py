from __future__ import annotations

from basalt.config import find_workspace, load_settings


def test_workspace_is_found_walking_up(workspace_dir):
    deep = workspace_dir / "a" / "b"
    deep.mkdir(parents=True)
    assert find_workspace(deep) == workspace_dir.resolve()
    settings = load_settings(deep)
    assert settings.store_url() == f"sqlite:///{workspace_dir.resolve()}/.basalt/basalt.db"


def test_precedence_arguments_over_env_over_file(workspace_dir, monkeypatch):
    (workspace_dir / ".basalt" / "config.toml").write_text(
        '[server]\nport = 6000\nhost = "0.0.0.0"\n[tracking]\nbatch_size = 10\n'
    )
    monkeypatch.setenv("BASALT_SERVER__PORT", "7000")
    settings = load_settings(workspace_dir, server={"host": "127.0.0.2"})
    assert settings.server.port == 7000  # env beats file
    assert settings.server.host == "127.0.0.2"  # argument beats file
    assert settings.tracking.batch_size == 10  # file beats default


def test_basalt_workspace_env_is_used(workspace_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BASALT_WORKSPACE", str(workspace_dir))
    assert load_settings().workspace == workspace_dir.resolve()


def test_no_workspace_is_a_clear_error(tmp_path):
    import pytest

    from basalt.errors import NotFoundError

    settings = load_settings(tmp_path)
    assert settings.workspace is None
    with pytest.raises(NotFoundError, match="basalt init"):
        settings.store_url()
