"""The plan machinery of pocketstack.sdk with a scripted network: what is retried, how long it
waits, and that a failure inside a wrapped listing still reaches the listing's own retry."""

from __future__ import annotations

from typing import Any

import pytest

from pocketstack.sdk.exceptions import Conflict, ConnectionFailure, ServerError
from pocketstack.sdk.plan import Call, Emit, Listing, Request, Response, Sleep, collect, filtering, first
from pocketstack.sdk.transport import RetryPolicy, send


class Script:
    """Answers requests in order from a list of outcomes (a status code, or an exception to
    raise as the network would), recording requests and sleeps."""

    def __init__(self, *outcomes: int | Exception) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[Request] = []
        self.sleeps: list[float] = []

    def run(self, plan: Call[Any]) -> Any:
        sent: Any = None
        thrown: Exception | None = None
        while True:
            try:
                step = plan.throw(thrown) if thrown is not None else plan.send(sent)
            except StopIteration as stop:
                return stop.value
            sent, thrown = None, None
            if isinstance(step, Sleep):
                self.sleeps.append(step.seconds)
                continue
            assert isinstance(step, Request)
            self.requests.append(step)
            outcome = self.outcomes.pop(0)
            if isinstance(outcome, Exception):
                thrown = outcome
            else:
                headers = {"retry-after": "7"} if outcome == 503 else {}
                sent = Response(
                    outcome, headers, b'{"conflictingRequest": {"message": "busy"}}', step.method, step.url
                )


POLICY = RetryPolicy(attempts=3, backoff=0.5, max_backoff=30)


def listing(pages: int) -> Listing[int]:
    for page in range(pages):
        yield from send(Request("GET", f"http://cloud/items?page={page}"), POLICY)
        yield Emit(page)


def test_a_read_is_retried_after_a_connection_failure_and_a_503() -> None:
    net = Script(ConnectionFailure("reset"), 503, 200)
    response = net.run(send(Request("GET", "http://cloud/x"), POLICY))
    assert response.status_code == 200 and len(net.requests) == 3
    assert net.sleeps == [0.5, 7.0]  # backoff, then the 503's Retry-After
    assert len({r.headers["X-OpenStack-Request-ID"] for r in net.requests}) == 1


def test_a_create_is_never_retried() -> None:
    net = Script(ConnectionFailure("reset"))
    with pytest.raises(ConnectionFailure):
        net.run(send(Request("POST", "http://cloud/x", content=b"{}"), POLICY))
    net = Script(503)
    with pytest.raises(ServerError):
        net.run(send(Request("POST", "http://cloud/x", content=b"{}"), POLICY))
    assert len(net.requests) == 1 and net.sleeps == []


def test_a_409_is_not_retried_and_carries_the_message() -> None:
    net = Script(409)
    with pytest.raises(Conflict) as err:
        net.run(send(Request("PUT", "http://cloud/x"), POLICY))
    assert err.value.message == "busy" and len(net.requests) == 1


def test_retries_give_up_after_the_attempts() -> None:
    net = Script(503, 503, 503)
    with pytest.raises(ServerError):
        net.run(send(Request("GET", "http://cloud/x"), POLICY))
    assert len(net.requests) == 3


@pytest.mark.parametrize(
    "wrap, expected",
    [(collect, [0, 1, 2]), (first, 0), (lambda items: collect(filtering(items, lambda i: i > 0)), [1, 2])],
)
def test_a_failure_inside_a_wrapped_listing_reaches_its_retry(wrap: Any, expected: Any) -> None:
    net = Script(ConnectionFailure("reset"), 200, 200, 200)
    assert net.run(wrap(listing(3))) == expected
    assert net.sleeps == [0.5]


def test_first_fetches_no_more_pages_than_it_needs() -> None:
    net = Script(200, 200, 200)
    assert net.run(first(listing(3))) == 0
    assert len(net.requests) == 1
