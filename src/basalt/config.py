"""Settings: the only reader of ``BASALT_*`` variables and of a workspace's ``config.toml``.

Sources, highest first: explicit arguments, environment, ``.basalt/config.toml``, defaults.
Settings are built once at an edge (CLI callback, ``create_app``, ``Client``) and passed down.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

WORKSPACE_DIR = ".basalt"
DB_FILE = "basalt.db"
CONFIG_FILE = "config.toml"
ARTIFACTS_DIR = "artifacts"
DEFAULT_WORKSPACE_NAME = "default"
VAULT_KEY_FILE = "vault.key"
JOBS_DIR = "jobs"
ENVS_DIR = "envs"
DEPLOYMENTS_DIR = "deployments"


class StoreSettings(BaseModel):
    """Where run metadata lives."""

    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the metadata store; default: the workspace's SQLite file.",
    )
    pool_size: int = Field(default=10, description="Connection pool size (PostgreSQL).")


class ArtifactSettings(BaseModel):
    """Where run files live."""

    url: str | None = Field(
        default=None,
        description="Artifact root: a folder or s3://bucket/prefix; default: the workspace's.",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="Endpoint of an S3-compatible server (MinIO, Ceph, ...)."
    )
    s3_access_key_id: str | None = Field(default=None, description="S3 access key id.")
    s3_secret_access_key: SecretStr | None = Field(default=None, description="S3 secret key.")
    s3_region: str | None = Field(default=None, description="S3 region name.")


class OidcSettings(BaseModel):
    """Sign-in with tokens of an OpenID Connect identity provider (off unless ``issuer`` is set)."""

    issuer: str | None = Field(
        default=None,
        description="The identity provider's issuer URL, exactly as in its tokens' 'iss' "
        "claim (e.g. https://login.example.com/realms/ml); unset: OIDC sign-in is off.",
    )
    audience: str | None = Field(
        default=None,
        description="The 'aud' a token must carry: Basalt's client id at the identity provider.",
    )
    user_claim: str | None = Field(
        default=None,
        description="The claim that names the local user; default: preferred_username, "
        "else email, else sub.",
    )
    jwks_uri: str | None = Field(
        default=None,
        description="URL of the provider's signing keys; default: the jwks_uri of "
        "<issuer>/.well-known/openid-configuration.",
    )
    auto_create_users: bool = Field(
        default=True,
        description="Create an unknown user on first sign-in (not an administrator, no "
        "workspace roles); false: only users an administrator created may sign in.",
    )
    leeway_s: float = Field(
        default=60, ge=0, le=600, description="Clock skew allowed on exp, nbf and iat, seconds."
    )
    timeout_s: float = Field(
        default=5, gt=0, le=60, description="Timeout of each fetch from the provider, seconds."
    )

    @property
    def enabled(self) -> bool:
        """True when an issuer is configured."""
        return bool(self.issuer)


class ServerSettings(BaseModel):
    """How ``basalt server start`` listens."""

    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=5280, description="TCP port to listen on.")
    auth: Literal["token", "none"] = Field(
        default="token",
        description="token: every route but /healthz and login needs a token (the default); "
        "none: no login, for one person on one machine (loopback only).",
    )
    max_body_mb: int = Field(default=1024, ge=1, description="Largest request body, in MiB.")
    workers: int = Field(default=1, ge=1, le=64, description="Server processes.")
    gc_interval_s: float = Field(
        default=6 * 3600,
        ge=0,
        description="Seconds between the server's garbage collections of unreferenced "
        "stored bytes (0: never; 'basalt gc' still works).",
    )
    gc_grace_period_s: float = Field(
        default=3600,
        ge=0,
        description="Unreferenced bytes younger than this many seconds are kept by garbage "
        "collection, so an upload in flight is never collected.",
    )
    oidc: OidcSettings = Field(default_factory=OidcSettings)


class ComputeSettings(BaseModel):
    """Where local jobs run and where their environments are cached."""

    work_dir: Path | None = Field(
        default=None,
        description="Folder of job working folders; default: the workspace's jobs/ (or the "
        "user cache folder for a server store).",
    )
    envs_dir: Path | None = Field(
        default=None,
        description="Cache of materialized environments; default: the workspace's envs/ (or "
        "the user cache folder for a server store).",
    )
    max_snapshot_mb: int = Field(
        default=300, description="Largest code folder a job may snapshot, in MiB."
    )
    serve_on_deploy: bool = Field(
        default=True,
        description="Embedded workspaces: start 'basalt serve' in the background when a "
        "deployment is created or updated (else the first invoke starts it).",
    )
    scheduler_interval: float = Field(
        default=2.0, description="Seconds between scheduler passes in `basalt server start`."
    )


class LoggingSettings(BaseModel):
    """How Basalt's own log lines look."""

    level: str = Field(default="WARNING", description="Log level of the 'basalt' loggers.")
    format: Literal["text", "json"] = Field(default="text", description="text or json lines.")


