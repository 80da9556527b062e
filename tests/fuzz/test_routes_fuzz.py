"""Issue #8: every route of every API, walked with hostile input (hypothesis drives it).

Each row of the Identity v3, Compute v2.1 (under /compute/v2.1 and the legacy /compute/v2) and
Image v2 and Network v2 route tables, plus a few paths no table has, is called by one of six personas:
anonymous, a garbage token, and reader, member and admin of a project, and a system-scoped
admin (world.py builds the cloud they live in: two projects' servers, images, keypairs,
groups, a private flavor, an aggregate, identity objects an admin call may break, and each
project's networks, subnets, ports and whatever else the network table's routes make).

- ``test_route`` (about 3500 requests) sends the route's valid request (cases.py) with zero to
  three aspects broken: path ids (other projects' objects, odd encodings, long strings),
  query strings (paging parameters above all, with numbers past 64 bits), headers
  (Content-Type, boundary and malformed microversions, X-Subject-Token, Range), the body
  (a valid one broken in places, random JSON, deep nesting, huge numbers, bytes that are no
  JSON) or the method.
- ``test_fields`` (about 2600 requests) goes through every field of every valid body
  (templates.py) replaced by null, a value of the wrong type, an empty, huge or negative one,
  or dropped: each of them once.

Every answer must (checks.py, fuzzer.py):

- not be a 5xx, except a 501 whose message names what is missing;
- come within REQUEST_TIMEOUT (10) seconds;
- carry an error, if any, in the service's own envelope, and a request id;
- when it is a 401 or 403, have left every table as it was and started no task.

Known open findings whose fixes are under way elsewhere are listed in known.py; they are
counted and named in a warning instead of failing the run. Keep that list empty.

It runs on SQLite only: the denied-call check reads SQLite's ``data_version`` (which moves
whenever another connection commits) and then the tables over a read-only connection of its
own, cheap enough to do around every request; and what the fuzz exercises is the API's
handling of input, which does not depend on the database (the storage and functional suites
run on PostgreSQL too).

Reproducing a failure: its message shows the request (method, path with query, headers with
tokens named by persona, body), the answer and the server's traceback. The requests follow
from POCKETSTACK_FUZZ_SEED (default: today's date, see _seed) and hypothesis' case number
("Falsifying example: run(case=...)"); hypothesis keeps no example database, so
``POCKETSTACK_FUZZ_SEED=<seed> python -m pytest "tests/fuzz/test_routes_fuzz.py::test_route[<route>]"``
makes the same requests again (the ids differ: each run builds its cloud anew).
``POCKETSTACK_FUZZ_STATS=FILE`` appends each test process's count of requests and of answers
by service and status, to see what a change to the generators does.
"""

from __future__ import annotations

import os
import random
import sys
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, Phase, given, note, seed, settings
from hypothesis import strategies as st
from starlette.responses import Response

from pocketstack.api.common.routing import ApiRequest, Endpoint
from pocketstack.api.compute_v21.routes import ROUTES as COMPUTE_ROUTES
from pocketstack.api.identity_v3.routes import ROUTES as IDENTITY_ROUTES
from pocketstack.api.image_v2.routes import ROUTES as IMAGE_ROUTES
from pocketstack.api.network_v2.routes import ROUTES as NETWORK_ROUTES
from tests.fuzz.cases import Route, make, make_variant, variants
from tests.fuzz.fuzzer import Fuzzer, capturing, start
from tests.fuzz.vocabulary import BODY_METHODS


def _seed() -> int:
    """POCKETSTACK_FUZZ_SEED when set (``random`` for a random one), else today's date (UTC)
    as YYYYMMDD: runs of one day (CI's and a developer's) try the same requests, and the next
    day's try others, so the fuzz goes on finding new things without ever being flaky within
    a day."""
    given = os.environ.get("POCKETSTACK_FUZZ_SEED", "")
    if given == "random":
        return random.getrandbits(32)
    if given:
        return int(given)
    return int(datetime.now(UTC).strftime("%Y%m%d"))


SEED = _seed()


def _unrouted(req: ApiRequest) -> Response:
    raise AssertionError("never called: no route table has this path")


def _nowhere(path: str) -> Endpoint:
    return Endpoint("GET", path, _unrouted, None)


