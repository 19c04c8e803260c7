"""Defence in depth: an ORM query on a scoped model outside the scoped paths is refused.

Views reach owned rows through `ScopedRepository`, which runs its statements inside
`scoped_statements()`. Any other statement that touches a scoped model (a stray
`db.session.get(Note, 1)`, a hand-written `select(Note)`) raises in development and tests,
and is logged as a security event in production (`SCOPE_GUARD`: raise, log or off).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from .audit import security_event

_scoped: ContextVar[bool] = ContextVar("scoped_statements", default=False)


class UnscopedQueryError(RuntimeError):
    """A statement reached a scoped model without going through the caller's scope."""


@contextmanager
def scoped_statements() -> Iterator[None]:
    """Mark statements issued inside the block as built by the ownership core."""
    token = _scoped.set(True)
    try:
        yield
    finally:
        _scoped.reset(token)


def is_scoped_model(cls: type) -> bool:
    return getattr(cls, "__scope__", None) is not None


def _check_statement(state: ORMExecuteState) -> None:
    if _scoped.get() or state.is_relationship_load or state.is_column_load:
        return
    models = sorted(m.class_.__name__ for m in state.all_mappers if is_scoped_model(m.class_))
    if not models:
        return
    mode = current_app.config["SCOPE_GUARD"] if has_app_context() else "raise"
    if mode == "off":
        return
    message = f"unscoped query on {', '.join(models)}: use ScopedRepository"
    if mode == "log":
        security_event("guard.unscoped_query", reason=message)
        return
    raise UnscopedQueryError(message)


def install_guard() -> None:
    """Attach the check to every ORM session (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _check_statement):
        event.listen(Session, "do_orm_execute", _check_statement)
