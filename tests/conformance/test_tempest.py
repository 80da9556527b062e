"""Issues #9 and #10: OpenStack's conformance suite, Tempest, against a real pocketstack.

The chosen set (``tempest_runner.CHOSEN_REGEX``, less ``CHOSEN_EXCLUDE``) is Tempest's whole
API suite of the services pocketstack serves: Compute, Identity, Image, Network and Object
Storage. A failure not listed in
``expected_failures.txt`` fails this test, and so does a listed test that passes now, or no
longer runs: the list only shrinks. To see the run by hand::

    python -m tests.conformance.tempest_runner --start
"""

from __future__ import annotations

import re

import pytest

from tests.clients.harness import ADMIN_PASSWORD, start_server
from tests.conformance.tempest_runner import (
    FAIL,
    Admin,
    Expected,
    ImageMirror,
    cloud_settings,
    judge,
    report,
    run_tempest,
    tempest_venv,
)

pytestmark = pytest.mark.clients


def test_tempest_chosen_set(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> None:
    expected = Expected.load()  # a malformed list fails before anything is started
    venv = tempest_venv()
    # What web-download fetches, served on the loopback address for this cloud only.
    with ImageMirror() as mirror:
        server = start_server(tmp_path_factory.mktemp("pocketstack"), **cloud_settings(mirror))
        try:
            run = run_tempest(
                server.url,
                Admin(password=ADMIN_PASSWORD),
                workspace=tmp_path_factory.mktemp("tempest"),
                venv=venv,
                timeout=35 * 60,
                mirror=mirror,
            )
        finally:
            code = server.stop()
    verdict = judge(run, expected)
    text = report(run, verdict)
    # 501 is the deliberate answer of an action not served yet; a 500 or a traceback is a crash.
    crashes = [line for line in server.server_errors() if not re.search(r"\bstatus=501\b", line)]
    if crashes:
        text += f"\nthe server answered 5xx or crashed {len(crashes)} times:\n" + "".join(crashes[:40])
    print(text)
    request.node.add_report_section("call", "tempest summary", text)

    assert run.results, f"Tempest ran no test (exit {run.returncode}):\n{run.output[-4000:]}"
    assert code == 0, f"pocketstack exited {code} on SIGTERM"
    assert verdict.ok, text
    assert not crashes, text
    assert run.ids(FAIL) or run.returncode == 0, f"tempest exited {run.returncode}:\n{run.output[-4000:]}"