class TrackingSettings(BaseModel):
    """How scripts send metrics."""

    batch_size: int = Field(default=1000, description="Metric points sent per batch.")
    flush_interval: float = Field(
        default=1.0, description="Seconds between background flushes of buffered points."
    )


class VaultSettings(BaseModel):
    """Where the key that encrypts the workspace's secrets lives (never in the database)."""

    key_file: Path | None = Field(
        default=None,
        description=(
            "File holding the vault key (base64 of 32 bytes, mode 0600), created on first use; "
            "default: .basalt/vault.key of the embedded workspace. 'basalt secret rotate-key' "
            "replaces it."
        ),
    )
    key: SecretStr | None = Field(
        default=None,
        description=(
            "The vault key itself, base64 of 32 bytes (for servers whose key comes from a "
            "secret manager); wins over key_file, and cannot be rotated by Basalt."
        ),
    )


class Settings(BaseSettings):
    """Every setting of Basalt, with its environment variable ``BASALT_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="BASALT_", env_nested_delimiter="__", extra="ignore"
    )

    workspace: Path | None = Field(
        default=None, description="Folder that holds (or is below) the embedded workspace."
    )
    workspace_name: str = Field(
        default=DEFAULT_WORKSPACE_NAME,
        description="Name of the workspace to use in a server store.",
    )
    url: str | None = Field(default=None, description="URL of a Basalt server to talk to.")
    token: SecretStr | None = Field(default=None, description="API token for the server.")
    run_name: str | None = Field(
        default=None, description="Set by the job runner: the run a script logs to."
    )
    store: StoreSettings = Field(default_factory=StoreSettings)
    artifacts: ArtifactSettings = Field(default_factory=ArtifactSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    tracking: TrackingSettings = Field(default_factory=TrackingSettings)
    vault: VaultSettings = Field(default_factory=VaultSettings)
    compute: ComputeSettings = Field(default_factory=ComputeSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Explicit arguments, then environment; config.toml is merged in ``load_settings``."""
        return (init_settings, env_settings)

    @property
    def state_dir(self) -> Path | None:
        """The ``.basalt`` folder of the embedded workspace, if there is one."""
        return self.workspace / WORKSPACE_DIR if self.workspace else None

    def store_url(self) -> str:
        """The effective metadata-store URL."""
        if self.store.url:
            return self.store.url
        if self.state_dir is None:
            raise _no_workspace()
        return f"sqlite:///{self.state_dir / DB_FILE}"

    def vault_key_file(self) -> Path | None:
        """The effective vault key file (None when there is neither a setting nor a workspace)."""
        if self.vault.key_file is not None:
            return self.vault.key_file
        return self.state_dir / VAULT_KEY_FILE if self.state_dir else None

    def jobs_dir(self) -> Path:
        """Where job working folders are made."""
        return self.compute.work_dir or self._local_dir(JOBS_DIR)

    def envs_dir(self) -> Path:
        """Where materialized environments are cached (shared by every job)."""
        return self.compute.envs_dir or self._local_dir(ENVS_DIR)

    def deployments_dir(self) -> Path:
        """Where online deployments' folders (model, code, worker logs) are made."""
        return self._local_dir(DEPLOYMENTS_DIR)

    def _local_dir(self, leaf: str) -> Path:
        if self.state_dir is not None:
            return self.state_dir / leaf
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        return base / "basalt" / leaf

    def artifacts_url(self) -> str:
        """The effective artifact root."""
        if self.artifacts.url:
            return self.artifacts.url
        if self.state_dir is None:
            raise _no_workspace()
        return str(self.state_dir / ARTIFACTS_DIR)


def _no_workspace() -> Exception:
    from basalt.errors import NotFoundError

    return NotFoundError(
        "No Basalt workspace here or in any parent folder; run 'basalt init' to create one, "
        "or pass --workspace PATH (or set BASALT_WORKSPACE)"
    )


