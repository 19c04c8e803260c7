"""`GET /healthz`: a public liveness and database check for load balancers."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import text

from .extensions import db
from .security.access import public

blp = Blueprint("health", __name__, description="Service health")


class HealthOut(Schema):
    status = fields.String(metadata={"example": "ok"})


@blp.route("/healthz", methods=["GET"])
@public
@blp.response(200, HealthOut)
def healthz() -> dict[str, str]:
    """Answer 200 when the app can reach its database."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
