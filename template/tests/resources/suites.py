"""The isolation matrix every resource passes: one suite per scope, subclassed per resource.

alice makes the victim. For an owner-scoped resource nobody else may learn it exists. For an
org-scoped one, acme's members may read it, only alice and acme's admins may change it, and
nobody outside acme (bob, or dave through globex's URL) may learn it exists.
"""

import json
import re
from typing import Any, ClassVar

from flask import Flask
from werkzeug.test import TestResponse

from ..helpers import (
    assert_indistinguishable,
    assert_json_error,
    assert_uniform_404,
    bad_cursors,
    capture_sql,
    cursor_of,
    list_pages,
    listed_ids,
    missing_id,
    next_url,
)
from .world import Made, World

READ_ONLY_FIELDS = (
    "id",
    "public_id",
    "owner_id",
    "org_id",
    "creator_id",
    "created_at",
    "updated_at",
)
METHODS = ("GET", "PATCH", "DELETE")
# Who makes the objects of the list tests, and where: every scope a principal can list.
MAKERS = (("alice", "acme"), ("carol", "acme"), ("bob", "globex"), ("dave", "globex"))
LISTERS = ("alice", "carol", "bob", "dave", "acme_admin", "acme_owner")


def malformed_ids(public_id: str) -> dict[str, str]:
    """Spellings of a real id, and junk, that must never reach an object."""
    return {
        "upper case": public_id.upper(),
        "no hyphens": public_id.replace("-", ""),
        "braces": "{" + public_id + "}",
        "urn": "urn:uuid:" + public_id,
        "trailing space": public_id + "%20",
        "integer key": "1",
        "negative integer": "-1",
        "not a uuid": "not-a-uuid",
        "very long": "a" * 1000,
        "percent-encoded junk": "%00%ff%2e%2e",
        "path traversal": "..%2f..%2fetc",
    }


def principal_and_org(who: str) -> tuple[str, str]:
    """`"dave@globex"` is dave using globex's URL; a bare name uses acme's."""
    principal, _, org = who.partition("@")
    return principal, org or "acme"


