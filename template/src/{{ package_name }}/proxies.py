"""Behind reverse proxies: `TRUSTED_PROXY_COUNT` says how many `X-Forwarded-*` hops to believe.

With 0 (the default) the app sees the address that connected to it and ignores forwarding
headers, which any client can forge. Behind N proxies that each append to `X-Forwarded-For`,
set N: the client address (what rate limits count), scheme, host and port are then read from
the N-th entry from the right, which only the outermost trusted proxy could have written.
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    count = app.config["TRUSTED_PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )
