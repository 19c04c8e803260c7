"""Liveness and readiness for load balancers and orchestrators.

`GET /healthz` answers 200 while the process serves requests and never touches the database:
a database outage must not get healthy processes restarted. `GET /readyz` runs one query,
bounded by a statement timeout, and answers 503 while the database is unreachable, so that
traffic goes elsewhere until it is back.
"""

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from .contract import no_database
from .extensions import db
from .security.access import public

blp = Blueprint("health", __name__, description="Service health")

READINESS_TIMEOUT_MS = 1000


class HealthOut(Schema):
    status = fields.String(metadata={"example": "ok"})


@blp.route("/healthz", methods=["GET"])
@public
@no_database
@blp.response(200, HealthOut)
def healthz() -> dict[str, str]:
    """Answer 200 while the process runs; the database is not consulted."""
    return {"status": "ok"}


@blp.route("/readyz", methods=["GET"])
@public
@blp.response(200, HealthOut)
@blp.alt_response(503, description="The database is unreachable")
def readyz() -> dict[str, str]:
    """Answer 200 when the database answers a query in time, 503 otherwise."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"SET LOCAL statement_timeout = {READINESS_TIMEOUT_MS}"))
    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    return {"status": "ok"}
