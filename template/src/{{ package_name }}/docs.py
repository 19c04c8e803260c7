"""`/docs`: Swagger UI served by the app itself, from the pinned flask-swagger-ui package.

Nothing on the page comes from another origin. Swagger UI's script and styles are the files
flask-swagger-ui ships, and the start-up script is a static file of this package
(`docs_assets/docs.js`), so the page runs under a policy with `script-src 'self'` and no
inline script. The assets live under a path that names their version
(`/docs/assets/<version>/...`) and are cached for a year as immutable; the page itself, like
every JSON answer, is `no-store`. `DOCS_ENABLED=false` leaves `/docs` out (a 404 like any
unknown path); the OpenAPI document at `/openapi.json` stays.
"""

import hashlib
from importlib.metadata import version
from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, Flask, Response, abort, current_app, send_from_directory
from markupsafe import escape

from .security.access import public

SWAGGER_DIST = Path(flask_swagger_ui.__file__).parent / "dist"
OWN_ASSETS = Path(__file__).parent / "docs_assets"
# The only files served, and the folder of each.
ASSETS = {
    "swagger-ui.css": SWAGGER_DIST,
    "swagger-ui-bundle.js": SWAGGER_DIST,
    "favicon-32x32.png": SWAGGER_DIST,
    "docs.js": OWN_ASSETS,
}
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
IMMUTABLE = "public, max-age=31536000, immutable"


def _asset_version() -> str:
    """flask-swagger-ui's version and a digest of the start-up script: a new path when either
    changes, so that a cached asset never outlives its content."""
    digest = hashlib.sha256((OWN_ASSETS / "docs.js").read_bytes()).hexdigest()[:12]
    return f"{version('flask-swagger-ui')}-{digest}"


ASSET_VERSION = _asset_version()
ASSET_PATH = f"/docs/assets/{ASSET_VERSION}"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/docs.js"></script>
</body>
</html>
"""

blp = Blueprint("docs", __name__)


@blp.get("/docs")
@public
def page() -> Response:
    title = escape(f"{current_app.config['API_TITLE']} API")
    response = Response(PAGE.format(title=title, assets=ASSET_PATH), mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


@blp.get("/docs/assets/<asset_version>/<name>")
@public
def asset(asset_version: str, name: str) -> Response:
    if asset_version != ASSET_VERSION or name not in ASSETS:
        abort(404)
    response = send_from_directory(ASSETS[name], name, conditional=True)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


def serve_docs(app: Flask) -> None:
    """Serve `/docs` unless `DOCS_ENABLED` is false."""
    if app.config["DOCS_ENABLED"]:
        app.register_blueprint(blp)
