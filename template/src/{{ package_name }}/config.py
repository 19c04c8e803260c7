"""Settings read from the environment; nothing secret lives in the repository."""

import os
from pathlib import Path
from typing import Any

from .body_limit import DEFAULT_MAX_CONTENT_LENGTH

ENVIRONMENTS = ("production", "development", "testing")


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def database_url(raw: str | None, instance_path: str, package: str) -> str:
    """Return the SQLAlchemy URL, SQLite under `instance/` when none is given."""
    if not raw:
        return f"sqlite:///{Path(instance_path) / f'{package}.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw.removeprefix(prefix)
    return raw


def load_config(
    instance_path: str, package: str, overrides: dict[str, Any] | None
) -> dict[str, Any]:
    """Build the Flask configuration from the environment, then apply `overrides`."""
    overrides = overrides or {}
    environment = overrides.get("APP_ENV") or os.environ.get("APP_ENV", "production")
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}")
    development = environment in ("development", "testing")
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if not development:
            raise ConfigError("SECRET_KEY must be set in production (see .env.example)")
        secret_key = "insecure-development-key"  # noqa: S105 - never accepted in production

    config: dict[str, Any] = {
        "APP_ENV": environment,
        "TESTING": environment == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url(
            overrides.get("DATABASE_URL") or os.environ.get("DATABASE_URL"), instance_path, package
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH)),
        "MAX_PAGE_SIZE": 100,
        "TOKEN_TTL_SECONDS": int(os.environ.get("TOKEN_TTL_SECONDS", 30 * 24 * 3600)),
        "TOKEN_RATE_LIMIT": os.environ.get("TOKEN_RATE_LIMIT", "10 per minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "SCOPE_GUARD": os.environ.get("SCOPE_GUARD", "raise" if development else "log"),
        "API_TITLE": package,
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}
        },
    }
    config.update({key: value for key, value in overrides.items() if key != "DATABASE_URL"})
    return config
