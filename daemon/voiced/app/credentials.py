"""Where the API key comes from: systemd's credential, then a key file, then the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from voiced.config import Config
from voiced.errors import ConfigError

CREDENTIAL_NAME = "openai_api_key"


@dataclass(frozen=True)
class ApiKey:
    value: str | None = field(repr=False)
    source: str
    """Where it came from, for logs: never the key itself."""


def _read_key(path: Path, key: str, config_file: str) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise ConfigError(
            key,
            config_file,
            f"{path} does not exist",
            "create it (one line: the key) or remove the setting",
        ) from exc
    except PermissionError as exc:
        raise ConfigError(
            key,
            config_file,
            f"{path} is not readable by this user",
            "use LoadCredential= in the unit, or chmod 0640 and group voiced",
        ) from exc
    if not text:
        raise ConfigError(key, config_file, f"{path} is empty", "put the API key in it")
    return text


def find_api_key(config: Config, environ: dict[str, str] | None = None) -> ApiKey:
    """$CREDENTIALS_DIRECTORY/openai_api_key, then realtime.api_key_file, then OPENAI_API_KEY."""
    env = os.environ if environ is None else environ
    cred_dir = env.get("CREDENTIALS_DIRECTORY")
    if cred_dir and (Path(cred_dir) / CREDENTIAL_NAME).is_file():
        path = Path(cred_dir) / CREDENTIAL_NAME
        return ApiKey(
            _read_key(path, "credential " + CREDENTIAL_NAME, config.source),
            f"systemd credential {CREDENTIAL_NAME}",
        )
    if config.realtime.api_key_file:
        path = Path(config.realtime.api_key_file)
        return ApiKey(_read_key(path, "realtime.api_key_file", config.source), str(path))
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"):
        if env.get(name):
            return ApiKey(env[name].strip(), f"${name}")
    return ApiKey(None, "none")