COMPUTE_MOUNTS = ("/compute/v2.1",) * 4 + ("/compute/v2",)
ROUTES: list[Route] = [
    *(Route("identity", ("/identity",), e) for e in IDENTITY_ROUTES),
    *(Route("compute", COMPUTE_MOUNTS, e) for e in COMPUTE_ROUTES),
    *(Route("image", ("/image",), e) for e in IMAGE_ROUTES),
    *(Route("network", ("/network",), e) for e in NETWORK_ROUTES),
    Route("compute", ("/compute",), _nowhere("/")),  # the version list at the compute root
    Route("identity", ("/identity",), _nowhere("/v3/{domain_id}/nothing")),
    Route("compute", COMPUTE_MOUNTS, _nowhere("/servers/{server_id}/nothing/{tag}")),
    Route("image", ("/image",), _nowhere("/v2/images/{image_id}/nothing")),
    Route("network", ("/network",), _nowhere("/v2.0/networks/{id}/nothing")),
]


def examples(route: Route) -> int:
    """How many random requests a route gets: more where there are ids, a body or a query to
    break (test_fields goes through the bodies field by field besides)."""
    endpoint = route.endpoint
    n = 5
    if "{" in endpoint.path:
        n += 3
    if endpoint.method in BODY_METHODS or endpoint.stream:
        n += 4
    if endpoint.method == "GET" and not endpoint.path.endswith("}"):
        n += 8
    if route.service == "network":
        # Its routes are many and served by a few shared handlers (tags above all, the same
        # six routes for every resource): fewer each keeps the whole run near two minutes.
        return max(3, n // 2 if "/tags" in endpoint.path else n * 2 // 3)
    return n


@pytest.fixture(scope="session")
def fuzzer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzer]:
    """One world per test process for the whole session (under xdist, other modules' tests
    may run between two routes: a module-scoped world would be built again each time)."""
    fuzz = start(tmp_path_factory.mktemp("fuzz"))  # its clouds hash passwords cheaply (world.py)
    yield fuzz
    if fuzz.hangs:
        # A hung request holds a thread that never returns, and the process would wait for it
        # at exit for ever (CI with it): say what hung and end the process.
        sys.__stderr__.write("fuzz: requests hung, ending the test process:\n" + "\n".join(fuzz.hangs) + "\n")
        sys.__stderr__.flush()
        os._exit(3)
    fuzz.close_world()
    summary = f"{fuzz.requests_sent} requests, {fuzz.rebuilds} worlds rebuilt, seed {SEED}"
    statuses = " ".join(f"{svc}:{code}={n}" for (svc, code), n in sorted(fuzz.statuses.items()))
    if os.environ.get("POCKETSTACK_FUZZ_STATS"):
        with open(os.environ["POCKETSTACK_FUZZ_STATS"], "a") as out:
            out.write(f"{summary}\n{statuses}\nknown: {dict(fuzz.known_met)}\n")
    if fuzz.known_met:
        met = ", ".join(f"{name} ({n}x)" for name, n in sorted(fuzz.known_met.items()))
        warnings.warn(f"fuzz: open findings met (tests/fuzz/known.py): {met}", stacklevel=1)


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_route(fuzzer: Fuzzer, route: Route) -> None:
    """The route's valid request of a random persona with zero to three aspects broken."""

    @seed(SEED)
    @settings(
        max_examples=examples(route),
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # a case is a seed: there is nothing to shrink
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.integers(0, 2**64 - 1))
    def run(case: int) -> None:
        req = make(route, fuzzer.world, case)
        note(f"POCKETSTACK_FUZZ_SEED={SEED}")
        fuzzer.check(req)

    with capturing(fuzzer.log):
        run()


FIELD_ROUTES = [r for r in ROUTES if variants(r)]


@pytest.mark.parametrize("route", FIELD_ROUTES, ids=[r.id for r in FIELD_ROUTES])
def test_fields(fuzzer: Fuzzer, route: Route) -> None:
    """Each field of each valid body of the route replaced by null, a value of the wrong type,
    an empty, huge or negative one, or dropped: every one of them, once, as admin or member."""
    choices = variants(route)

    @seed(SEED)
    @settings(
        max_examples=len(choices),  # the space is finite: hypothesis goes through all of it
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(number=st.integers(0, len(choices) - 1))
    def run(number: int) -> None:
        req = make_variant(route, fuzzer.world, choices[number], number)
        note(f"POCKETSTACK_FUZZ_SEED={SEED}, {choices[number]!r}")
        fuzzer.check(req)

    with capturing(fuzzer.log):
        run()