def find_workspace(start: Path) -> Path | None:
    """Walk up from ``start`` to the first folder holding ``.basalt/``, as git finds a repo."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / WORKSPACE_DIR).is_dir():
            return folder
    return None


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(workspace: Path | str | None = None, **overrides: Any) -> Settings:
    """Build Settings from arguments, environment, the workspace's config.toml and defaults.

    Args:
        workspace: A folder at or below the workspace; default ``BASALT_WORKSPACE`` or the
            current folder, walking up to the first ``.basalt/``.
        **overrides: Explicit values (highest precedence), nested as dicts.

    Returns:
        The effective settings; ``workspace`` is the folder holding ``.basalt/`` or None.
    """
    env_ws = os.environ.get("BASALT_WORKSPACE")
    start = Path(workspace) if workspace else Path(env_ws) if env_ws else Path.cwd()
    found = find_workspace(start)
    file_values: dict[str, Any] = {}
    if found is not None:
        cfg = found / WORKSPACE_DIR / CONFIG_FILE
        if cfg.is_file():
            file_values = tomllib.loads(cfg.read_text(encoding="utf-8"))
    from_env = Settings()  # environment + defaults only
    env_set = from_env.model_dump(exclude_unset=True)
    merged = _deep_merge(_deep_merge(file_values, env_set), overrides)
    _apply_user_config(merged, in_workspace=found is not None)
    merged["workspace"] = found
    return Settings.model_validate(merged)


def user_config_file() -> Path:
    """The user's own config file, written by ``basalt login``.

    ``$XDG_CONFIG_HOME/basalt/config.toml``, else ``~/.config/basalt/config.toml``.
    """
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "basalt" / CONFIG_FILE


def _apply_user_config(merged: dict[str, Any], *, in_workspace: bool) -> None:
    """Fill ``url`` and ``token`` from the user's config file, below every other source.

    Its ``url`` applies only outside an embedded workspace (a workspace folder keeps working
    on its own store); its ``token`` only for the server it was stored for.
    """
    path = user_config_file()
    if not path.is_file():
        return
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return
    url = values.get("url")
    if not isinstance(url, str) or not url:
        return
    if not merged.get("url") and not in_workspace:
        merged["url"] = url
    same = str(merged.get("url") or "").rstrip("/") == url.rstrip("/")
    if same and not merged.get("token") and isinstance(values.get("token"), str):
        merged["token"] = values["token"]


def save_user_config(url: str, token: str) -> Path:
    """Store a server's URL and token in the user's config file, readable by the user only."""
    path = user_config_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = f"# Written by 'basalt login'.\nurl = {_toml_str(url)}\ntoken = {_toml_str(token)}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    path.chmod(0o600)
    return path


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def environ_snapshot() -> dict[str, str]:
    """A copy of the process environment, for process launchers that build a child's."""
    return dict(os.environ)


def settings_env(settings: Settings) -> dict[str, str]:
    """``BASALT_*`` variables that rebuild ``settings``' store, artifacts and caches in a child.

    The job runner is started with these, so it opens the same store and artifact root as the
    process that queued the job, whatever config file or flags that process was given.
    """
    env = {
        "BASALT_STORE__URL": settings.store_url(),
        "BASALT_ARTIFACTS__URL": settings.artifacts_url(),
        "BASALT_COMPUTE__WORK_DIR": str(settings.jobs_dir()),
        "BASALT_COMPUTE__ENVS_DIR": str(settings.envs_dir()),
        "BASALT_LOGGING__LEVEL": settings.logging.level,
    }
    if settings.workspace is not None:
        env["BASALT_WORKSPACE"] = str(settings.workspace)
    key_file = settings.vault_key_file()
    if key_file is not None:
        env["BASALT_VAULT__KEY_FILE"] = str(key_file)
    art = settings.artifacts
    optional = {
        "BASALT_ARTIFACTS__S3_ENDPOINT_URL": art.s3_endpoint_url,
        "BASALT_ARTIFACTS__S3_ACCESS_KEY_ID": art.s3_access_key_id,
        "BASALT_ARTIFACTS__S3_SECRET_ACCESS_KEY": (
            art.s3_secret_access_key.get_secret_value() if art.s3_secret_access_key else None
        ),
        "BASALT_ARTIFACTS__S3_REGION": art.s3_region,
    }
    env.update({k: v for k, v in optional.items() if v})
    return env