class ResourceSuite:
    """Tests shared by both scopes; `resource` names the resource under test."""

    resource: ClassVar[str]
    OUTSIDERS: ClassVar[tuple[str, ...]]

    def request(
        self, world: World, method: str, url: str, who: str, body: Any = None
    ) -> TestResponse:
        headers = self.headers(world, who)
        if method in ("POST", "PATCH"):
            return world.client.open(url, method=method, json=body, headers=headers)
        return world.client.open(url, method=method, headers=headers)

    def own_org(self, victim: Made, org: str) -> str:
        """The org in which an outsider makes its own objects: globex, unless `org` names one."""
        return org if victim.org is None or org != "acme" else "globex"

    def attack_url(self, world: World, victim: Made, who: str) -> str:
        org = principal_and_org(who)[1]
        return world.through(victim, org) if victim.org and org != "acme" else victim.url

    def headers(self, world: World, who: str) -> dict[str, str]:
        return world.principals[principal_and_org(who)[0]].headers

    def alices_view(self, world: World, victim: Made) -> bytes:
        response = self.request(world, "GET", victim.url, "alice")
        assert response.status_code == 200, f"alice lost her own {self.resource}: {response.json}"
        return response.get_data()

    def assert_denied_like_missing(
        self, world: World, method: str, url: str, who: str, body: Any = None
    ) -> None:
        """`who` gets exactly what it gets for a missing id: 404 (401 when anonymous)."""
        principal = principal_and_org(who)[0]
        missing = url.rsplit("/", 1)[0] + "/" + missing_id()
        response = self.request(world, method, url, who, body)
        reference = self.request(world, method, missing, who, body)
        what = f"{who} {method} {url} (alice's {self.resource})"
        if principal == "anonymous":
            assert_json_error(response, 401)
            assert_indistinguishable(response, reference, what)
        else:
            assert_uniform_404(response, reference, what)

    def test_alice_manages_her_own(self, world: World) -> None:
        victim = world.make(self.resource, "alice")
        read = self.request(world, "GET", victim.url, "alice")
        assert read.status_code == 200 and read.json == victim.body, read.json
        listed = self.request(world, "GET", victim.collection, "alice")
        assert [item["id"] for item in listed.json] == [victim.id], listed.json
        changes = victim.spec.changes
        updated = self.request(world, "PATCH", victim.url, "alice", changes)
        assert updated.status_code == 200, updated.json
        assert {key: updated.json[key] for key in changes} == changes, updated.json
        assert self.request(world, "DELETE", victim.url, "alice").status_code == 204
        assert self.request(world, "GET", victim.url, "alice").status_code == 404

    def test_the_lookup_filters_by_id_scope_and_parent_in_one_query(self, world: World) -> None:
        victim = world.make(self.resource, "alice")
        spec = world.resources[self.resource]
        columns = ["public_id", "org_id" if victim.org else "owner_id"]
        columns += [f"{spec.parent}_id"] if spec.parent else []
        with capture_sql(world.client.application) as statements:
            self.request(world, "GET", victim.url, "alice")
        lookups = [s for s in statements if re.search(rf"\bFROM {spec.plural}\b", s)]
        assert len(lookups) == 1, f"{self.resource} was read by {len(lookups)} queries: {lookups}"
        for column in columns:
            bound = rf"\b{spec.plural}\.{column} = (\?|%\(\w+\)s)"
            assert re.search(bound, lookups[0]), f"{column} is not in the WHERE of {lookups[0]}"

    def test_responses_carry_only_declared_fields(self, world: World) -> None:
        victim = world.make(self.resource, "alice")
        expected = {"id", "created_at", "updated_at", *victim.spec.example}
        assert set(victim.body) == expected, f"{self.resource} response fields {set(victim.body)}"
        assert all(not isinstance(victim.body[key], int) for key in ("id",)), victim.body

    def test_outsiders_cannot_read(self, world: World, outsider: str) -> None:
        victim = world.make(self.resource, "alice")
        url = self.attack_url(world, victim, outsider)
        self.assert_denied_like_missing(world, "GET", url, outsider)
        body = self.request(world, "GET", url, outsider).get_data(as_text=True)
        assert victim.id not in body, f"{outsider} saw alice's {self.resource} id in {body}"

    def test_outsiders_cannot_update(self, world: World, outsider: str) -> None:
        victim = world.make(self.resource, "alice")
        before = self.alices_view(world, victim)
        url = self.attack_url(world, victim, outsider)
        self.assert_denied_like_missing(world, "PATCH", url, outsider, victim.spec.changes)
        assert self.alices_view(world, victim) == before, f"{outsider} changed alice's object"

    def test_outsiders_cannot_delete(self, world: World, outsider: str) -> None:
        victim = world.make(self.resource, "alice")
        before = self.alices_view(world, victim)
        url = self.attack_url(world, victim, outsider)
        self.assert_denied_like_missing(world, "DELETE", url, outsider)
        assert self.alices_view(world, victim) == before, f"{outsider} deleted alice's object"

    def test_outsiders_lists_exclude_alices(self, world: World, outsider: str) -> None:
        victim = world.make(self.resource, "alice")
        principal, org = principal_and_org(outsider)
        if principal == "anonymous":
            assert_json_error(self.request(world, "GET", victim.collection, outsider), 401)
            return
        own = world.make(self.resource, principal, self.own_org(victim, org))
        listed = self.request(world, "GET", own.collection, outsider)
        assert listed.status_code == 200, listed.json
        assert [item["id"] for item in listed.json] == [own.id], (
            f"{outsider} listed {listed.json} at {own.collection}; alice's is {victim.id}"
        )
        assert "X-Pagination" not in listed.headers, "lists count every row on every request"

    def test_foreign_and_missing_run_the_same_sql(self, world: World, outsider: str) -> None:
        victim = world.make(self.resource, "alice")
        url = self.attack_url(world, victim, outsider)
        missing = url.rsplit("/", 1)[0] + "/" + missing_id()
        app: Flask = world.client.application
        for method in METHODS:
            body = victim.spec.changes if method == "PATCH" else None
            with capture_sql(app) as foreign_sql:
                foreign = self.request(world, method, url, outsider, body)
            with capture_sql(app) as missing_sql:
                reference = self.request(world, method, missing, outsider, body)
            what = f"{outsider} {method} alice's {self.resource}"
            assert_indistinguishable(foreign, reference, what)
            assert foreign_sql == missing_sql, f"{what}: {foreign_sql} != {missing_sql}"

    def test_malformed_ids_get_the_uniform_404(self, world: World) -> None:
        victim = world.make(self.resource, "alice")
        base = victim.url.removesuffix(victim.id)
        for method in METHODS:
            reference = self.request(world, method, base + missing_id(), "alice")
            for label, bad in malformed_ids(victim.id).items():
                response = self.request(world, method, base + bad, "alice")
                what = f"alice {method} {self.resource} with {label} id {bad[:40]!r}"
                assert_uniform_404(response, reference, what)

    def test_ownership_fields_are_rejected_on_create(self, world: World) -> None:
        spec = world.resources[self.resource]
        victim = world.make(self.resource, "alice")
        forbidden = [
            *READ_ONLY_FIELDS,
            *([f"{spec.parent}_id", spec.parent] if spec.parent else []),
        ]
        for name in forbidden:
            body = {**world.body(spec, "alice", "acme"), name: victim.id}
            response = self.request(world, "POST", victim.collection, "alice", body)
            error = assert_json_error(response, 422)
            assert name in json.dumps(error.get("details")), f"{name}: {error}"
        listed = self.request(world, "GET", victim.collection, "alice")
        assert [item["id"] for item in listed.json] == [victim.id], "a rejected create wrote a row"

    def test_ownership_fields_are_rejected_on_update(self, world: World) -> None:
        victim = world.make(self.resource, "alice")
        before = self.alices_view(world, victim)
        bob = str(world.principals.bob.user_id)
        for name in READ_ONLY_FIELDS:
            value = world.org_id("globex") if name == "org_id" else bob
            response = self.request(world, "PATCH", victim.url, "alice", {name: value})
            error = assert_json_error(response, 422)
            assert name in json.dumps(error.get("details")), f"{name}: {error}"
        assert self.alices_view(world, victim) == before, "a rejected update changed the object"

    def test_alice_pages_through_her_own_in_creation_order(self, world: World) -> None:
        first = world.make(self.resource, "alice")
        mine = [first]
        for _ in range(4):
            world.make(self.resource, "bob", "globex")
            mine += world.add(first, "alice")
        pages = list_pages(
            world.client, f"{first.collection}?limit=2", self.headers(world, "alice")
        )
        assert [len(page) for page in pages] == [2, 2, 1], pages
        assert [item for page in pages for item in page] == [made.body for made in mine]

    def test_pages_stay_stable_under_inserts_and_deletes(self, world: World) -> None:
        first = world.make(self.resource, "alice")
        a, b, c, d, e, f = [first, *world.add(first, "alice", 5)]
        headers = self.headers(world, "alice")
        response = world.client.get(f"{first.collection}?limit=2", headers=headers)
        assert [item["id"] for item in response.json] == [a.id, b.id], response.json
        following = next_url(response)
        assert following is not None, "a full first page has no Link"
        for gone in (b, c):  # the last row shown, and the next one
            assert world.client.delete(gone.url, headers=headers).status_code == 204
        (g,) = world.add(first, "alice")
        rest = listed_ids(world.client, following, headers)
        assert rest == [d.id, e.id, f.id, g.id], (
            f"after deleting b and c and adding g, the pages after [a, b] hold {rest}"
        )

    def test_outsiders_replaying_alices_cursor_see_only_their_own(
        self, world: World, outsider: str
    ) -> None:
        first = world.make(self.resource, "alice")
        alices = {first.id, *(made.id for made in world.add(first, "alice", 2))}
        link = next_url(self.request(world, "GET", f"{first.collection}?limit=1", "alice"))
        assert link is not None, "alice's first page of one has no Link"
        principal, org = principal_and_org(outsider)
        if principal == "anonymous":
            response = self.request(world, "GET", link, outsider)
            assert_json_error(response, 401)
            return
        own = world.make(self.resource, principal, self.own_org(first, org))
        url = f"{own.collection}?cursor={cursor_of(link)}"
        replayed = listed_ids(world.client, url, self.headers(world, outsider))
        assert not alices & set(replayed), (
            f"{outsider} replayed alice's cursor at {url}: {replayed}"
        )
        assert set(replayed) <= {own.id}, f"{outsider} listed {replayed} at {own.collection}"

    def test_bad_cursors_are_400(self, world: World) -> None:
        first = world.make(self.resource, "alice")
        world.add(first, "alice")
        headers = self.headers(world, "alice")
        link = next_url(world.client.get(f"{first.collection}?limit=1", headers=headers))
        members = f"/orgs/{world.org_id('acme')}/members?limit=1"
        foreign = next_url(world.client.get(members, headers=headers))
        assert link is not None and foreign is not None, "a first page of one has no Link"
        for label, cursor in bad_cursors(cursor_of(link), cursor_of(foreign)).items():
            response = world.client.get(
                first.collection, query_string={"cursor": cursor}, headers=headers
            )
            error = assert_json_error(response, 400)
            assert list(error["details"]["query"]) == ["cursor"], f"{label} cursor: {error}"

    def test_the_limit_is_capped_and_validated(self, world: World) -> None:
        first = world.make(self.resource, "alice")
        world.add(first, "alice", 3)
        app: Flask = world.client.application
        cap = app.config["MAX_PAGE_SIZE"]
        headers = self.headers(world, "alice")
        bad = ("0", "-1", str(cap + 1), "1000000", "ten", "1.5", "1e3", "")
        for limit in bad:
            response = world.client.get(
                first.collection, query_string={"limit": limit}, headers=headers
            )
            error = assert_json_error(response, 422)
            assert list(error["details"]["query"]) == ["limit"], f"limit={limit!r}: {error}"
        for unknown in ("page", "page_size"):
            response = world.client.get(f"{first.collection}?{unknown}=2", headers=headers)
            error = assert_json_error(response, 422)
            assert list(error["details"]["query"]) == [unknown], f"{unknown}: {error}"
        app.config["MAX_PAGE_SIZE"] = 3
        for url in (first.collection, f"{first.collection}?limit=3"):
            response = world.client.get(url, headers=headers)
            assert len(response.json) == 3 and next_url(response), f"{url} under a cap of 3"
        response = world.client.get(f"{first.collection}?limit=4", headers=headers)
        assert "3" in json.dumps(assert_json_error(response, 422)["details"]), response.json

    def test_each_list_holds_exactly_what_its_caller_can_get(self, world: World) -> None:
        """List = check: through every collection URL, the ids a principal lists over all
        pages are the ids it can GET there."""
        made: list[Made] = []
        for principal, org in MAKERS:
            first = world.make(self.resource, principal, org)
            made += [first, *world.add(first, principal)]
        for who in LISTERS:
            headers = self.headers(world, who)
            for collection in sorted({m.collection for m in made}):
                response = world.client.get(collection, headers=headers)
                assert response.status_code in (200, 404), (
                    f"{who} GET {collection}: {response.json}"
                )
                listed = set()
                if response.status_code == 200:
                    listed = set(listed_ids(world.client, f"{collection}?limit=1", headers))
                gettable = {
                    m.id
                    for m in made
                    if world.client.get(f"{collection}/{m.id}", headers=headers).status_code == 200
                }
                assert listed == gettable, (
                    f"{who} lists {sorted(listed)} at {collection} but can GET {sorted(gettable)}"
                )

    def test_malformed_bodies_get_json_errors(self, world: World) -> None:
        victim = world.make(self.resource, "alice")
        client, headers = world.client, world.principals.alice.headers
        app: Flask = client.application
        oversized = json.dumps({"padding": "x" * app.config["MAX_CONTENT_LENGTH"]})
        cases = {
            413: client.post(
                victim.collection, data=oversized, headers=headers, content_type="application/json"
            ),
            415: client.post(
                victim.collection,
                data="title=x",
                headers=headers,
                content_type="application/x-www-form-urlencoded",
            ),
            400: client.post(
                victim.collection,
                data="{not json",
                headers=headers,
                content_type="application/json",
            ),
            422: client.post(victim.collection, json=[victim.spec.example], headers=headers),
        }
        for status, response in cases.items():
            assert_json_error(response, status)


