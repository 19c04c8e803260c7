"""Settings read from the environment; nothing secret lives in the repository.

A malformed value refuses to start the app with one line naming the variable (`ConfigError`),
rather than a traceback from deep inside a library at the first request.
"""

import os
import re
from pathlib import Path
from typing import Any

from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .body_limit import DEFAULT_MAX_CONTENT_LENGTH
from .cors import parse_origins
from .headers import DEFAULT_HSTS_MAX_AGE
from .outages import engine_options
from .ratelimits import storage_options, validate_storage_uri

ENVIRONMENTS = ("production", "development", "testing")
LOG_FORMATS = ("text", "json")
SWITCHES = {"true": True, "false": False}
# Overrides read like the variables of the same name, rather than copied as they are.
PARSED = ("DATABASE_URL", "CORS_ORIGINS")
# Each worker holds its own database connections: more workers need more of them.
MAX_DEFAULT_WORKERS = 8


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def env_int(name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    """The whole number in variable `name`, `default` when unset or empty."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw) if re.fullmatch(r"[0-9]{1,12}", raw) else None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise ConfigError(f"{name} must be a whole number {bounds}, not {raw!r}")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """The value of variable `name`, which must be one of `choices`."""
    value = os.environ.get(name, "").strip() or default
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_switch(name: str, default: bool) -> bool:
    """Variable `name` as `true` or `false`, `default` when unset or empty."""
    choice = env_choice(name, "true" if default else "false", tuple(SWITCHES))
    return SWITCHES[choice]


def project_instance_path() -> str | None:
    """`instance/` in the project's root (beside `pyproject.toml`), never inside `src/`.

    That holds while the package runs from the project (`pip install -e .`, tests, `flask`);
    an installed copy gets Flask's own default, `<prefix>/var/<package>-instance` (None here).
    """
    package = Path(__file__).resolve().parent
    root = package.parent.parent
    if package.parent.name == "src" and (root / "pyproject.toml").is_file():
        return str(root / "instance")
    return None


def default_workers() -> int:
    """Two workers per CPU core this process may use, plus one, at most MAX_DEFAULT_WORKERS."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(2 * (cores or 1) + 1, MAX_DEFAULT_WORKERS)


def serving_config(package: str) -> dict[str, Any]:
    """Every setting of a served app, checked before gunicorn starts: the app's own, then
    `PORT` and `WEB_CONCURRENCY` (the number of worker processes)."""
    # The instance path only names the SQLite default here; the app computes its own.
    config = load_config(project_instance_path() or "instance", package, None)
    config["PORT"] = env_int("PORT", 8000, 1, 65535)
    config["WEB_CONCURRENCY"] = env_int("WEB_CONCURRENCY", default_workers(), 1)
    return config


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

    url = database_url(
        overrides.get("DATABASE_URL") or os.environ.get("DATABASE_URL"), instance_path, package
    )
    try:
        make_url(url)
    except ArgumentError:
        raise ConfigError("DATABASE_URL is not a database URL (see .env.example)") from None
    token_rate_limit = os.environ.get("TOKEN_RATE_LIMIT", "").strip() or "10 per minute"
    try:
        parse_many(token_rate_limit)
    except ValueError:
        raise ConfigError(
            f"TOKEN_RATE_LIMIT must read like '10 per minute', not {token_rate_limit!r}"
        ) from None
    storage_uri = (
        overrides.get("RATELIMIT_STORAGE_URI")
        or os.environ.get("RATELIMIT_STORAGE_URI", "").strip()
        or "memory://"
    )
    problem = validate_storage_uri(storage_uri)
    if problem:
        raise ConfigError(f"RATELIMIT_STORAGE_URI {problem}")
    timeout = env_int("DATABASE_TIMEOUT", 5, 1, 300)
    try:
        cors_origins = parse_origins(
            overrides.get("CORS_ORIGINS") or os.environ.get("CORS_ORIGINS", "")
        )
    except ValueError as error:
        raise ConfigError(f"CORS_ORIGINS: {error}") from None

    config: dict[str, Any] = {
        "APP_ENV": environment,
        "TESTING": environment == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(url, timeout),
        "DATABASE_TIMEOUT": timeout,
        "LOG_FORMAT": env_choice("LOG_FORMAT", "text", LOG_FORMATS),
        "TRUSTED_PROXY_COUNT": env_int("TRUSTED_PROXY_COUNT", 0, 0, 30),
        "HSTS_MAX_AGE": env_int("HSTS_MAX_AGE", DEFAULT_HSTS_MAX_AGE, 0, 2**31 - 1),
        "CORS_ORIGINS": cors_origins,
        "DOCS_ENABLED": env_switch("DOCS_ENABLED", True),
        "MAX_CONTENT_LENGTH": env_int("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH, 1),
        "MAX_PAGE_SIZE": 100,
        "TOKEN_TTL_SECONDS": env_int("TOKEN_TTL_SECONDS", 30 * 24 * 3600, 1),
        "TOKEN_RATE_LIMIT": token_rate_limit,
        "INVITATION_TTL_SECONDS": env_int("INVITATION_TTL_SECONDS", 7 * 24 * 3600, 1),
        "RATELIMIT_STORAGE_URI": storage_uri,
        "RATELIMIT_STORAGE_OPTIONS": storage_options(storage_uri, timeout),
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "").strip() or package,
        "RATELIMIT_HEADERS_ENABLED": True,
        "SCOPE_GUARD": os.environ.get("SCOPE_GUARD", "raise" if development else "log"),
        "API_TITLE": package,
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}
        },
    }
    config.update({key: value for key, value in overrides.items() if key not in PARSED})
    return config
