"""Hostile input, for every field of every resource: 422 naming the field and nothing stored;
extreme valid values kept exactly. The same on SQLite and on PostgreSQL.

The values are built by `hostile.py` from each field's type and options in the registry, so
a new resource or field is covered without a line written for it.
"""

from typing import Any, ClassVar

import pytest
from werkzeug.test import TestResponse

from ..helpers import assert_json_error, database_time_zone, listed_ids
from ..hostile import FOUR_BYTES, FieldSpec, kept, refused, same_value
from .world import Made, World

# Session time zones at the two ends of the offsets in use: UTC+14 and UTC-12.
FAR_TIME_ZONES = ("Pacific/Kiritimati", "Etc/GMT+12")


def assert_refused(response: TestResponse, field: str, what: str) -> None:
    """422 in the JSON error shape, with a message for `field`."""
    text = response.get_data(as_text=True)
    assert response.status_code == 422, f"{what}: {response.status_code} {text[:500]}"
    details = assert_json_error(response, 422).get("details", {})
    assert field in details.get("json", {}), f"{what}: the error does not name {field}: {text}"


class InputSuite:
    """Tests of what each field of `resource` accepts; `field` runs once per field."""

    resource: ClassVar[str]

    def listed(self, world: World, made: Made) -> list[str]:
        return listed_ids(world.client, made.collection, world.principals.alice.headers)

    def test_hostile_values_are_refused_and_nothing_is_stored(
        self, world: World, field: str
    ) -> None:
        victim = world.make(self.resource, "alice")
        spec = victim.spec.fields[field]
        headers = world.principals.alice.headers
        body = world.body(victim.spec, "alice", "acme")
        before = world.client.get(victim.url, headers=headers).get_data()
        listed = self.listed(world, victim)
        for label, value in refused(spec).items():
            what = f"{self.resource}.{field} = {label}"
            created = world.client.post(
                victim.collection, json={**body, field: value}, headers=headers
            )
            assert_refused(created, field, f"POST {what}")
            updated = world.client.patch(victim.url, json={field: value}, headers=headers)
            assert_refused(updated, field, f"PATCH {what}")
        assert world.client.get(victim.url, headers=headers).get_data() == before, "changed"
        assert self.listed(world, victim) == listed, f"a refused {field} created an object"

    def test_extreme_values_are_kept_exactly(self, world: World, field: str) -> None:
        victim = world.make(self.resource, "alice")
        spec = victim.spec.fields[field]
        headers = world.principals.alice.headers
        body = world.body(victim.spec, "alice", "acme")
        for label, value in self.extremes(world, spec).items():
            what = f"{self.resource}.{field} = {label}"
            created = world.client.post(
                victim.collection, json={**body, field: value}, headers=headers
            )
            assert created.status_code == 201, f"POST {what}: {created.get_data(as_text=True)}"
            url = f"{victim.collection}/{created.get_json()['id']}"
            read = world.client.get(url, headers=headers).get_json()
            assert same_value(spec, value, read[field]), f"{what}: got {read[field]!r}"
            updated = world.client.patch(victim.url, json={field: value}, headers=headers)
            assert updated.status_code == 200, f"PATCH {what}: {updated.get_data(as_text=True)}"
            assert same_value(spec, value, updated.get_json()[field]), f"PATCH {what}"
        if spec.type == "datetime":
            for zone in FAR_TIME_ZONES:
                with database_time_zone(world.client.application, zone):
                    response = world.client.get(victim.collection, headers=headers)
                assert response.status_code == 200, f"listing in {zone}: {response.get_json()}"

    def extremes(self, world: World, spec: FieldSpec) -> dict[str, Any]:
        if spec.type == "ref":
            assert spec.target is not None
            return {f"alice's own {spec.target}": world.make(spec.target, "alice").id}
        return kept(spec)

    def test_every_string_at_its_limit_fits_in_one_body(self, world: World) -> None:
        """MAX_CONTENT_LENGTH leaves room for every string at its limit, in 4-byte characters
        that JSON escapes to 12 bytes each."""
        spec = world.resources[self.resource]
        strings = {
            name: FOUR_BYTES * field.max_length
            for name, field in spec.fields.items()
            if field.type in ("str", "text") and field.max_length is not None
        }
        if not strings:
            pytest.skip(f"{self.resource} has no str or text field")
        victim = world.make(self.resource, "alice")
        body = {**world.body(spec, "alice", "acme"), **strings}
        headers = world.principals.alice.headers
        created = world.client.post(victim.collection, json=body, headers=headers)
        assert created.status_code == 201, created.get_data(as_text=True)[:500]
        assert {name: created.get_json()[name] for name in strings} == strings
