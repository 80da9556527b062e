"""What the fuzz test sends: for one route and one case number, a request of one persona that is
valid but for zero to three broken aspects (path ids, query, headers, body, method).

Hypothesis picks the case numbers; everything else follows from the number through a seeded
``Gen`` (see values.py for why), so a case number and the world it ran in make the request
again."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from pocketstack.api.common.routing import ALL_METHODS, Endpoint
from tests.fuzz.templates import TEMPLATES, Template, network_kind
from tests.fuzz.values import BOUNDARY_INTS, Gen, encode
from tests.fuzz.vocabulary import (
    BINARY_PREFIXES,
    BODY_METHODS,
    EXTRA_HEADERS,
    FIXED_IDS,
    JSON_TYPES,
    JUNK,
    MICROVERSIONS,
    NUMBERS,
    ODD_IDS,
    OVERFLOWS,
    PAGING,
    PARAM_KINDS,
    PERSONAS,
    QUERY_NAMES,
    QUERY_TAILS,
    QUERY_VALUES,
    RANGES,
    SERVICE_PARAM_KINDS,
    VERSION_PREFIXES,
)
from tests.fuzz.world import World


@dataclass(frozen=True)
class Route:
    """One row of a route table as the fuzz test reaches it: which API, under which mounts."""

    service: str
    mounts: tuple[str, ...]
    endpoint: Endpoint

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.service, self.endpoint.method, self.endpoint.path)

    @property
    def id(self) -> str:
        return f"{self.service} {self.endpoint.method} {self.endpoint.path}"


@dataclass
class Request:
    route: str  # the id of the Route it was made for
    service: str
    persona: str
    method: str
    path: str  # with the query string, already encoded
    headers: dict[str, str]
    body: bytes | None

    def __repr__(self) -> str:  # short: describe() has it all
        path = self.path if len(self.path) <= 200 else self.path[:200] + "..."
        return f"Request({self.persona} {self.method} {path})"

    def describe(self, tokens: dict[str, str]) -> str:
        names = {token: f"<{persona} token>" for persona, token in tokens.items()}
        headers = {k: names.get(v, v) for k, v in self.headers.items()}
        body = self.body
        shown = repr(body if body is None or len(body) <= 4000 else body[:4000] + b"...")
        size = "" if body is None else f"  # {len(body)} bytes"
        path = self.path
        if len(path) > 1000:  # long ids are runs of one letter: this is enough to rebuild them
            path = f"{path[:400]}...[{len(path) - 600} more characters]...{path[-200:]}"
        return f"as {self.persona}:\n  {self.method} {path}\n  headers={headers!r}\n  content={shown}{size}"


class Maker:
    """Makes the request of one case."""

    def __init__(self, route: Route, world: World, case: int) -> None:
        self.route = route
        self.endpoint = route.endpoint
        self.world = world
        self.gen = Gen(f"{route.id} {case}")  # hypothesis gives every route the same numbers
        self.rnd = self.gen.rnd
        self.persona = self.rnd.choice(PERSONAS)
        templates = TEMPLATES.get(route.key, [])
        self.template: Template | None = self.rnd.choice(templates) if templates else None

    def chance(self, one_in: int) -> bool:
        return self.rnd.randrange(one_in) == 0

    def request(self, breaking: set[str] | None = None) -> Request:
        """A valid request of the persona with ``breaking`` broken (by default zero to three
        aspects of the route, at random)."""
        rnd, endpoint = self.rnd, self.endpoint
        if breaking is None:
            weighted = self.aspects()
            breaking = {rnd.choice(weighted) for _ in range(rnd.choice((0, 1, 1, 1, 1, 2, 2, 3)))}
        path = endpoint.path
        for name in re.findall(r"{(\w+)}", path):
            segment = self.hostile_id(name) if "ids" in breaking and self.chance(2) else self.path_id(name)
            path = path.replace("{" + name + "}", segment, 1)
        path = rnd.choice(self.route.mounts) + path
        if "query" in breaking:
            path += "?" + self.query()
        method = rnd.choice([*ALL_METHODS, "PROPFIND", "TRACE"]) if "method" in breaking else endpoint.method
        headers: dict[str, str] = {}
        token = self.token()
        if token is not None:
            headers["X-Auth-Token"] = token
        if self.route.service == "compute":
            headers.update(self.version_headers("headers" in breaking and self.chance(2)))
        if endpoint.path == "/v3/auth/tokens" and endpoint.method != "POST":
            headers["X-Subject-Token"] = rnd.choice(list(self.world.tokens.values()))
        content = self.body("body" in breaking)
        if content is not None:
            headers["Content-Type"] = "application/octet-stream" if endpoint.stream else "application/json"
            if self.route.key == ("image", "PATCH", "/v2/images/{image_id}"):
                headers["Content-Type"] = "application/openstack-images-v2.1-json-patch"
        if "headers" in breaking:
            headers.update(self.hostile_headers())
        return Request(self.route.id, self.route.service, self.persona, method, path, headers, content)

    def aspects(self) -> list[str]:
        """What a request may have broken, weighted by how much of the route it reaches."""
        endpoint = self.endpoint
        out = ["headers", "headers", "method"]
        if "{" in endpoint.path:
            out += ["ids"] * 3
        out += ["query"] * (4 if endpoint.method in ("GET", "HEAD") else 1)
        out += ["body"] * (6 if endpoint.method in BODY_METHODS or endpoint.stream else 1)
        return out

    # -- bodies ---------------------------------------------------------------------------------
    def body(self, breaking: bool) -> bytes | None:
        """A valid body where the route has a template (broken if ``breaking``), data with a
        few formats' headers for an upload, none where none is read."""
        rnd, gen, endpoint = self.rnd, self.gen, self.endpoint
        if endpoint.stream:
            return rnd.choice(BINARY_PREFIXES) + rnd.randbytes(rnd.randrange(2048))
        if not breaking:
            if self.template is not None:
                return encode(self.resolve(self.template.doc))
            return b"{}" if endpoint.method in BODY_METHODS else None
        if self.template is not None and not self.chance(4):
            return encode(self.broken(self.resolve(self.template.doc)), ascii_only=self.chance(2))
        kind = rnd.choice(("json", "wrapped", "junk", "nested", "deep", "number", "bytes"))
        if kind == "json":
            return encode(gen.json(), ascii_only=self.chance(2))
        if kind == "wrapped":
            return encode({gen.key(): {gen.key(): gen.hostile() for _ in range(rnd.randint(0, 4))}})
        if kind == "nested":
            return encode(gen.nested())
        if kind == "deep":
            return gen.deep_text()
        if kind == "number":
            return str(rnd.choice([*BOUNDARY_INTS, 2**64, 10**400, -(10**30), "1e999", "-0"])).encode()
        if kind == "junk":
            return rnd.choice(JUNK)
        return rnd.randbytes(rnd.randrange(1, 64))

    def resolve(self, value: Any) -> Any:
        """A template with each "$kind" replaced by an id of that kind, the persona's own."""
        if isinstance(value, str) and value.startswith("$"):
            kind = value[1:]
            pool = self.world.owned_by(kind, self.persona) if kind != "token" else self.world.pool_of(kind)
            return self.rnd.choice(pool) if pool else value
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def broken(self, doc: Any) -> Any:
        """``doc`` broken in one to three places: a value replaced by one of the wrong type, a
        null, an empty or huge one, or one nested around the depth limit; a key dropped or
        added."""
        rnd, gen = self.rnd, self.gen
        for _ in range(rnd.choice((1, 1, 1, 2, 2, 3))):
            places = _places(doc)
            place = rnd.choice(places[1:] or places)
            how = rnd.choice(("hostile", "hostile", "hostile", "hostile", "drop", "add", "add", "nest"))
            if not place:
                if isinstance(doc, dict) and how == "add":
                    doc[gen.key()] = gen.hostile()
                elif how in ("hostile", "nest"):
                    doc = gen.hostile() if how == "hostile" else gen.nested()
                continue
            parent: Any = doc
            for part in place[:-1]:
                parent = parent[part]
            last = place[-1]
            if how == "hostile":
                parent[last] = gen.hostile()
            elif how == "nest":
                parent[last] = gen.nested()
            elif how == "drop":
                del parent[last]
            elif isinstance(parent, dict):
                parent[gen.key()] = gen.hostile()
            else:
                parent.append(gen.hostile())
        return doc

    # -- the rest of a request ------------------------------------------------------------------
    def query(self) -> str:
        """One to three parameters, paging ones most often, with hostile values: numbers
        past 64 bits or below zero most often."""
        rnd, gen = self.rnd, self.gen
        kinds = ("server", "image", "project", "user", "flavor", "net:networks", "net:subnets", "net:ports")
        ids = [i for kind in kinds for i in self.world.pool_of(kind)]
        pairs = []
        for _ in range(rnd.choice((1, 1, 1, 1, 2, 2, 3))):
            roll = rnd.randrange(10)
            if roll < 6:
                name = rnd.choice(PAGING)
            elif roll < 9:
                name = rnd.choice(QUERY_NAMES)
            else:
                name = gen.text(10, in_url=True)
            roll = rnd.randrange(20)
            if roll < 5:
                value = rnd.choice(OVERFLOWS)
            elif roll < 9:
                value = rnd.choice(NUMBERS)
            elif roll < 13:
                value = rnd.choice(QUERY_VALUES)
            elif roll < 16:
                value = rnd.choice(ids)
            else:
                value = gen.text(in_url=True)
            pairs.append((name, value))
        encoded = urlencode(pairs, encoding="utf-8", errors="surrogatepass")
        if self.chance(10):
            encoded += rnd.choice(QUERY_TAILS)
        return encoded

    def kind(self, param: str) -> str:
        service = self.route.service
        if service == "network" and param in ("id", "pf_id"):
            return network_kind(self.endpoint.path, param)
        return SERVICE_PARAM_KINDS.get(service, {}).get(param) or PARAM_KINDS.get(param, param)

    def path_id(self, param: str) -> str:
        """An id of an object of the right kind, the persona's own where it has one: what a valid
        request names."""
        own = list(self.world.owned_by(self.kind(param), self.persona)) or FIXED_IDS.get(param, ["x"])
        return quote(self.rnd.choice(own), safe="")

    def hostile_id(self, param: str) -> str:
        """An already-encoded path segment that is not what the route wants: another project's
        object or another kind's, an odd encoding, a random uuid, long or random text."""
        rnd, world = self.rnd, self.world
        roll = rnd.randrange(10)
        anything = [
            i for k in ("server", "image", "project", "user", "role", "domain") for i in world.pool_of(k)
        ]
        if roll < 3:
            return quote(rnd.choice(list(world.pool_of(self.kind(param))) or anything), safe="")
        if roll < 4:
            return quote(rnd.choice(anything), safe="")
        if roll < 7:
            return rnd.choice(ODD_IDS)
        if roll < 8:
            return str(uuid.UUID(int=rnd.getrandbits(128)))
        return quote(self.gen.text(in_url=True).encode("utf-8", "surrogatepass"), safe="") or "x"

    def version_headers(self, breaking: bool) -> dict[str, str]:
        """Compute's microversion headers: a version the template is valid at (or none, when
        2.1 will do), or when ``breaking`` a boundary, malformed or conflicting one."""
        rnd = self.rnd
        if not breaking:
            since, until = (self.template.since, self.template.until) if self.template else (1, 96)
            roll = rnd.randrange(10)
            if roll == 0 and since == 1:
                return {}
            version = "latest" if roll == 1 and until == 96 else f"2.{rnd.randint(since, until)}"
            if roll < 8:
                return {"OpenStack-API-Version": f"compute {version}"}
            return {"X-OpenStack-Nova-API-Version": version}
        version = self.gen.header() if self.chance(6) else rnd.choice(MICROVERSIONS)
        roll = rnd.randrange(4)
        if roll == 0:
            return {"OpenStack-API-Version": rnd.choice(VERSION_PREFIXES) + version}
        if roll == 1:
            return {"X-OpenStack-Nova-API-Version": version}
        if roll == 2:
            return {"OpenStack-API-Version": f"compute {version}", "X-OpenStack-Nova-API-Version": "2.1"}
        return {"OpenStack-API-Version": self.gen.header()}

    def hostile_headers(self) -> dict[str, str]:
        rnd = self.rnd
        name = rnd.choice(["Content-Type", "Content-Type", *EXTRA_HEADERS])
        if name == "Content-Type":
            return {name: self.gen.header(20) if self.chance(4) else rnd.choice(JSON_TYPES)}
        if name == "X-Subject-Token" and self.chance(2):
            return {name: rnd.choice(list(self.world.tokens.values()))}
        if name == "Range":
            return {name: rnd.choice(RANGES)}
        return {name: self.gen.header()}

    def token(self) -> str | None:
        rnd, tokens = self.rnd, self.world.tokens
        if self.persona == "anonymous":
            return None
        if self.persona != "garbage":
            return tokens[self.persona]
        roll = rnd.randrange(4)
        if roll == 0:  # a real token with its tail changed
            return rnd.choice(list(tokens.values()))[:-4] + "AAAA"
        if roll == 1:
            return rnd.choice(["gAAAAA" + "A" * 200, "null", "Bearer x", "0", "x" * 9000])
        return self.gen.header().strip() or "x"


