"""Cross-origin access by allowlist: `CORS_ORIGINS`, exact origins, never credentials.

Empty (the default), the app sends no CORS header at all and browsers keep every other origin
out. Each listed origin (`https://app.example.com`, comma-separated) may call the API with a
bearer token: preflights allow `Authorization` and `Content-Type` and the methods of the route
asked about, for `MAX_AGE` seconds, and scripts may read `Link`, `X-Request-Id` and
`Retry-After`. Cookies play no part (tokens are bearer), so credentials are never allowed. A
wildcard, a path or anything else that is not one exact origin refuses to start the app.
flask-cors does the matching; this module checks the setting and narrows the answers.
"""

import re

from flask import Flask, Response, request
from flask_cors import CORS

ALLOWED_HEADERS = ["Authorization", "Content-Type"]
EXPOSED_HEADERS = ["Link", "X-Request-Id", "Retry-After"]
# Seconds a browser may reuse a preflight's answer (Chromium caps it at two hours).
MAX_AGE = 600
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
ORIGIN = re.compile(
    rf"https?://(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])(?::(?P<port>[1-9][0-9]{{0,4}}))?"
)
ALLOW_METHODS = "Access-Control-Allow-Methods"
NOT_METHODS = {"HEAD", "OPTIONS"}


def parse_origins(raw: str) -> list[str]:
    """The origins listed in `raw`; ValueError naming the first one that is not exact."""
    origins = []
    for item in raw.split(","):
        origin = item.strip()
        if not origin:
            continue
        match = ORIGIN.fullmatch(origin.lower())
        if match is None or int(match["port"] or 1) > 65535:
            raise ValueError(
                f"{origin!r} is not an origin; list exact origins such as"
                " https://app.example.com (scheme, host, optional port), comma-separated"
            )
        origins.append(origin.lower())
    return origins


def _narrow(response: Response) -> Response:
    """Runs after flask-cors: `Vary: Origin` always, and a preflight offers only the route's
    own methods (those in its `Allow` header), not every method the app knows."""
    response.vary.add("Origin")
    if request.method == "OPTIONS" and ALLOW_METHODS in response.headers:
        methods = sorted(set(response.allow) - NOT_METHODS)
        if methods:
            response.headers[ALLOW_METHODS] = ", ".join(methods)
        else:
            del response.headers[ALLOW_METHODS]
    return response


def allow_origins(app: Flask) -> None:
    """Answer cross-origin requests from `CORS_ORIGINS`; nothing at all when it is empty."""
    origins = app.config["CORS_ORIGINS"]
    if not origins:
        return
    # after_request functions run last-registered first: this one sees flask-cors's headers.
    app.after_request(_narrow)
    CORS(
        app,
        origins=origins,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        supports_credentials=False,
        max_age=MAX_AGE,
        send_wildcard=False,
        always_send=False,
        vary_header=True,
        intercept_exceptions=False,
    )
