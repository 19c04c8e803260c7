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
    """Run each suite test once per principal of the role it names (`outsider`, ...), and
    once per field of its resource when it takes a `field`."""
    if metafunc.cls is None:
        return
    for role in ("outsider", "reader", "bystander", "manager"):
        if role in metafunc.fixturenames:
            metafunc.parametrize(role, getattr(metafunc.cls, role.upper() + "S"))
    if "field" in metafunc.fixturenames:
        metafunc.parametrize("field", list(RESOURCES[metafunc.cls.resource].fields))
