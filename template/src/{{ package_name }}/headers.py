"""Security headers on every answer, error answers included, set where no view can forget them.

`SecurityHeaders` wraps the WSGI app inside the proxy fix, so it sees every response the app
sends (a view's, a 404 from routing, a 413, a 429, a 500, a 503) and the scheme the client
really used. A JSON answer may not run as a page: `Content-Security-Policy: default-src 'none';
frame-ancestors 'none'`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`,
`X-Content-Type-Options: nosniff` and `Cache-Control: no-store`. A response that sets its own
`Content-Security-Policy` or `Cache-Control` (the docs page and its assets) keeps it. Over
HTTPS, `Strict-Transport-Security` with `HSTS_MAX_AGE` seconds (0 tells browsers to forget it).
"""

from collections.abc import Iterable
from typing import Any

from flask import Flask

JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
REPLACED = {name.lower() for name in ALWAYS}
DEFAULTS = {"Content-Security-Policy": JSON_POLICY, "Cache-Control": "no-store"}
DEFAULT_HSTS_MAX_AGE = 365 * 24 * 3600


class SecurityHeaders:
    """WSGI middleware adding the security headers to every response of `app`."""

    def __init__(self, app: Any, hsts_max_age: int) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_max_age}"

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        https = environ.get("wsgi.url_scheme") == "https"

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers = [(name, value) for name, value in headers if name.lower() not in REPLACED]
            headers.extend(ALWAYS.items())
            headers.extend(
                (name, value) for name, value in DEFAULTS.items() if name.lower() not in present
            )
            if https:
                headers = [(n, v) for n, v in headers if n.lower() != "strict-transport-security"]
                headers.append(("Strict-Transport-Security", self.hsts))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)  # type: ignore[no-any-return]


def send_security_headers(app: Flask) -> None:
    """Call before `trust_proxies`, so that HTTPS is judged after the proxy fix."""
    app.wsgi_app = SecurityHeaders(  # type: ignore[method-assign]
        app.wsgi_app, app.config["HSTS_MAX_AGE"]
    )