def _places(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The paths to every value in a JSON document (the document itself first)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _places(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _places(v, (*prefix, i))
    return out


def make(route: Route, world: World, case: int) -> Request:
    return Maker(route, world, case).request()


# -- one field at a time ------------------------------------------------------------------------

# What replaces a value of each type: null, the wrong type, an empty, huge or negative one.
SUBSTITUTES: dict[str, list[Any]] = {
    "str": [None, "", "x" * 300, 2**63, {}],
    "bool": [None, "true", 2],
    "int": [None, 2**63, -1, "1", 1.5],
    "list": [None, [], "x", [None]],
    "dict": [None, [], {}, "x"],
    "null": ["x", 2**63, {}],
}
DROP = "<dropped>"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "int"
    return {str: "str", list: "list", dict: "dict"}[type(value)]


@dataclass(frozen=True)
class Variant:
    """One field of one template replaced (or dropped)."""

    template: int
    place: tuple[Any, ...]
    value: Any

    def __repr__(self) -> str:
        where = ".".join(str(p) for p in self.place)
        return f"{where}={'dropped' if self.value == DROP else encode(self.value).decode()[:40]}"


def variants(route: Route) -> list[Variant]:
    """Every field of every template of ``route`` with each of its substitutes."""
    out = []
    for index, template in enumerate(TEMPLATES.get(route.key, [])):
        for place in _places(template.doc)[1:]:
            parent: Any = template.doc
            for part in place[:-1]:
                parent = parent[part]
            value = parent[place[-1]]
            out += [Variant(index, place, sub) for sub in SUBSTITUTES[_type_name(value)]]
            if isinstance(parent, dict):
                out.append(Variant(index, place, DROP))
    return out


def make_variant(route: Route, world: World, variant: Variant, number: int) -> Request:
    """The route's valid request with one field changed, as admin (two in three) or member;
    ``number`` picks the persona and the microversion."""
    maker = Maker(route, world, number)
    maker.persona = "member" if number % 3 == 1 else "admin"
    maker.template = TEMPLATES[route.key][variant.template]
    request = maker.request(breaking=set())
    doc = maker.resolve(maker.template.doc)
    parent: Any = doc
    for part in variant.place[:-1]:
        parent = parent[part]
    if variant.value == DROP:
        del parent[variant.place[-1]]
    else:
        parent[variant.place[-1]] = variant.value
    request.body = encode(doc)
    return request