class OwnerScopedSuite(ResourceSuite):
    """Nobody but the owner, not even a fellow member or an admin of its org, reaches it."""

    OUTSIDERS = ("carol", "bob", "dave", "acme_admin", "acme_owner", "anonymous")


class OrgScopedSuite(ResourceSuite):
    """acme's members read it; its creator and acme's admins change it; outsiders see nothing."""

    OUTSIDERS = ("bob", "dave@globex", "anonymous")
    READERS = ("alice", "carol", "dave", "acme_admin", "acme_owner")
    BYSTANDERS = ("carol", "dave")
    MANAGERS = ("acme_admin", "acme_owner")

    def test_members_can_read(self, world: World, reader: str) -> None:
        victim = world.make(self.resource, "alice")
        response = self.request(world, "GET", victim.url, reader)
        assert response.status_code == 200 and response.json == victim.body, (
            f"{reader} could not read acme's {self.resource}: {response.json}"
        )

    def test_members_without_rights_cannot_change(self, world: World, bystander: str) -> None:
        victim = world.make(self.resource, "alice")
        before = self.alices_view(world, victim)
        changes = victim.spec.changes
        assert_json_error(self.request(world, "PATCH", victim.url, bystander, changes), 403)
        assert_json_error(self.request(world, "DELETE", victim.url, bystander), 403)
        assert self.alices_view(world, victim) == before, f"{bystander} changed alice's object"

    def test_admins_can_change(self, world: World, manager: str) -> None:
        victim = world.make(self.resource, "alice")
        response = self.request(world, "PATCH", victim.url, manager, victim.spec.changes)
        assert response.status_code == 200, f"{manager}: {response.json}"
        assert self.request(world, "DELETE", victim.url, manager).status_code == 204

    def test_a_revoked_member_loses_access_on_the_next_request(self, world: World) -> None:
        victim = world.make(self.resource, "alice")
        assert self.request(world, "GET", victim.url, "carol").status_code == 200
        carol = world.principals.carol.user_id
        removed = self.request(world, "DELETE", f"/orgs/{victim.org}/members/{carol}", "acme_owner")
        assert removed.status_code == 204, removed.json
        self.assert_denied_like_missing(world, "GET", victim.url, "carol")


