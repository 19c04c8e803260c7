"""Alembic environment: migrations run against the app's engine and models."""

import logging
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

config = context.config
if config.config_file_name is not None:
    # Keep the app's loggers (the security events among them) when migrations run in-process.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate = current_app.extensions["migrate"]
target_metadata = migrate.db.metadata


def render_item(kind: str, obj: Any, _autogen_context: Any) -> str | Literal[False]:
    """Write project column types (UTCDateTime) as the plain SQLAlchemy type they store."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (`flask db upgrade --sql`)."""
    context.configure(
        url=migrate.db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
        **migrate.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def skip_empty_autogenerate(_context: object, _revision: object, directives: list[Any]) -> None:
    """`flask db migrate` writes no revision when the models did not change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_online() -> None:
    configure_args: dict[str, Any] = {
        "process_revision_directives": skip_empty_autogenerate,
        "render_item": render_item,
    }
    configure_args.update(migrate.configure_args)
    with migrate.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
