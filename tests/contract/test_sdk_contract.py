"""pocketstack.sdk's promises about itself: it stands alone, both flavours offer the same calls,
and it type-checks strictly."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
import typing
from functools import cached_property
from pathlib import Path

import pytest

from pocketstack.sdk.proxy import AsyncProxy, Proxy, ServicePlans, plan_names

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "src" / "pocketstack" / "sdk"
PROXY_MODULES = [
    "pocketstack.sdk.compute.v2_1.proxy",
    "pocketstack.sdk.compute.vnext.proxy",
    "pocketstack.sdk.identity.v3.proxy",
    "pocketstack.sdk.image.v2.proxy",
    "pocketstack.sdk.network.v2.proxy",
    "pocketstack.sdk.object_store.v1.proxy",
]
SERVER_DEPENDENCIES = ("sqlalchemy", "starlette", "uvicorn", "alembic", "argon2", "pocketstack.api")


def test_importing_the_sdk_loads_no_server_dependency() -> None:
    modules = ["pocketstack.sdk.connection", *PROXY_MODULES, "pocketstack.sdk.cloud.plans"]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {SERVER_DEPENDENCIES!r} "
        + "or m.startswith('pocketstack.api')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _subclasses(module_name: str, base: type) -> list[type]:
    module = importlib.import_module(module_name)
    return [c for c in vars(module).values() if inspect.isclass(c) and issubclass(c, base) and c is not base]


def _proxies(module_name: str) -> tuple[type, type]:
    sync, asynchronous = _subclasses(module_name, Proxy), _subclasses(module_name, AsyncProxy)
    assert len(sync) == 1 and len(asynchronous) == 1, module_name
    return sync[0], asynchronous[0]


@pytest.mark.parametrize("module_name", PROXY_MODULES)
def test_sync_and_async_proxies_offer_the_same_calls(module_name: str) -> None:
    sync, asynchronous = _proxies(module_name)
    assert plan_names(sync) == plan_names(asynchronous)


@pytest.mark.parametrize("module_name", PROXY_MODULES)
def test_every_public_plan_is_on_the_proxies(module_name: str) -> None:
    sync, _ = _proxies(module_name)
    (plans,) = typing.get_args(sync.__orig_bases__[0])  # Proxy[XPlans]
    assert issubclass(plans, ServicePlans)
    public = {
        n
        for klass in plans.__mro__
        if issubclass(klass, ServicePlans) and klass is not ServicePlans
        for n, v in vars(klass).items()
        if inspect.isfunction(v) and not n.startswith("_")
    }
    assert public <= plan_names(sync), sorted(public - plan_names(sync))


def test_the_sdk_passes_mypy_strict() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(SDK)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_docs_services_table_matches_the_connection() -> None:
    """Each row's attribute is a service of both connections, reachable by its version too."""
    import re

    from pocketstack.sdk.connection import AsyncConnection, Connection

    doc = (ROOT / "docs" / "sdk.md").read_text()
    rows = re.findall(r"^\| `conn\.(\w+)` \| [^|]+ \| `conn\.\1\.(\w+)` \|$", doc, re.M)
    args = {"auth_url": "http://127.0.0.1:9/identity", "username": "u", "password": "p", "project_name": "p"}
    sync, asynchronous = Connection(**args), AsyncConnection(**args)
    served = {
        name for name in dir(Connection) if isinstance(getattr(Connection, name, None), cached_property)
    }
    assert {a for a, _ in rows} == served
    for attribute, version in rows:
        for conn in (sync, asynchronous):
            proxy = getattr(conn, attribute)
            assert getattr(proxy, version) is proxy
