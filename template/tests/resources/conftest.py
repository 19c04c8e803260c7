"""The `world` fixture: makes objects through the API as any principal."""

from typing import Any

import pytest
from flask.testing import FlaskClient

from .registry import RESOURCES
from .world import World


@pytest.fixture
def world(client: FlaskClient, principals: Any) -> World:
    return World(client, principals, RESOURCES)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each suite test once per principal of the role it names (`outsider`, ...)."""
    for role in ("outsider", "reader", "bystander", "manager"):
        if role in metafunc.fixturenames and metafunc.cls is not None:
            metafunc.parametrize(role, getattr(metafunc.cls, role.upper() + "S"))
