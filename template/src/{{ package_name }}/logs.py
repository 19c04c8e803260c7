"""Logs: a request id on every response and log record, as text lines or JSON objects.

Every response carries `X-Request-Id`: the caller's own when it is short and made of safe
characters (so a proxy's id follows the request through), a new random one otherwise. Every
log record written during a request carries the same id. `LOG_FORMAT=json` writes one JSON
object per line for log pipelines, the fields of security events included. Nothing here reads
request bodies, headers other than `X-Request-Id`, or credentials.
"""

import json
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-Id"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def request_id() -> str:
    """This request's id: the caller's if it is safe, else a new one; the same all request."""
    if "request_id" not in g:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    return g.request_id


def _send_request_id(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the request's id, or "-" outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() if has_request_context() else "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line; a traceback is a field, not extra lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        security = getattr(record, "security", None)
        if security is not None:
            entry["security"] = security
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class AppLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The app's handler on the root logger, writing to stderr; one per process."""


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(app: Flask) -> None:
    """Send every log record to stderr in `LOG_FORMAT`, and an id with every response."""
    handler = AppLogHandler()
    handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, AppLogHandler)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    app.after_request(_send_request_id)
