"""Where rate-limit counters live: `RATELIMIT_STORAGE_URI`.

`memory://` keeps them in each process, so every gunicorn worker (and every host) counts on
its own and a client gets the limit once per worker. `redis://host:6379/0` shares them
across workers and hosts; it needs the `redis` extra (`pip install -e ".[redis]"`).
"""

import importlib.util
from typing import Any
from urllib.parse import urlsplit

MEMORY = "memory://"
REDIS_SCHEMES = ("redis", "rediss", "redis+sentinel", "redis+cluster")


def validate_storage_uri(uri: str) -> str | None:
    """What is wrong with `uri` as a storage URI, or None; never the URI, which may hold a
    password."""
    if uri == MEMORY:
        return None
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - parsing the port validates it
    except ValueError:
        return "is not a valid URI"
    if parts.scheme not in REDIS_SCHEMES or not parts.hostname:
        return f"must be {MEMORY} or redis://HOST[:PORT][/DB]"
    if importlib.util.find_spec("redis") is None:
        return "names Redis, whose client is missing: pip install -e '.[redis]'"
    return None


def storage_options(uri: str, timeout: int) -> dict[str, Any]:
    """Bound every wait for Redis, and raise its errors as `limits.errors.StorageError`."""
    if uri == MEMORY:
        return {}
    return {"wrap_exceptions": True, "socket_connect_timeout": timeout, "socket_timeout": timeout}


def per_worker_warning(uri: str, workers: int, environment: str) -> str | None:
    """The start-up warning for per-process counters under several production workers."""
    if uri != MEMORY or workers < 2 or environment != "production":
        return None
    return (
        f"RATELIMIT_STORAGE_URI is {MEMORY}: each of the {workers} workers counts rate limits"
        f" on its own, so a client gets {workers} times each limit; set RATELIMIT_STORAGE_URI"
        " to a shared redis:// server"
    )