class ReferenceSuite(ResourceSuite):
    """For resources with `ref:` fields: links resolve only inside the caller's scope."""

    def test_references_to_others_objects_fail_like_missing_ones(self, world: World) -> None:
        spec = world.resources[self.resource]
        assert spec.refs, f"{self.resource} has no references"
        victim = world.make(self.resource, "alice")
        for name, target in spec.refs.items():
            foreign = world.make(target, "bob", "globex")
            body = world.body(spec, "alice", "acme")
            with_foreign = self.request(
                world, "POST", victim.collection, "alice", {**body, name: foreign.id}
            )
            with_missing = self.request(
                world, "POST", victim.collection, "alice", {**body, name: missing_id()}
            )
            assert_json_error(with_foreign, 422)
            assert_indistinguishable(with_foreign, with_missing, f"alice linking bob's {target}")
            patched = self.request(world, "PATCH", victim.url, "alice", {name: foreign.id})
            assert_indistinguishable(patched, with_missing, f"alice re-linking bob's {target}")
        listed = self.request(world, "GET", victim.collection, "alice")
        assert [item["id"] for item in listed.json] == [victim.id], "a foreign link was created"


class NestedSuite(ResourceSuite):
    """For child resources: the object is reachable only under its own parent."""

    def test_a_child_is_not_found_under_another_parent(self, world: World) -> None:
        spec = world.resources[self.resource]
        assert spec.parent is not None, f"{self.resource} has no parent"
        victim = world.make(self.resource, "alice")
        other_parent = world.make(spec.parent, "alice")
        url = f"{other_parent.url}/{spec.plural}/{victim.id}"
        for method in METHODS:
            body = spec.changes if method == "PATCH" else None
            self.assert_denied_like_missing(world, method, url, "alice", body)
