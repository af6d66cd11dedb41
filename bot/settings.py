"""Settings from the environment (prefix PRIVACYBOT_), with embedded defaults."""
from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRIVACYBOT_", extra="ignore")

    corpus: Path = DEFAULT_CORPUS  # folder of policy files
    public_base_url: str = Field("", validation_alias=AliasChoices("PRIVACYBOT_PUBLIC_BASE_URL", "PUBLIC_BASE_URL"))  # clause links; empty = the request's own address
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
