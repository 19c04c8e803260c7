"""Application factory: `create_app()` builds a configured app or refuses to start."""

from pathlib import Path
from typing import Any

from flask import Flask

from . import accounts, health, pagination, resources
from .accounts.cli import accounts_cli
from .config import load_config, project_instance_path
from .contract import ContractPlugin
from .cors import allow_origins
from .docs import serve_docs
from .errors import register_error_handlers
from .extensions import api, db, limiter, migrate
from .headers import send_security_headers
from .json_body import reject_unreadable_json
from .logs import configure_logging
from .outages import register_outage_handlers
from .proxies import trust_proxies
from .security.access import audit_routes, declare_public_endpoints, enforce_declared_policy
from .security.converters import PublicIdConverter
from .security.guard import install_guard
from .security.rls import install_row_security

DOCS_ENDPOINTS = ("api-docs.openapi_json",)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the app; `config` overrides settings read from the environment."""
    app = Flask(
        __name__,
        instance_path=project_instance_path(),
        instance_relative_config=True,
        static_folder=None,
    )
    app.config.from_mapping(load_config(app.instance_path, __name__, config))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.url_map.converters["public_id"] = PublicIdConverter
    configure_logging(app)
    send_security_headers(app)
    trust_proxies(app)

    db.init_app(app)
    migrate.init_app(app, db)
    limiter.init_app(app)
    contract = ContractPlugin(app)
    api.init_app(app, spec_kwargs={"extra_plugins": [contract]})
    pagination.init_app(app, api)
    api.register_converter(PublicIdConverter, lambda _: {"type": "string", "format": "uuid"})
    register_error_handlers(app)
    register_outage_handlers(app)
    app.before_request(reject_unreadable_json)
    allow_origins(app)
    serve_docs(app)
    for blueprint in (health.blp, *accounts.BLUEPRINTS, *resources.BLUEPRINTS):
        api.register_blueprint(blueprint)
    contract.link_creates()
    app.cli.add_command(accounts_cli)

    install_guard()
    install_row_security(app)
    declare_public_endpoints(app, *DOCS_ENDPOINTS)
    enforce_declared_policy(app)
    audit_routes(app)
    return app
