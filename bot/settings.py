"""Settings from the environment (prefix PRIVACYBOT_), with embedded defaults."""
from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _env(name: str, *also: str) -> AliasChoices:
    return AliasChoices(f"PRIVACYBOT_{name.upper()}", *also)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRIVACYBOT_", extra="ignore")

    corpus: Path = DEFAULT_CORPUS  # folder of policy files
    public_base_url: str = Field("", validation_alias=_env("public_base_url", "PUBLIC_BASE_URL"))  # clause links; empty = the request's own address
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    # Question/feedback log: SQLite file by default, postgresql://… for replicas.
    database_url: str = Field("sqlite:///privacybot.sqlite3",
                              validation_alias=_env("database_url", "DATABASE_URL"))
    retention_days: int = Field(90, ge=1)  # log rows older than this are purged
    hash_secret: str = ""  # key of the HMAC that pseudonymizes clients; empty = random per process
    admin_token: str = ""  # bearer token of /admin; empty = admin disabled (404)
    metrics_token: str = ""  # bearer token of /metrics; empty = loopback clients only
    # Host headers accepted when public_base_url is empty (links are then built from the Host).
    allowed_hosts: str = "localhost,127.0.0.1,::1"
    cors_origins: str = "*"  # comma-separated origins allowed to call the public API, or *
    rate_limit: str = "60/minute"  # questions and feedback per client address; "off" = none
    rate_limit_global: str = "1000/second"  # over all clients together (backstop); "off" = none
    rate_limit_loopback: bool = False  # also limit 127.0.0.1 / ::1 per client
    request_timeout: float = Field(30.0, ge=0)  # seconds before a 503; 0 = none
    log_format: str = "text"  # or "json": one JSON object per log line
    watch: bool = False  # reindex when the corpus folder changes
    watch_interval: float = Field(2.0, gt=0)  # seconds between looks at the corpus folder
    cache_dir: str = ""  # saved indexes; empty = ~/.cache/privacybot, "off" = never saved

    @field_validator("rate_limit", "rate_limit_global")
    @classmethod
    def _rate(cls, v: str) -> str:
        from .guard import parse_rate

        parse_rate(v)  # a typo here must stop the start, not every request
        return v

    def cache_root(self) -> Path | None:
        from index.persist import default_cache_root

        if self.cache_dir.strip().lower() in ("off", "none", "0"):
            return None
        return Path(self.cache_dir).expanduser() if self.cache_dir.strip() else default_cache_root()

    def load_index(self, **kw):
        """The corpus's index: loaded from the cache when its fingerprint matches, else built."""
        from index.persist import load_or_build

        return load_or_build(self.corpus, self.cache_root(), **kw)[0]

    def link_base(self) -> str:
        """Base of clause links outside a request (`privacybot ask`): PUBLIC_BASE_URL, else the
        address `serve` listens on; a wildcard host (0.0.0.0, ::) is not one to open, so 127.0.0.1."""
        if self.public_base_url.strip():
            return self.public_base_url.strip().rstrip("/")
        host = self.host.strip()
        host = "127.0.0.1" if host in ("", "0.0.0.0", "::", "[::]") else host
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{self.port}"

    @property
    def allowed_host_list(self) -> list[str]:
        """Host names a request may name when PUBLIC_BASE_URL is unset: the configured ones
        and the address `serve` listens on (unless it is every address)."""
        hosts = [h.strip().lower().strip("[]") for h in self.allowed_hosts.split(",") if h.strip()]
        if self.host not in ("0.0.0.0", "::", ""):
            hosts.append(self.host.lower().strip("[]"))
        return list(dict.fromkeys(hosts))

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
