"""Structured security events, all on one named logger.

An event carries who, what and where, never secrets: no token, password or request body
is ever passed to this module.
"""

import logging
import uuid

from flask import g, has_request_context, request

logger = logging.getLogger(__package__ or __name__)


def security_event(
    event: str, *, object_id: uuid.UUID | str | None = None, reason: str | None = None
) -> None:
    """Log one security event, such as a denial, with the request's principal and route."""
    fields: dict[str, str | None] = {
        "event": event,
        "principal": None,
        "method": None,
        "route": None,
        "object": str(object_id) if object_id is not None else None,
        "reason": reason,
    }
    if has_request_context():
        principal = g.get("principal")
        fields["principal"] = str(principal.user.public_id) if principal else None
        fields["method"] = request.method
        fields["route"] = request.url_rule.rule if request.url_rule else None
    summary = " ".join(f"{key}={value}" for key, value in fields.items() if value is not None)
    logger.warning(summary, extra={"security": fields})
