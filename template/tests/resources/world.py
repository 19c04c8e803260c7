"""Objects made through the API for the isolation suites, and the URLs that reach them."""

from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient

from ..helpers import missing_id
from ..hostile import FieldSpec


@dataclass(frozen=True)
class ResourceSpec:
    """What the suites need to know of a resource; `registry.py` lists every one."""

    name: str
    plural: str
    scope: str
    parent: str | None
    example: dict[str, Any]
    changes: dict[str, Any]
    fields: dict[str, FieldSpec]

    @property
    def refs(self) -> dict[str, str]:
        """The `ref:` fields, and the resource each one names."""
        return {name: spec.target for name, spec in self.fields.items() if spec.target is not None}


@dataclass(frozen=True)
class Made:
    """An object created through the API, with the URLs that reach it."""

    spec: ResourceSpec
    id: str
    url: str
    collection: str
    org: str | None
    body: dict[str, Any] = field(repr=False)


class World:
    """Creates objects as a principal, parents and referenced objects first."""

    def __init__(
        self, client: FlaskClient, principals: Any, resources: dict[str, ResourceSpec]
    ) -> None:
        self.client = client
        self.principals = principals
        self.resources = resources

    def org_id(self, org: str) -> str:
        return str(self.principals.orgs[org])

    def collection(self, spec: ResourceSpec, org: str | None, parent: Made | None) -> str:
        if parent is not None:
            return f"{parent.url}/{spec.plural}"
        if spec.scope == "org":
            return f"/orgs/{org}/{spec.plural}"
        return f"/{spec.plural}"

    def body(self, spec: ResourceSpec, principal: str, org: str) -> dict[str, Any]:
        """A valid create body whose references point at new objects of `principal`."""
        body = dict(spec.example)
        for name, target in spec.refs.items():
            body[name] = self.make(target, principal, org).id
        return body

    def make(self, resource: str, principal: str = "alice", org: str = "acme") -> Made:
        """Create one `resource` as `principal` (in `org` when org-scoped)."""
        spec = self.resources[resource]
        parent = self.make(spec.parent, principal, org) if spec.parent else None
        org_id = self.org_id(org) if spec.scope == "org" else None
        return self._create(spec, self.collection(spec, org_id, parent), principal, org)

    def add(self, beside: Made, principal: str = "alice", count: int = 1) -> list[Made]:
        """Create `count` more objects as `principal` in the collection that holds `beside`."""
        names = {str(org_id): name for name, org_id in self.principals.orgs.items()}
        org = names.get(beside.org or "", "acme")
        return [self._create(beside.spec, beside.collection, principal, org) for _ in range(count)]

    def _create(self, spec: ResourceSpec, collection: str, principal: str, org: str) -> Made:
        body = self.body(spec, principal, org)
        response = self.client.post(
            collection, json=body, headers=self.principals[principal].headers
        )
        assert response.status_code == 201, (
            f"{principal} could not create a {spec.name} at {collection}: {response.get_json()}"
        )
        created = response.get_json()
        url = f"{collection}/{created['id']}"
        assert response.headers["Location"].endswith(url), response.headers["Location"]
        org_id = self.org_id(org) if spec.scope == "org" else None
        return Made(spec, created["id"], url, collection, org_id, created)

    def missing_twin(self, made: Made) -> str:
        """The URL of `made` with its own id replaced by one that does not exist."""
        return made.url.removesuffix(made.id) + missing_id()

    def through(self, made: Made, org: str) -> str:
        """The URL of `made` with its organization replaced by `org` (dave's trick)."""
        assert made.org is not None
        return made.url.replace(made.org, self.org_id(org), 1)
